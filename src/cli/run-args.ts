// `picemu run LIB SYMBOL [ARG...] [options]` (SPEC.md): its options and help, and parsing into a typed request.
import { CallArgError, parseCallArg, RETURN_TYPES, type CallArg, type ReturnKind } from '../index.ts';
import { parseInteger } from '../util/numbers.ts';
import type { ProfileName } from '../cpu/features.ts';
import type { TraceFilter } from '../trace/filter.ts';
import { CPU_OPTION, cpuOption } from './cpu-option.ts';
import { ENGINE_OPTION, engineOption } from './engine-option.ts';
import type { EngineName } from '../process/engines/engine.ts';
import { UsageError } from './errors.ts';
import { traceFilterOption, traceFilterOptions } from './trace-filter-option.ts';
import { hasFlag, integerOption, limitOptions, LIMIT_OPTIONS, optionValue, parseOptions, type OptionSpec, type ParsedOptions } from './options.ts';

export type { CallArg };
export type ReturnType = ReturnKind;

/** Limits that keep a mistyped number from running for minutes: each process is an address space with its own stack. */
export const MAX_PROCS = 64;
export const MAX_CALLS = 100_000;

export interface RunRequest {
  library: string;
  symbol: string;
  args: CallArg[];
  procs: number;
  calls: number;
  /** undefined: the default bases (different per process, fixed). */
  seed?: number;
  trace: boolean;
  json: boolean;
  /** --ndjson: stream one JSON object per line (steps as they run, results, pages) instead of one document. */
  ndjson?: boolean;
  ret: ReturnType;
  /** Per call: instructions (default the library's 200 million) and wall-clock ms (default 30 s). */
  budget?: number;
  deadlineMs?: number;
  /** --trace-*: which steps each call's trace keeps (undefined: all). */
  traceFilter?: TraceFilter;
  /** --cpu: the CPU profile (undefined: the default). */
  cpu?: ProfileName;
  /** --engine: what executes the code (undefined: picemu's CPU). */
  engine?: EngineName;
}

export const RUN_OPTIONS: readonly OptionSpec[] = [
  { name: '--procs', value: 'N', help: `number of processes (default 2, at most ${MAX_PROCS})` },
  { name: '--calls', value: 'K', help: `calls of SYMBOL in each process, interleaved (default 1, at most ${MAX_CALLS})` },
  { name: '--seed', value: 'S', help: 'seed of the per-process base addresses (default: fixed bases, different per process)' },
  { name: '--ret', value: 'TYPE', help: `how to read the result: ${RETURN_TYPES.join(', ')} (default int); cstr prints NULL for a null pointer` },
  { name: '--trace', help: 'print every instruction with its annotated memory accesses' },
  { name: '--json', help: 'print one JSON document (library, symbol, processes with results and trace, pages) instead of text' },
  { name: '--ndjson', help: 'stream one JSON object per line instead: {"type":"step",...} as each traced step runs (never held in memory), {"type":"result",...} per call, {"type":"pages",...}' },
  ...traceFilterOptions('each call', 'libz.so.1'),
  CPU_OPTION,
  ENGINE_OPTION,
  ...LIMIT_OPTIONS,
];

/** One ARG of SPEC.md's `run`, as a usage error when it is not one. */
export function parseRunArg(text: string): CallArg {
  try {
    return parseCallArg(text);
  } catch (err) {
    if (err instanceof CallArgError) throw new UsageError(err.message);
    throw err;
  }
}

export function parseRunArgs(argv: string[]): RunRequest {
  const p = parseOptions(argv, RUN_OPTIONS);
  if (p.positional.length < 2) throw new UsageError('run needs LIB and SYMBOL');
  const [library, symbol, ...rest] = p.positional as [string, string, ...string[]];
  const seedText = optionValue(p, '--seed');
  let seed: number | undefined;
  if (seedText !== undefined) {
    const v = parseInteger(seedText);
    if (v === undefined || v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new UsageError(`--seed: bad value '${seedText}' (want a non-negative integer)`);
    seed = Number(v);
  }
  if (hasFlag(p, '--json') && hasFlag(p, '--ndjson')) throw new UsageError('--json and --ndjson exclude each other (one document, or one object per line)');
  const traceFilter = traceFilterOption(p);
  const ret = optionValue(p, '--ret') ?? 'int';
  if (!RETURN_TYPES.includes(ret as ReturnType)) throw new UsageError(`--ret: bad type '${ret}' (want one of ${RETURN_TYPES.join(', ')})`);
  return {
    library,
    symbol,
    args: rest.map(parseRunArg),
    procs: integerOption(p, '--procs', 1, MAX_PROCS, 2),
    calls: integerOption(p, '--calls', 0, MAX_CALLS, 1),
    ...(seed !== undefined ? { seed } : {}),
    trace: hasFlag(p, '--trace'),
    json: hasFlag(p, '--json'),
    ...(hasFlag(p, '--ndjson') ? { ndjson: true } : {}),
    ret: ret as ReturnType,
    ...limitOptions(p),
    ...(cpuOption(p) !== undefined ? { cpu: cpuOption(p) } : {}),
    ...(engineOption(p) !== undefined ? { engine: engineOption(p) } : {}),
    ...(traceFilter ? { traceFilter } : {}),
  };
}
