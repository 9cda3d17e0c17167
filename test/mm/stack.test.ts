// The growing [stack] against the kernel (test/helpers/c/stack_grow.c): the VMA exec leaves (128 KiB more
// than what exec wrote), its growth page by page on writes below it, and SIGSEGV past RLIMIT_STACK.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AddressSpace, createSharedMemory, PageFault, STACK_EXPAND } from '../../src/mm/index.ts';
import { buildCHelper, hasCc } from '../helpers/oracles.ts';

const touches = ['1', '1000', '5000', '40000', '7e000'];
const limit = 0x100000;

describe.skipIf(!hasCc())('[stack] growth vs the kernel', () => {
  it('starts at 128 KiB plus the exec page, grows to each fault below it, faults past RLIMIT_STACK', () => {
    const out = execFileSync(buildCHelper('stack_grow'), [...touches, `limit:${limit.toString(16)}`], { encoding: 'utf8' }).trim().split('\n');
    const vmas = out.filter((l) => l.startsWith('stack ')).map((l) => l.split(' ').slice(1).map((x) => parseInt(x, 16)) as [number, number]);
    const [start0, end0] = vmas[0]!;
    // exec wrote the arguments, environment and auxv of this short command line into one page.
    expect(end0 - start0).toBe(STACK_EXPAND + 0x1000);

    const as = new AddressSpace({ ...createSharedMemory() });
    expect(as.mapStack(end0, end0 - start0)).toBe(start0);
    const ours: [number, number][] = [[as.vmaAt(end0 - 1)!.start, as.vmaAt(end0 - 1)!.end]];
    for (const d of touches) {
      as.translate(start0 - parseInt(d, 16), 'write');
      const v = as.vmaAt(end0 - 1)!;
      ours.push([v.start, v.end]);
    }
    expect(ours.map(([s, e]) => [s.toString(16), e.toString(16)])).toEqual(vmas.map(([s, e]) => [s.toString(16), e.toString(16)]));
    expect(as.maps()).toMatch(/ \[stack\]\n$/);

    expect(out.at(-1)).toBe('segv');
    as.stackRlimit = limit;
    expect(() => as.translate(end0 - limit - 1, 'write')).toThrow(PageFault);
    expect(as.vmaAt(end0 - limit - 1)).toBeUndefined();
  });

  it('keeps the stack guard gap above an accessible mapping below it', () => {
    const as = new AddressSpace({ ...createSharedMemory() });
    const top = 0x7ffffffff000;
    const start = as.mapStack(top, STACK_EXPAND);
    const below = as.mmap({ addr: start - 0x200000, length: 0x1000, prot: 1, fixed: true });
    // 1 MiB (stack_guard_gap) must stay free above `below`'s end.
    as.translate(below + 0x1000 + 0x100000, 'write');
    expect(() => as.translate(below + 0x1000 + 0x100000 - 1, 'write')).toThrow(PageFault);
  });
});
