// A minimal stand-in for processes until process/ exists: N fresh address spaces over one physical memory
// and page cache, each with an 8 MiB [stack] at the top and a library loaded by its own Linker.
import { AddressSpace, createSharedMemory, INITIAL_STACK_SIZE, processLayout, type SharedMemory, STACK_RLIMIT } from '../mm/index.ts';
import { Linker, type LinkerOptions, type LoadResult } from './linker.ts';

export interface FreshSpace {
  /** 1-based, like a pid. */
  pid: number;
  space: AddressSpace;
  linker: Linker;
  result: LoadResult;
}

export interface FreshOptions extends LinkerOptions {
  procs?: number;
  /**
   * Seeds each space's randomized layout (mmap base and stack top), so the library lands at a different
   * base in each, reproducibly. `null` turns randomization off (every space gets the same layout).
   */
  seed?: number | null;
  memory?: SharedMemory;
}

/** Loads `path` into `procs` new address spaces that share physical memory and the page cache. */
export function loadIntoFreshSpaces(path: string, options: FreshOptions = {}): { memory: SharedMemory; spaces: FreshSpace[] } {
  const memory = options.memory ?? createSharedMemory();
  const procs = options.procs ?? 1;
  const seed = options.seed === undefined ? 1 : options.seed;
  const spaces: FreshSpace[] = [];
  for (let pid = 1; pid <= procs; pid++) {
    const layout = processLayout(seed === null ? undefined : BigInt(seed) * 0x10000n + BigInt(pid));
    const space = new AddressSpace({ ...memory, mmapBase: layout.mmapBase });
    space.mapStack(layout.stackTop, INITIAL_STACK_SIZE, STACK_RLIMIT);
    const linker = new Linker(space, options);
    spaces.push({ pid, space, linker, result: linker.load(path) });
  }
  return { memory, spaces };
}
