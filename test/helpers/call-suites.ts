// The two per-engine suites over CALL_CASES (process/calls for picemu's CPU, engine/processes for the unicorn
// engine): each call returns in two processes what a native dlopen+call returns, and each faulting fixture
// function stops with the signal, code, RIP and address the kernel delivers natively.
import { describe, expect, it } from 'vitest';
import { parseCallArg, resultText } from '../../src/process/call-args.ts';
import type { EngineName } from '../../src/process/engines/engine.ts';
import { CallFault } from '../../src/process/errors.ts';
import { Machine } from '../../src/process/machine.ts';
import type { Process } from '../../src/process/process.ts';
import { CALL_CASES, fx, type Case } from './call-cases.ts';
import { nativeCall, nativeSignal } from './native.ts';
import { hasCc } from './oracles.ts';

const caseName = (c: Case): string => `${c.lib.split('/').pop()} ${c.symbol}(${(c.args ?? []).join(', ')}) ×${c.calls ?? 1} as ${c.ret ?? 'int'}`;

/** Arguments placed once per process, as the native oracle does. */
const placeArgs = (p: Process, args: readonly string[]) =>
  args.map(parseCallArg).map((a) => (a.kind === 'str' ? p.placeString(a.text) : a.kind === 'hex' ? p.place(a.bytes) : a));

export function describeNativeCalls(title: string, engine: EngineName): void {
  describe.skipIf(!hasCc())(title, () => {
    // One machine per library: its processes load it once; the cases of one library run in fresh processes each.
    const machines = new Map<string, Machine>();
    async function twoProcesses(lib: string) {
      let m = machines.get(lib);
      if (!m) machines.set(lib, (m = await Machine.create({ seed: 7, engine })));
      const p1 = m.spawn();
      const p2 = m.spawn();
      p1.load(lib);
      p2.load(lib);
      return [p1, p2] as const;
    }

    it.each(CALL_CASES.map((c) => [caseName(c), c] as const))('%s', async (_n, c) => {
      const calls = c.calls ?? 1;
      const ret = c.ret ?? 'int';
      const expected = nativeCall(c.lib, c.symbol, c.args ?? [], { calls, ret });
      const [p1, p2] = await twoProcesses(c.lib);
      expect(p1.cpu.name).toBe(engine);
      const args1 = placeArgs(p1, c.args ?? []), args2 = placeArgs(p2, c.args ?? []);
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
}

export function describeNativeFaults(title: string, engine: EngineName): void {
  describe.skipIf(!hasCc())(title, () => {
    const faulting: [string, number[]][] = [
      ['write_own_code', []], ['null_deref', []], ['write_rodata', []], ['trap_ud2', []], ['divide_by_zero', [7]], ['breakpoint_int3', []],
    ];
    it.each(faulting)('%s', async (symbol, args) => {
      const native = nativeSignal(fx('libdemo.so'), symbol, args);
      if (!('signal' in native)) throw new Error(`${symbol} returned natively`);
      const m = await Machine.create({ engine });
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
      // The message names the module and the function.
      expect((caught as Error).message).toContain('libdemo.so');
      expect((caught as Error).message).toContain(symbol);
      // The process is still usable.
      expect(resultText(p.call('classify', [3, 0]).result)).toBe(nativeCall(fx('libdemo.so'), 'classify', ['3', '0'])[0]);
    });
  });
}
