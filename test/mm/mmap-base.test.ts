// The randomized layout of a new process against the kernel's: mmap_base (arch/x86/mm/mmap.c: TASK_SIZE - gap -
// rnd, gap = RLIMIT_STACK + stack_guard_gap + the stack's largest random offset, rnd 28 bits of pages) and the
// stack top (TASK_SIZE - 22 bits of pages). Natively, the interpreter is the first mapping placed top-down, so
// ld.so's last VMA ends at mmap_base; the [stack] VMA ends at the stack top. Oracle: /proc/self/maps of many
// native processes (with randomization, and under setarch -R without it).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, processLayout, STACK_RLIMIT, TASK_SIZE } from '../../src/mm/index.ts';
import { hasSetarch } from '../helpers/oracles.ts';

const RUNS = 120;

/**
 * [ld.so's end, the stack's end] in a native `cat /proc/self/maps` (optionally under setarch -R), run with
 * RLIMIT_STACK 8 MiB, the limit picemu's processes have (it sets the gap below the stack).
 */
function nativeLayout(noAslr = false): [number, number] {
  const cat = `ulimit -s ${STACK_RLIMIT / 1024} && exec ${noAslr ? 'setarch x86_64 -R ' : ''}cat /proc/self/maps`;
  const maps = execFileSync('sh', ['-c', cat], { encoding: 'utf8' }).split('\n');
  const end = (re: RegExp): number => Math.max(...maps.filter((l) => re.test(l)).map((l) => parseInt(l.split('-')[1]!, 16)));
  return [end(/\/ld-linux-x86-64\.so\.2$/), end(/ \[stack\]$/)];
}

describe('the randomized mmap base and stack top, vs the kernel', () => {
  // The ranges the kernel draws from.
  const gap = STACK_RLIMIT + 256 * PAGE_SIZE + 0x3fffff * PAGE_SIZE;
  const mmapTop = TASK_SIZE - gap;
  const mmapLow = mmapTop - (2 ** 28 - 1) * PAGE_SIZE;
  const stackLow = TASK_SIZE - 0x3fffff * PAGE_SIZE;

  it('draws mmap_base and the stack top from the ranges native processes show', () => {
    const native = Array.from({ length: RUNS }, () => nativeLayout());
    const ours = Array.from({ length: RUNS }, (_, seed) => processLayout(BigInt(seed) * 7919n + 1n));
    for (const [[base, stack], layout] of native.map((n, k) => [n, ours[k]!] as const)) {
      for (const [what, value, low, high] of [['native mmap_base', base, mmapLow, mmapTop], ['native stack top', stack, stackLow, TASK_SIZE], ['picemu mmap_base', layout.mmapBase, mmapLow, mmapTop], ['picemu stack top', layout.stackTop, stackLow, TASK_SIZE]] as const) {
        expect(value % PAGE_SIZE, what).toBe(0);
        expect(value >= low && value <= high, `${what} 0x${value.toString(16)} in [0x${low.toString(16)}, 0x${high.toString(16)}]`).toBe(true);
      }
    }
    // Both spread over the whole range (120 draws all in one half of it: probability 2^-119).
    const spread = (xs: number[], low: number, high: number): number => (Math.max(...xs) - Math.min(...xs)) / (high - low);
    for (const [what, xs, low, high] of [['native mmap_base', native.map((n) => n[0]), mmapLow, mmapTop], ['picemu mmap_base', ours.map((l) => l.mmapBase), mmapLow, mmapTop], ['native stack top', native.map((n) => n[1]), stackLow, TASK_SIZE], ['picemu stack top', ours.map((l) => l.stackTop), stackLow, TASK_SIZE]] as const) {
      expect(spread(xs, low, high), what).toBeGreaterThan(0.5);
    }
  });

  it.skipIf(!hasSetarch())('without randomization: mmap_base TASK_SIZE - 128 MiB and the stack at TASK_SIZE, as setarch -R shows', () => {
    const [base, stack] = nativeLayout(true);
    expect(processLayout()).toEqual({ mmapBase: base, stackTop: stack });
  });
});
