// The seed function's trace, checked against objdump and readelf: the RIP-relative read and write of i.0 in
// .bss, at the same module offset in both processes, each on its own private frame, from one shared code frame.
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { picemuMatchers, traceSerializer } from '../../src/trace/vitest.ts';
import { traceToJson } from '../../src/trace/render-json.ts';
import { traceText } from '../../src/trace/render-text.ts';
import type { StepEvent } from '../../src/trace/events.ts';
import { hasReadelf, repoRoot, run } from '../helpers/oracles.ts';

expect.extend(picemuMatchers);
const lib = `${repoRoot}/fixtures/libcounter.so`;
const SYMBOL = 'really_really_nonreentrant';

interface ObjdumpInsn { offset: number; bytes: string; target?: number; targetName?: string }
/** objdump -d of the function: offset, bytes, and the `# 400c <i.0>` comment of RIP-relative operands. */
function objdumpFunction(): ObjdumpInsn[] {
  const out = run('objdump', ['-d', `--disassemble=${SYMBOL}`, lib]);
  return [...out.matchAll(/^\s+([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t[^#\n]*(?:#\s+([0-9a-f]+) <([^>]+)>)?$/gm)].map((m) => ({
    offset: parseInt(m[1]!, 16),
    bytes: m[2]!.replace(/ /g, ''),
    target: m[3] ? parseInt(m[3], 16) : undefined,
    targetName: m[4],
  }));
}

async function tracedPair(seed: number): Promise<{ m: Machine; traces: StepEvent[][]; bases: number[] }> {
  const m = await Machine.create({ seed });
  const ps = [m.spawn(), m.spawn()];
  const traces = ps.map((p) => {
    p.load(lib);
    return p.call(SYMBOL, [], { trace: true }).events;
  });
  return { m, traces, bases: ps.map((p) => p.baseOf('libcounter.so')!) };
}

describe.skipIf(!hasReadelf())('the seed trace', () => {
  it('executes exactly objdump\'s instructions, bytes and offsets, in both processes', async () => {
    const { traces } = await tracedPair(1);
    const insns = objdumpFunction();
    expect(insns.length).toBeGreaterThan(2);
    for (const trace of traces) {
      expect(trace.map((e) => e.offset)).toEqual(insns.map((i) => i.offset));
      expect(trace.map((e) => Buffer.from(e.bytes).toString('hex'))).toEqual(insns.map((i) => i.bytes));
      expect(trace.every((e) => e.module === 'libcounter.so' && e.section === '.text')).toBe(true);
      expect(trace[0]!.symbol).toBe(SYMBOL);
    }
  });

  it('reads and writes i.0 in .bss RIP-relative, at objdump\'s target, on a private frame in each process', async () => {
    const { traces, bases } = await tracedPair(2);
    const ripRel = objdumpFunction().filter((i) => i.targetName === 'i.0');
    expect(ripRel.length).toBe(2);
    const frames: number[] = [];
    traces.forEach((trace, n) => {
      expect(trace).toAccess({ symbol: 'i.0', kind: 'read', ripRelative: true, section: '.bss', module: 'libcounter.so', shared: false });
      expect(trace).toAccess({ symbol: 'i.0', kind: 'write', ripRelative: true, section: '.bss', module: 'libcounter.so', shared: false });
      for (const insn of ripRel) {
        const e = trace.find((x) => x.offset === insn.offset)!;
        const a = e.accesses.find((x) => x.ripRelative)!;
        // next RIP + displacement lands on objdump's target, relative to this process's base.
        expect(a.offset).toBe(insn.target);
        expect(a.va - bases[n]!).toBe(insn.target);
        frames.push(a.frame);
      }
    });
    // Same frame for the read and the write within a process; different frames across the two.
    expect(frames[0]).toBe(frames[1]);
    expect(frames[2]).toBe(frames[3]);
    expect(frames[0]).not.toBe(frames[2]);
    // The code itself comes from one frame in both.
    expect(traces[0]![0]!.frame).toBe(traces[1]![0]!.frame);
    expect(traces[0]![0]!.frame).toBeGreaterThan(0);
  });

  it('the values read and written are the counter: 0 read, 1 written on the first call', async () => {
    // Native oracle of the sequence: the first call returns 0 (and so read 0 and stored 1).
    const { traces } = await tracedPair(3);
    for (const trace of traces) {
      const accesses = trace.flatMap((e) => e.accesses).filter((a) => a.symbol === 'i.0');
      expect(accesses.map((a) => [a.kind, a.value])).toEqual([['read', 0n], ['write', 1n]]);
    }
  });

  it('the stable text form and the snapshot serializer do not depend on the load bases', async () => {
    const a = await tracedPair(4);
    const b = await tracedPair(5);
    expect(a.bases[0]).not.toBe(b.bases[0]);
    const text = (t: StepEvent[]): string => traceText(t, { frames: false });
    expect(text(a.traces[0]!)).toBe(text(b.traces[0]!));
    expect(text(a.traces[0]!)).toBe(text(a.traces[1]!));
    expect(traceSerializer.test(a.traces[0])).toBe(true);
    expect(traceSerializer.serialize(a.traces[0])).toBe(traceSerializer.serialize(b.traces[1]));
    expect(text(a.traces[0]!)).toContain('i.0 (.bss)');
    expect(text(a.traces[0]!)).not.toMatch(/0x7f[0-9a-f]{8}/);
  });

  it('the JSON form carries SPEC.md\'s fields', async () => {
    const { traces, bases } = await tracedPair(6);
    const json = traceToJson(traces[0]!);
    const insns = objdumpFunction();
    expect(json[0]).toMatchObject({ call: 0, rip: '0x' + (bases[0]! + insns[0]!.offset).toString(16), module: 'libcounter.so', offset: '0x' + insns[0]!.offset.toString(16), symbol: SYMBOL, bytes: insns[0]!.bytes });
    expect(json[0]!.asm).toMatch(/^mov eax, dword ptr \[rip \+ 0x[0-9a-f]+\]$/);
    const read = json[0]!.accesses[0]!;
    expect(Object.keys(read)).toEqual(expect.arrayContaining(['kind', 'va', 'size', 'value', 'ripRelative', 'module', 'offset', 'symbol', 'section', 'frame', 'shared', 'cow']));
    expect(read).toMatchObject({ kind: 'read', size: 4, value: '0x0', ripRelative: true, module: 'libcounter.so', offset: '0x' + insns[0]!.target!.toString(16), symbol: 'i.0', section: '.bss', shared: false, cow: null });
  });
});
