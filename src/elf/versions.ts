// Symbol versioning: .gnu.version_d (DT_VERDEF), .gnu.version_r (DT_VERNEED), .gnu.version (DT_VERSYM).
// Every list is walked forward only (vd_next, vda_next, vn_next, vna_next are unsigned and must be non-zero
// while entries remain), so the walks are bounded by the file's size.
import * as C from './constants.ts';
import { ElfError, hexOf } from './errors.ts';
import { elfHash } from './hash.ts';
import { fileWindow } from './program-headers.ts';
import { tableString, type Reader, type StringTable } from './reader.ts';
import type { ElfSymbol, ProgramHeader, VersionDefinition, VersionNeed } from './types.ts';

export function parseVerdef(r: Reader, loads: readonly ProgramHeader[], vaddr: number, count: number, strtab: StringTable, at: number): VersionDefinition[] {
  const w = fileWindow(r, loads, 'DT_VERDEF', vaddr, at);
  if (count > (w.end - w.offset) / 20) throw new ElfError('DT_VERDEFNUM', count, `cannot fit in its PT_LOAD (${hexOf(w.end - w.offset)} bytes)`, at);
  const out: VersionDefinition[] = [];
  const indices = new Set<number>();
  // Aux entries are distinct in a sound file, so all of them together fit in the window: a budget against lists
  // that share one long aux chain.
  let auxBudget = Math.floor((w.end - w.offset) / 8);
  let off = w.offset;
  for (let n = 0; n < count; n++) {
    const f = (name: string) => `verdef[${n}].${name}`;
    if (off + 20 > w.end) throw new ElfError(f('vd_next'), off - w.offset, 'leads past the end of its PT_LOAD', off);
    const version = r.u16(f('vd_version'), off);
    if (version !== 1) throw new ElfError(f('vd_version'), version, 'is not 1', off);
    const flags = r.u16(f('vd_flags'), off + 2);
    const index = r.u16(f('vd_ndx'), off + 4);
    const cnt = r.u16(f('vd_cnt'), off + 6);
    const hash = r.u32(f('vd_hash'), off + 8);
    const aux = r.u32(f('vd_aux'), off + 12);
    const next = r.u32(f('vd_next'), off + 16);
    if (cnt === 0) throw new ElfError(f('vd_cnt'), cnt, 'is 0 (a definition needs a name)', off + 6);
    if (index > 0x7fff || index === 0) throw new ElfError(f('vd_ndx'), index, 'is not a version index (1..0x7fff)', off + 4);
    const names: string[] = [];
    let firstNameOffset = 0;
    let a = off + aux;
    for (let k = 0; k < cnt; k++) {
      if (--auxBudget < 0) throw new ElfError(f('vd_cnt'), cnt, 'makes the version definitions hold more names than fit in their PT_LOAD', off + 6);
      if (a + 8 > w.end) throw new ElfError(f(`vda[${k}]`), a, 'extends past the end of its PT_LOAD', off + 12);
      const nameOff = r.u32(f(`vda[${k}].vda_name`), a);
      if (k === 0) firstNameOffset = nameOff;
      names.push(tableString(r, strtab, nameOff, f(`vda[${k}].vda_name`), a));
      const vdaNext = r.u32(f(`vda[${k}].vda_next`), a + 4);
      if (k + 1 < cnt && vdaNext === 0) throw new ElfError(f(`vda[${k}].vda_next`), 0, `ends the list before vd_cnt ${cnt}`, a + 4);
      a += vdaNext;
    }
    if (elfHash(names[0]!) !== hash) throw new ElfError(f('vd_hash'), hash, `is not the ELF hash of '${names[0]}' (${hexOf(elfHash(names[0]!))})`, off + 8);
    if (indices.has(index)) throw new ElfError(f('vd_ndx'), index, 'is defined twice', off + 4);
    indices.add(index);
    out.push({ entryOffset: off, index, flags, hash, name: names[0]!, nameOffset: firstNameOffset, parents: names.slice(1) });
    if (n + 1 < count && next === 0) throw new ElfError(f('vd_next'), 0, `ends the list before DT_VERDEFNUM ${count}`, off + 16);
    off += next;
  }
  return out;
}

