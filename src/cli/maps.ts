// `picemu maps LIB [--procs N] [--pid P] [--seed S]`: loads LIB into N processes and prints process P's
// /proc/PID/maps in the kernel's format.
import { loadIntoFreshSpaces } from '../loader/index.ts';
import { parseInteger } from '../util/numbers.ts';
import type { Command } from './command.ts';
import { UsageError } from './errors.ts';

export const MAPS_USAGE = `usage: picemu maps LIB [--procs N] [--pid P] [--seed S]
  Loads LIB (with its dependencies) into N processes (default 1) and prints process P's (default 1)
  /proc/PID/maps: one line per VMA, as the kernel prints it, [stack] included.
  --seed S: seeds the per-process address randomization (default: fixed bases, different per process).`;

export interface MapsRequest {
  library: string;
  procs: number;
  pid: number;
  seed?: number;
}

function positive(option: string, text: string | undefined, min: number): number {
  if (text === undefined) throw new UsageError(`${option} needs a value\n${MAPS_USAGE}`);
  const v = parseInteger(text);
  if (v === undefined || v < BigInt(min) || v > 1_000_000n) throw new UsageError(`${option}: '${text}' is not an integer from ${min}\n${MAPS_USAGE}`);
  return Number(v);
}

export function parseMapsArgs(args: string[]): MapsRequest {
  let library: string | undefined;
  let procs = 1;
  let pid = 1;
  let seed: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--procs') procs = positive(a, args[++i], 1);
    else if (a === '--pid') pid = positive(a, args[++i], 1);
    else if (a === '--seed') seed = positive(a, args[++i], 0);
    else if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'\n${MAPS_USAGE}`);
    else if (library === undefined) library = a;
    else throw new UsageError(`unexpected argument '${a}'\n${MAPS_USAGE}`);
  }
  if (library === undefined) throw new UsageError(MAPS_USAGE);
  if (pid > procs) throw new UsageError(`--pid ${pid}: there are only ${procs} process${procs === 1 ? '' : 'es'}`);
  return { library, procs, pid, seed };
}

/** The text `picemu maps` prints. */
export function mapsText(request: MapsRequest): string {
  const { spaces } = loadIntoFreshSpaces(request.library, { procs: request.procs, seed: request.seed });
  return spaces[request.pid - 1]!.space.maps();
}

export const command: Command = {
  summary: "load LIB into N processes and print one's /proc/PID/maps",
  async run(args) {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(MAPS_USAGE + '\n');
      return 0;
    }
    process.stdout.write(mapsText(parseMapsArgs(args)));
    return 0;
  },
};
