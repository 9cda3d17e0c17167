// `picemu maps LIB [--procs N] [--pid P] [--seed S]`: loads LIB into N processes and prints process P's
// /proc/PID/maps in the kernel's format.
import { loadIntoFreshSpaces } from '../index.ts';
import type { Command } from './command.ts';
import { UsageError } from './errors.ts';
import { LIBRARY_RULE, resolveLibrary } from './input-file.ts';
import { integerOption, optionValue, parseOptions, type OptionSpec } from './options.ts';
import { MAX_PROCS } from './run-args.ts';

export const MAPS_OPTIONS: readonly OptionSpec[] = [
  { name: '--procs', value: 'N', help: `number of processes (default 1, at most ${MAX_PROCS})` },
  { name: '--pid', value: 'P', help: "the process whose maps to print (default 1)" },
  { name: '--seed', value: 'S', help: 'seed of the per-process base addresses (default: fixed bases, different per process)' },
];

export interface MapsRequest {
  library: string;
  procs: number;
  pid: number;
  seed?: number;
}

export function parseMapsArgs(args: string[]): MapsRequest {
  const p = parseOptions(args, MAPS_OPTIONS);
  if (p.positional.length !== 1) throw new UsageError(p.positional.length ? `one LIB only (got ${p.positional.length})` : 'maps needs a LIB');
  const procs = integerOption(p, '--procs', 1, MAX_PROCS, 1);
  const pid = integerOption(p, '--pid', 1, MAX_PROCS, 1);
  const seed = optionValue(p, '--seed') === undefined ? undefined : integerOption(p, '--seed', 0, Number.MAX_SAFE_INTEGER, 0);
  if (pid > procs) throw new UsageError(`--pid ${pid}: there are only ${procs} process${procs === 1 ? '' : 'es'}`);
  return { library: p.positional[0]!, procs, pid, ...(seed !== undefined ? { seed } : {}) };
}

/** The text `picemu maps` prints. */
export function mapsText(request: MapsRequest): string {
  const { spaces } = loadIntoFreshSpaces(resolveLibrary(request.library), { procs: request.procs, seed: request.seed });
  return spaces[request.pid - 1]!.space.maps();
}

export const command: Command = {
  summary: "load LIB into N processes and print one's /proc/PID/maps",
  usage: 'LIB [options]',
  description: [
    LIBRARY_RULE,
    "Loads LIB with its dependencies, as dlopen does (no code runs), and prints the process's /proc/PID/maps: one line per VMA, as the kernel prints it, [stack] included.",
  ],
  options: MAPS_OPTIONS,
  async run(args) {
    process.stdout.write(mapsText(parseMapsArgs(args)));
    return 0;
  },
};
