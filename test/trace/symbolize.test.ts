// Symbolization against readelf: every .symtab function/object names itself at its address (and +0x.. inside),
// sections match readelf -SW, and every relocated GOT slot names the relocation readelf -rW lists for it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/index.ts';
import { moduleSymbols } from '../../src/trace/symbolize.ts';
import { hasReadelf, repoRoot, run } from '../helpers/oracles.ts';

const libs = ['libcounter.so', 'libdemo.so', 'libtls.so', 'liblibc-user.so'].map((n) => `${repoRoot}/fixtures/${n}`);

interface RSym { value: number; size: number; type: string; name: string; ndx: string }
function readelfSymbols(path: string): RSym[] {
  const out = run('readelf', ['-sW', path]);
  const table = out.slice(out.indexOf("Symbol table '.symtab'"));
  return [...table.matchAll(/^\s*\d+:\s+([0-9a-f]+)\s+(\d+)\s+(\w+)\s+\w+\s+\w+\s+(\S+)\s+(\S+)$/gm)].map((m) => ({
    value: parseInt(m[1]!, 16), size: Number(m[2]), type: m[3]!, ndx: m[4]!, name: m[5]!,
  }));
}

describe.skipIf(!hasReadelf())('symbolize', () => {
  for (const path of libs) {
    const name = path.split('/').pop()!;
    const elf = parseElf(readFileSync(path), name);
    const syms = moduleSymbols(elf);

    it(`${name}: each sized .symtab function and object is named at its address and inside`, () => {
      const all = readelfSymbols(path).filter((s) => (s.type === 'FUNC' || s.type === 'OBJECT') && s.ndx !== 'UND' && s.ndx !== 'ABS');
      expect(all.length).toBeGreaterThan(0);
      for (const s of all) {
        // Aliases share an address: the name given must be one of the symbols readelf lists there.
        const there = all.filter((o) => o.value === s.value).map((o) => o.name);
        expect(there, `${s.name} at 0x${s.value.toString(16)}`).toContain(syms.symbolAt(s.value));
        if (s.size > 1 && there.length === 1) expect(syms.symbolAt(s.value + s.size - 1)).toBe(`${s.name}+0x${(s.size - 1).toString(16)}`);
      }
    });

    it(`${name}: sections agree with readelf -SW`, () => {
      const out = run('readelf', ['-SW', path]);
      const sections = [...out.matchAll(/^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+\S+\s+(\S*A\S*)\s/gm)]
        .map((m) => ({ name: m[1]!, addr: parseInt(m[2]!, 16), size: parseInt(m[3]!, 16) }))
        .filter((s) => s.size > 0);
      expect(sections.length).toBeGreaterThan(5);
      for (const s of sections) {
        expect(syms.sectionAt(s.addr), s.name).toBe(s.name);
        expect(syms.sectionAt(s.addr + s.size - 1), s.name).toBe(s.name);
      }
    });

    it(`${name}: relocated slots name their relocation as readelf -rW does`, () => {
      const out = run('readelf', ['-rW', path]);
      const relocs = [...out.matchAll(/^([0-9a-f]{16})\s+[0-9a-f]+\s+(R_X86_64_\w+)\s+(?:[0-9a-f]+\s+(\S+?)(?:@\S+)?\s+\+\s+[0-9a-f]+)?/gm)];
      expect(relocs.length).toBeGreaterThan(0);
      for (const m of relocs) {
        const offset = parseInt(m[1]!, 16);
        const text = syms.relocationAt(offset);
        expect(text, m[0]).toContain(`(${m[2]})`);
        if (m[3]) expect(text).toContain(` for ${m[3]} `);
      }
    });
  }

  it('libdemo.so: the GOT slot of global_counter', () => {
    const elf = parseElf(readFileSync(`${repoRoot}/fixtures/libdemo.so`), 'libdemo.so');
    const out = run('readelf', ['-rW', `${repoRoot}/fixtures/libdemo.so`]);
    const slot = parseInt(/^([0-9a-f]+)\s+\S+\s+R_X86_64_GLOB_DAT\s+\S+\s+global_counter/m.exec(out)![1]!, 16);
    expect(moduleSymbols(elf).relocationAt(slot)).toBe('GOT entry for global_counter (R_X86_64_GLOB_DAT)');
  });

  it('libcounter.so: i.0 is a .bss object from .symtab', () => {
    const elf = parseElf(readFileSync(`${repoRoot}/fixtures/libcounter.so`), 'libcounter.so');
    const i0 = readelfSymbols(`${repoRoot}/fixtures/libcounter.so`).find((s) => s.name === 'i.0')!;
    const syms = moduleSymbols(elf);
    expect(syms.symbolAt(i0.value)).toBe('i.0');
    expect(syms.sectionAt(i0.value)).toBe('.bss');
    expect(syms.addressOf('i.0')).toBe(i0.value);
  });
});
