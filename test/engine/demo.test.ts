// `picemu demo --engine unicorn` tells the same story as the default engine: the same results, the same pages
// shared and private, and the same annotated trace (RIP-relative reads and writes of i.0, COW, stack); frame
// numbers may differ. The default engine's story is itself checked against the kernel in test/cli/demo.test.ts.
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo.ts';
import type { StepEvent } from '../../src/trace/events.ts';

/** A trace without frame numbers (they may differ between engines), everything else kept. */
function story(events: StepEvent[]) {
  return events.map((e) => ({
    rip: e.rip,
    asm: e.asm,
    module: e.module,
    symbol: e.symbol,
    registers: e.registers.map((r) => [r.name, r.before, r.after]),
    accesses: e.accesses.map((a) => ({ kind: a.kind, va: a.va, size: a.size, value: a.value, ripRelative: a.ripRelative, symbol: a.symbol, section: a.section, shared: a.shared, cow: a.cow !== null })),
  }));
}

describe('demo on the unicorn engine', () => {
  it('same results, same shared/private pages, same annotated trace as picemu', async () => {
    const [mine, theirs] = [await runDemo(undefined, 'picemu'), await runDemo(undefined, 'unicorn')];
    expect(theirs.processes[0]!.cpu.name).toBe('unicorn');
    expect(theirs.results).toEqual(mine.results);
    expect(theirs.results).toEqual([['0', '1', '2'], ['0', '1', '2']]);
    const pages = (run: typeof mine) => run.machine.pageTable().filter((r) => r.module === 'libcounter.so').map((r) => ({ offset: r.offset, perms: r.perms, shared: r.shared, present: r.frames.map((f) => f !== null) }));
    expect(pages(theirs)).toEqual(pages(mine));
    expect(theirs.traces.map(story)).toEqual(mine.traces.map(story));
    // The RIP-relative read of i.0 is there, on a private frame in each process.
    const reads = theirs.traces.map((t) => t.flatMap((e) => e.accesses).find((a) => a.ripRelative && a.symbol === 'i.0' && a.kind === 'read')!);
    expect(reads.every((a) => a && !a.shared)).toBe(true);
    expect(reads[0]!.frame).not.toBe(reads[1]!.frame);
  });
});

describe('demo --fork on the unicorn engine', () => {
  it('fork on unicorn: the same results and the same frames left shared and made private as on picemu', async () => {
    const { runForkDemo } = await import('../../src/cli/demo-fork.ts');
    const [mine, theirs] = [await runForkDemo(undefined, 'picemu'), await runForkDemo(undefined, 'unicorn')];
    expect(theirs.before).toEqual(['0', '1']);
    expect(theirs.after).toEqual([{ parent: '2', child: '2' }, { parent: '3', child: '3' }]);
    const shape = (rows: typeof mine.atFork) => rows.map((r) => ({ offset: r.offset, perms: r.perms, shared: r.shared, present: r.frames.map((f) => f !== null) }));
    expect(shape(theirs.atFork)).toEqual(shape(mine.atFork));
    expect(shape(theirs.afterWrites)).toEqual(shape(mine.afterWrites));
  });
});
