// Whole processes on the unicorn engine (unicorn-engine 2.1.4 in WebAssembly, wasm/): every call the tests make
// through `run`-style arguments returns what a native dlopen+call returns, faults carry the kernel's signal, and
// the frames two processes share are the same bytes of the module's heap.
import { describe, expect, it } from 'vitest';
import { parseCallArg } from '../../src/process/call-args.ts';
import { resultText } from '../../src/process/call-args.ts';
import { CallFault } from '../../src/process/errors.ts';
import { Machine } from '../../src/process/machine.ts';
import { CALL_CASES, fx, type Case } from '../helpers/call-cases.ts';
import { nativeCall, nativeSignal } from '../helpers/native.ts';
import { hasCc } from '../helpers/oracles.ts';

const name = (c: Case): string => `${c.lib.split('/').pop()} ${c.symbol}(${(c.args ?? []).join(', ')}) ×${c.calls ?? 1} as ${c.ret ?? 'int'}`;

describe.skipIf(!hasCc())('unicorn engine: calls match a native dlopen+call in both processes', () => {
  const machines = new Map<string, Machine>();
  async function twoProcesses(lib: string) {
    let m = machines.get(lib);
    if (!m) machines.set(lib, (m = await Machine.create({ seed: 7, engine: 'unicorn' })));
    const p1 = m.spawn();
    const p2 = m.spawn();
    p1.load(lib);
    p2.load(lib);
    return [p1, p2] as const;
  }

  it.each(CALL_CASES.map((c) => [name(c), c] as const))('%s', async (_n, c) => {
    const calls = c.calls ?? 1;
    const ret = c.ret ?? 'int';
    const expected = nativeCall(c.lib, c.symbol, c.args ?? [], { calls, ret });
    const [p1, p2] = await twoProcesses(c.lib);
    expect(p1.cpu.name).toBe('unicorn');
    const place = (p: typeof p1) => (c.args ?? []).map(parseCallArg).map((a) => (a.kind === 'str' ? p.placeString(a.text) : a.kind === 'hex' ? p.place(a.bytes) : a));
    const args1 = place(p1), args2 = place(p2);
    const got1: string[] = [], got2: string[] = [];
    for (let k = 0; k < calls; k++) {
      got1.push(resultText(p1.call(c.symbol, args1, { ret }).result));
      got2.push(resultText(p2.call(c.symbol, args2, { ret }).result));
    }
    expect(got1).toEqual(expected);
    expect(got2).toEqual(expected);
  });
});

describe.skipIf(!hasCc())('unicorn engine: faults match the signal the kernel delivers', () => {
  const faulting: [string, number[]][] = [
    ['write_own_code', []], ['null_deref', []], ['write_rodata', []], ['trap_ud2', []], ['divide_by_zero', [7]], ['breakpoint_int3', []],
  ];
  it.each(faulting)('%s', async (symbol, args) => {
    const native = nativeSignal(fx('libdemo.so'), symbol, args);
    if (!('signal' in native)) throw new Error(`${symbol} returned natively`);
    const m = await Machine.create({ engine: 'unicorn' });
    const p = m.spawn();
    const base = p.load(fx('libdemo.so')).module.base;
    let caught: unknown;
    try {
      p.call(symbol, args);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CallFault);
    const f = (caught as CallFault).fault;
    expect({ signal: f.signal, code: f.code, rip: f.rip - base }).toEqual({ signal: native.signo, code: native.code, rip: native.ripOffset });
    if (native.addrOffset !== null) expect((caught as CallFault).siAddr - base).toBe(native.addrOffset);
    // The process is still usable.
    expect(resultText(p.call('classify', [3, 0]).result)).toBe(nativeCall(fx('libdemo.so'), 'classify', ['3', '0'])[0]);
  });
});

describe('unicorn engine: frames are pages of the module heap', () => {
  it('a shared code frame is one heap page in both processes; a COW-broken data page gets its own', async () => {
    const m = await Machine.create({ engine: 'unicorn' });
    const [p1, p2] = [m.spawn(), m.spawn()];
    for (const p of [p1, p2]) p.load(fx('libcounter.so'));
    for (const p of [p1, p2]) p.call('really_really_nonreentrant');
    const code1 = m.frameAt(p1, 'libcounter.so', 0x1000)!, code2 = m.frameAt(p2, 'libcounter.so', 0x1000)!;
    expect(code1).toBe(code2);
    expect(m.physical.get(code1)!.hostAddress).toBeTypeOf('number');
    const data1 = m.frameAt(p1, 'libcounter.so', 0x4000)!, data2 = m.frameAt(p2, 'libcounter.so', 0x4000)!;
    expect(data1).not.toBe(data2);
    expect(m.physical.get(data1)!.hostAddress).not.toBe(m.physical.get(data2)!.hostAddress);
  });
});
