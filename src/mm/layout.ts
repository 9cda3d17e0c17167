// The x86-64 user address-space layout the kernel uses, and its randomization (seedable here).
import { PAGE_SIZE } from './types.ts';

/** TASK_SIZE for 4-level paging: the top of user space. */
export const TASK_SIZE = 0x7ffffffff000;
/** vm.mmap_min_addr's usual value: nothing can be mapped below it. */
export const MMAP_MIN_ADDR = 0x1000;
/** stack_guard_gap: mmap keeps this much free below a VM_GROWSDOWN mapping (256 pages). */
export const STACK_GUARD_GAP = 256 * PAGE_SIZE;
/** STACK_EXPAND (fs/exec.c setup_arg_pages): exec makes the stack VMA this much larger than what it wrote there. */
export const STACK_EXPAND = 128 * 1024;
/** The [stack] of a process whose exec data (arguments, environment, auxv) fits one page: 132 KiB, as the kernel shows. */
export const INITIAL_STACK_SIZE = STACK_EXPAND + PAGE_SIZE;
/** RLIMIT_STACK's usual soft limit: 8 MiB. */
export const STACK_RLIMIT = 8 * 1024 * 1024;

const MIN_GAP = 128 * 1024 * 1024;
const MAX_GAP = Math.floor((TASK_SIZE / 6) * 5);
/** mmap_rnd_bits on x86-64: 28 bits of pages. */
const MMAP_RND_BITS = 28;
/** STACK_RND_MASK on x86-64: 22 bits of pages. */
const STACK_RND_MASK = 0x3fffff;

export interface Layout {
  /** Where top-down mmap starts searching (the kernel's mm->mmap_base). */
  mmapBase: number;
  /** The top of the stack mapping (exclusive). */
  stackTop: number;
}

/** A small seedable generator (SplitMix64) so one seed always gives one layout. */
export function splitmix64(seed: bigint): () => bigint {
  let state = BigInt.asUintN(64, seed);
  return () => {
    state = BigInt.asUintN(64, state + 0x9e3779b97f4a7c15n);
    let z = state;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
}

/** `n` bytes from a generator of 64-bit words (splitmix64), low byte first: seeded random bytes (AT_RANDOM, getrandom). */
export function randomBytesFrom(next: () => bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let k = 0; k < n; k += 8) {
    const v = next();
    for (let j = 0; j < 8 && k + j < n; j++) out[k + j] = Number((v >> BigInt(8 * j)) & 0xffn);
  }
  return out;
}

/**
 * The layout the kernel picks for a new process (arch/x86/mm/mmap.c mmap_base, fs/exec.c stack
 * randomization): without a seed, randomization is off (as under `setarch -R`), giving
 * mmap_base 0x7ffff7fff000 and the stack at TASK_SIZE.
 */
export function processLayout(seed?: bigint | number): Layout {
  if (seed === undefined) {
    return { mmapBase: TASK_SIZE - MIN_GAP, stackTop: TASK_SIZE };
  }
  const next = splitmix64(BigInt(seed));
  const stackRnd = Number(next() & BigInt(STACK_RND_MASK)) * PAGE_SIZE;
  const mmapRnd = Number(next() & ((1n << BigInt(MMAP_RND_BITS)) - 1n)) * PAGE_SIZE;
  // The gap below the stack leaves room for the stack limit, its guard gap and its largest random offset
  // (arch/x86/mm/mmap.c: stack_maxrandom_size = STACK_RND_MASK << PAGE_SHIFT).
  const pad = STACK_GUARD_GAP + STACK_RND_MASK * PAGE_SIZE;
  const gap = Math.min(Math.max(STACK_RLIMIT + pad, MIN_GAP), MAX_GAP);
  return { mmapBase: pageAlignDown(TASK_SIZE - gap - mmapRnd), stackTop: TASK_SIZE - stackRnd };
}

export function pageAlignDown(va: number): number {
  return va - (va % PAGE_SIZE);
}

export function pageAlignUp(va: number): number {
  const r = va % PAGE_SIZE;
  return r === 0 ? va : va + (PAGE_SIZE - r);
}
