// Every exported fixture function and some of zlib, bzip2, expat, sqlite3, libc, libm (libc loaded as a
// DT_NEEDED dependency, its initializers skipped) return in two processes what a native dlopen+call returns.
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { parseCallArg, resultText } from '../../src/process/call-args.ts';
import { CallFault } from '../../src/process/errors.ts';
import { nativeCall, nativeSignal } from '../helpers/native.ts';
import { hasCc } from '../helpers/oracles.ts';
import { CALL_CASES, fx, type Case } from '../helpers/call-cases.ts';

const cases = CALL_CASES;

const name = (c: Case): string => `${c.lib.split('/').pop()} ${c.symbol}(${(c.args ?? []).join(', ')}) ×${c.calls ?? 1} as ${c.ret ?? 'int'}`;

describe.skipIf(!hasCc())('calls match a native dlopen+call in both processes', async () => {
  // One machine per library: its processes load it once; the cases of one library run in fresh processes each.
  const machines = new Map<string, Machine>();
  async function twoProcesses(lib: string) {
    let m = machines.get(lib);
    if (!m) machines.set(lib, (m = await Machine.create({ seed: 7 })));
    const p1 = m.spawn();
    const p2 = m.spawn();
    p1.load(lib);
    p2.load(lib);
    return [p1, p2] as const;
  }

  it.each(cases.map((c) => [name(c), c] as const))('%s', async (_n, c) => {
    const calls = c.calls ?? 1;
    const ret = c.ret ?? 'int';
    const expected = nativeCall(c.lib, c.symbol, c.args ?? [], { calls, ret });
    const [p1, p2] = await twoProcesses(c.lib);
    // Arguments are placed once per process, as the oracle does.
    const args1 = (c.args ?? []).map(parseCallArg).map((a) => (a.kind === 'str' ? p1.placeString(a.text) : a.kind === 'hex' ? p1.place(a.bytes) : a));
    const args2 = (c.args ?? []).map(parseCallArg).map((a) => (a.kind === 'str' ? p2.placeString(a.text) : a.kind === 'hex' ? p2.place(a.bytes) : a));
    const got1: string[] = [];
    const got2: string[] = [];
    for (let k = 0; k < calls; k++) {
      got1.push(resultText(p1.call(c.symbol, args1, { ret }).result));
      got2.push(resultText(p2.call(c.symbol, args2, { ret }).result));
    }
    expect(got1).toEqual(expected);
    expect(got2).toEqual(expected);
  });
});

describe.skipIf(!hasCc())('faults match the signal the kernel delivers', () => {
  const faulting: [string, number[]][] = [
    ['write_own_code', []], ['null_deref', []], ['write_rodata', []], ['trap_ud2', []], ['divide_by_zero', [7]], ['breakpoint_int3', []],
  ];
  it.each(faulting)('%s', async (symbol, args) => {
    const native = nativeSignal(fx('libdemo.so'), symbol, args);
    if (!('signal' in native)) throw new Error(`${symbol} returned natively`);
    const m = await Machine.create();
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
    expect(f.signal).toBe(native.signo);
    expect(f.code).toBe(native.code);
    expect(f.rip - base).toBe(native.ripOffset);
    if (native.addrOffset !== null) expect((caught as CallFault).siAddr - base).toBe(native.addrOffset);
    // The message names the module and the function.
    expect((caught as Error).message).toContain('libdemo.so');
    expect((caught as Error).message).toContain(symbol);
    // The process is still usable.
    expect(resultText(p.call('classify', [3, 0]).result)).toBe(nativeCall(fx('libdemo.so'), 'classify', ['3', '0'])[0]);
  });
});
