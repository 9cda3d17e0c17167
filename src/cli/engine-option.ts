// The `--engine` option shared by demo, run, repl (and exec): its spec, help and parse, in one place.
import { ENGINE_NAMES, type EngineName } from '../process/engines/engine.ts';
import { UsageError } from './errors.ts';
import { optionValue, type OptionSpec, type ParsedOptions } from './options.ts';

export const ENGINE_OPTION: OptionSpec = {
  name: '--engine',
  value: 'NAME',
  help:
    `what executes the code: ${ENGINE_NAMES.join(' or ')}. Default picemu (picemu's own CPU); unicorn is ` +
    'unicorn-engine 2.1.4 built to WebAssembly (wasm/, GPL-2.0), with the same loader, kernel and page cache; ' +
    'unicorn has no AVX, so its CPU profile is x86-64-v2 (the default with it; a profile beyond is refused)',
};

/** Parses the value of `--engine`; a bad name is a usage error. */
export function parseEngineOption(text: string | undefined): EngineName {
  if (!(ENGINE_NAMES as readonly string[]).includes(text ?? '')) throw new UsageError(`--engine: bad value '${text ?? ''}' (want ${ENGINE_NAMES.join(' or ')})`);
  return text as EngineName;
}

/** `--engine` from parsed options, or undefined (the default engine) when absent. */
export function engineOption(p: ParsedOptions): EngineName | undefined {
  const text = optionValue(p, '--engine');
  return text === undefined ? undefined : parseEngineOption(text);
}