export function parseVerneed(r: Reader, loads: readonly ProgramHeader[], vaddr: number, count: number, strtab: StringTable, at: number): VersionNeed[] {
  const w = fileWindow(r, loads, 'DT_VERNEED', vaddr, at);
  if (count > (w.end - w.offset) / 16) throw new ElfError('DT_VERNEEDNUM', count, `cannot fit in its PT_LOAD (${hexOf(w.end - w.offset)} bytes)`, at);
  const out: VersionNeed[] = [];
  let auxBudget = Math.floor((w.end - w.offset) / 16);
  let off = w.offset;
  for (let n = 0; n < count; n++) {
    const f = (name: string) => `verneed[${n}].${name}`;
    if (off + 16 > w.end) throw new ElfError(f('vn_next'), off - w.offset, 'leads past the end of its PT_LOAD', off);
    const version = r.u16(f('vn_version'), off);
    if (version !== 1) throw new ElfError(f('vn_version'), version, 'is not 1', off);
    const cnt = r.u16(f('vn_cnt'), off + 2);
    const file = tableString(r, strtab, r.u32(f('vn_file'), off + 4), f('vn_file'), off + 4);
    const aux = r.u32(f('vn_aux'), off + 8);
    const next = r.u32(f('vn_next'), off + 12);
    const entries: VersionNeed['entries'] = [];
    let a = off + aux;
    for (let k = 0; k < cnt; k++) {
      const g = (name: string) => f(`vna[${k}].${name}`);
      if (--auxBudget < 0) throw new ElfError(f('vn_cnt'), cnt, 'makes the version needs hold more entries than fit in their PT_LOAD', off + 2);
      if (a + 16 > w.end) throw new ElfError(f(`vna[${k}]`), a, 'extends past the end of its PT_LOAD', off + 8);
      const hash = r.u32(g('vna_hash'), a);
      const flags = r.u16(g('vna_flags'), a + 4);
      const other = r.u16(g('vna_other'), a + 6);
      const name = tableString(r, strtab, r.u32(g('vna_name'), a + 8), g('vna_name'), a + 8);
      const vnaNext = r.u32(g('vna_next'), a + 12);
      if (elfHash(name) !== hash) throw new ElfError(g('vna_hash'), hash, `is not the ELF hash of '${name}' (${hexOf(elfHash(name))})`, a);
      if ((other & 0x7fff) < 2 && other !== 0) throw new ElfError(g('vna_other'), other, 'is a reserved version index', a + 6);
      entries.push({ entryOffset: a, hash, flags, other, name });
      if (k + 1 < cnt && vnaNext === 0) throw new ElfError(g('vna_next'), 0, `ends the list before vn_cnt ${cnt}`, a + 12);
      a += vnaNext;
    }
    out.push({ entryOffset: off, file, entries });
    if (n + 1 < count && next === 0) throw new ElfError(f('vn_next'), 0, `ends the list before DT_VERNEEDNUM ${count}`, off + 12);
    off += next;
  }
  return out;
}

/** Reads DT_VERSYM (one u16 per dynamic symbol) and sets each symbol's version fields. */
export function applyVersym(
  r: Reader, loads: readonly ProgramHeader[], vaddr: number, symbols: ElfSymbol[], defs: readonly VersionDefinition[],
  needs: readonly VersionNeed[], at: number,
): void {
  const w = fileWindow(r, loads, 'DT_VERSYM', vaddr, at);
  if (w.offset + symbols.length * 2 > w.end) {
    throw new ElfError('DT_VERSYM', vaddr, `(${symbols.length} entries) extends past the end of its PT_LOAD`, at);
  }
  const defByIndex = new Map<number, VersionDefinition>();
  for (const d of defs) defByIndex.set(d.index, d);
  const needByIndex = new Map<number, { name: string; file: string }>();
  for (const n of needs) for (const e of n.entries) needByIndex.set(e.other & 0x7fff, { name: e.name, file: n.file });
  for (const sym of symbols) {
    const off = w.offset + sym.index * 2;
    const raw = r.u16x(off);
    const index = raw & 0x7fff;
    sym.versionIndex = index;
    sym.versionHidden = (raw & C.VERSYM_HIDDEN) !== 0;
    if (index <= C.VER_NDX_GLOBAL) {
      // 0 local, 1 global: no version name (the base definition, when present, names the file itself).
      continue;
    }
    // As readelf: a definition is looked up in verdef first, then verneed (copy-relocated data has verneed).
    const def = sym.defined ? defByIndex.get(index) : undefined;
    if (def) {
      sym.version = def.name;
      if (def.nameOffset === sym.nameOffset) sym.namesVersion = true;
      continue;
    }
    const need = needByIndex.get(index);
    if (need) {
      sym.version = need.name;
      sym.versionFile = need.file;
      continue;
    }
    if (defByIndex.has(index)) continue; // an undefined symbol that names a local definition: readelf prints none
    throw new ElfError(`versym[${sym.index}]`, raw, `names no version in DT_VERDEF or DT_VERNEED (symbol '${sym.name}')`, off);
  }
}
