// Whole processes on the unicorn engine (unicorn-engine 2.1.4 in WebAssembly, wasm/): every call the tests make
// through `run`-style arguments returns what a native dlopen+call returns, faults carry the kernel's signal, and
// the frames two processes share are the same bytes of the module's heap.
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { fx } from '../helpers/call-cases.ts';
import { describeNativeCalls, describeNativeFaults } from '../helpers/call-suites.ts';

describeNativeCalls('unicorn engine: calls match a native dlopen+call in both processes', 'unicorn');
describeNativeFaults('unicorn engine: faults match the signal the kernel delivers', 'unicorn');

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
