// `--engine picemu|unicorn` for every command that runs code (demo, run, exec, repl): parsed in one place.
import { ENGINE_NAMES, type EngineName } from '../process/engines/engine.ts';
import { UsageError } from './errors.ts';

export const ENGINE_USAGE = `--engine ${ENGINE_NAMES.join('|')}`;

/**
 * Takes `--engine NAME` or `--engine=NAME` out of `argv`: the engine (undefined when absent) and the other
 * arguments, in order, for the command's own parser.
 */
export function takeEngineOption(argv: readonly string[]): { engine: EngineName | undefined; rest: string[] } {
  const rest: string[] = [];
  let engine: EngineName | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a !== '--engine' && !a.startsWith('--engine=')) {
      rest.push(a);
      continue;
    }
    const value = a === '--engine' ? argv[++i] : a.slice('--engine='.length);
    if (!(ENGINE_NAMES as readonly string[]).includes(value ?? '')) throw new UsageError(`--engine: bad value '${value ?? ''}' (want ${ENGINE_NAMES.join(' or ')})`);
    engine = value as EngineName;
  }
  return { engine, rest };
}
