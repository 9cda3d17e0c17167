// capstone-wasm's instruction lengths must agree with objdump's over real library code (DESIGN.md oracles).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { disassemble } from '../../src/trace/disassemble.ts';
import { hasReadelf, run } from '../helpers/oracles.ts';

// readelf and objdump come together in binutils.
const hasObjdump = hasReadelf();

/** objdump's view of a .text range: address → length. */
function objdumpLengths(path: string, start: number, stop: number): Map<number, number> {
  const out = run('objdump', ['-d', '-z', '--no-show-raw-insn', `--start-address=${start}`, `--stop-address=${stop}`, path]);
  const addresses = [...out.matchAll(/^\s+([0-9a-f]+):\t/gm)].map((m) => parseInt(m[1], 16));
  const lengths = new Map<number, number>();
  for (let i = 0; i + 1 < addresses.length; i++) lengths.set(addresses[i], addresses[i + 1] - addresses[i]);
  return lengths;
}

describe.skipIf(!hasObjdump)('disassemble', () => {
  it('agrees with objdump on instruction boundaries in libz .text', async () => {
    const path = '/lib/x86_64-linux-gnu/libz.so.1';
    const sections = run('readelf', ['-SW', path]);
    const m = /\.text\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(sections);
    expect(m).toBeTruthy();
    const [vaddr, offset] = [parseInt(m![1], 16), parseInt(m![2], 16)];
    const length = 0x2000;
    const bytes = readFileSync(path).subarray(offset, offset + length);
    const expected = objdumpLengths(path, vaddr, vaddr + length);
    const ours = await disassemble(bytes, vaddr);
    let compared = 0;
    for (const insn of ours) {
      const len = expected.get(insn.address);
      if (len === undefined) continue;
      expect({ address: insn.address, size: insn.size }).toEqual({ address: insn.address, size: len });
      compared++;
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('renders Intel syntax with RIP-relative operands as SPEC.md shows', async () => {
    const [insn] = await disassemble(new Uint8Array([0x8b, 0x05, 0x0a, 0x2f, 0, 0]), 0x1100);
    expect(insn.text).toBe('mov eax, dword ptr [rip + 0x2f0a]');
  });
});
