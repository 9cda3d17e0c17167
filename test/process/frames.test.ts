// Process.backtrace, Process.finish and completedCalls on a recursive function: call sites from objdump,
// results from native calls.
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { resultText } from '../../src/process/call-args.ts';
import { nativeCall } from '../helpers/native.ts';
import { hasCc, hasReadelf, repoRoot, run } from '../helpers/oracles.ts';

const demo = `${repoRoot}/fixtures/libdemo.so`;

/** objdump -d: fn's link-time address and the addresses just after each `call <target>` inside it. */
function callSites(fn: string, target: string): { start: number; sites: number[] } {
  const text = run('objdump', ['-d', '--no-show-raw-insn', demo]);
  const head = new RegExp(`^([0-9a-f]+) <${fn}>:$`, 'm').exec(text)!;
  const body = text.slice(head.index).split('\n\n')[0]!.split('\n').slice(1);
  const sites: number[] = [];
  body.forEach((line, k) => {
    if (new RegExp(`\\bcall\\s+[0-9a-f]+ <${target}>`).test(line)) sites.push(parseInt(body[k + 1]!.trim(), 16));
  });
  return { start: parseInt(head[1]!, 16), sites };
}

describe.skipIf(!hasReadelf() || !hasCc())('frames: backtrace, finish, completed calls', () => {
  it('backtraces recursive fib to objdump call sites, finishes back to one, and counts the returned call', async () => {
    const { start, sites } = callSites('fib', 'fib');
    expect(sites.length).toBe(2);
    const m = await Machine.create();
    const p = m.spawn();
    const base = p.load(demo).module.base;
    const entry = base + start;
    expect(p.backtrace()).toEqual([]);
    expect(p.completedCalls).toBe(0);

    const call = p.startCall('fib', [5]);
    // At entry: only rip (the trampoline above is not module code, and the scan stops at the entry slot anyway).
    expect(p.backtrace().map((f) => f.pc)).toEqual([entry]);
    expect(call.entryRsp).toBe(Number(p.cpu.reg('rsp')));

    // Two recursive entries deep: fib(5) → fib(4) → fib(3), each entered from the first call site.
    expect(p.run({ breakpoints: [entry] }).kind).toBe('breakpoint');
    expect(p.run({ breakpoints: [entry] }).kind).toBe('breakpoint');
    const frames = p.backtrace();
    expect(frames.map((f) => f.pc - base)).toEqual([start, sites[0], sites[0]]);
    expect(frames[0]!.location.symbol).toBe('fib');
    expect(frames[1]!.location).toMatchObject({ module: 'libdemo.so', symbol: `fib+0x${(sites[0]! - start).toString(16)}`, section: '.text' });
    expect(frames[1]!.slot).toBe(Number(p.cpu.reg('rsp')));
    for (const f of frames.slice(1)) expect(p.space.readU64(f.slot!)).toBe(BigInt(f.pc));

    // finish leaves the innermost fib and lands at its call site, one frame fewer; a tiny budget resumes.
    const partial = p.finish({ budget: 3 });
    expect(partial.kind).toBe('budget');
    const done = p.finish({ resume: true });
    expect(done.kind).toBe('finished');
    expect(p.cpu.rip - base).toBe(sites[0]);
    expect(p.backtrace().map((f) => f.pc - base)).toEqual([sites[0], sites[0]]);
    expect(p.completedCalls).toBe(0);

    const end = p.run();
    expect(end.kind).toBe('returned');
    if (end.kind === 'returned') expect(resultText(end.result)).toBe(nativeCall(demo, 'fib', ['5'])[0]);
    expect(p.completedCalls).toBe(1);
    p.call('fib', [3]);
    expect(p.completedCalls).toBe(2);
  });

  it('finish at the outermost frame ends the call with its result', async () => {
    const m = await Machine.create();
    const p = m.spawn();
    p.load(demo);
    p.startCall('fib', [6]);
    const stop = p.finish();
    expect(stop.kind).toBe('returned');
    if (stop.kind === 'returned') expect(resultText(stop.result)).toBe(nativeCall(demo, 'fib', ['6'])[0]);
  });
});
