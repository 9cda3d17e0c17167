// Comparisons of picemu's ELF parser with readelf, shared by the tests and `npm run corpus`.
import {
  formatProgramHeaders, parseElf, parseProgramHeaderTable, relocationTypeName, sectionFlagLetters, sectionTypeNames,
  symbolBindingName, symbolDisplayName, symbolTypeName, symbolVisibilityName, SHN_ABS, SHN_COMMON, SHN_UNDEF,
  type ElfFile, type ElfSymbol, type Relocation,
} from '../../src/elf/index.ts';
import { parseRelocations, parseSections, parseSymbolTables, parseDynamic, programHeadersBlock, type ReadelfSymbol } from '../helpers/readelf.ts';

/** Differences between picemu segments and readelf -lW's Program Headers block ('' when identical). */
export function compareSegments(bytes: Uint8Array, readelfL: string): string {
  const expected = programHeadersBlock(readelfL);
  const t = parseProgramHeaderTable(bytes);
  const actual = formatProgramHeaders(t.programHeaders, t.interp);
  if (actual === expected) return '';
  const a = actual.split('\n');
  const e = expected.split('\n');
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) return `segments line ${i + 1}: picemu ${JSON.stringify(a[i])} readelf ${JSON.stringify(e[i])}`;
  }
  return 'segments differ';
}

function ndxText(s: ElfSymbol): string {
  if (s.shndx === SHN_UNDEF) return 'UND';
  if (s.shndx === SHN_ABS) return 'ABS';
  if (s.shndx === SHN_COMMON) return 'COM';
  return String(s.shndx);
}

/** Compares one symbol with readelf's line; returns '' or the first difference. */
export function compareSymbol(s: ElfSymbol, r: ReadelfSymbol, withVersion: boolean, osabi: number): string {
  const ours = {
    value: BigInt(s.value), size: BigInt(s.size), type: symbolTypeName(s.type, osabi), bind: symbolBindingName(s.binding, osabi),
    vis: symbolVisibilityName(s.visibility), ndx: ndxText(s), name: withVersion ? symbolDisplayName(s) : s.name,
  };
  for (const k of Object.keys(ours) as (keyof typeof ours)[]) {
    if (ours[k] !== r[k]) return `symbol ${s.index} ${k}: picemu ${String(ours[k])} readelf ${String(r[k])}`;
  }
  return '';
}

/** Dynamic (and .symtab) symbols vs `readelf -sW --dyn-syms`. Returns the differences (at most `limit`). */
export function compareSymbols(elf: ElfFile, readelfS: string, limit = 5): string[] {
  const tables = parseSymbolTables(readelfS);
  const out: string[] = [];
  const dyn = tables.get('.dynsym') ?? [];
  if (dyn.length !== elf.dynamicSymbols.length) out.push(`dynsym count: picemu ${elf.dynamicSymbols.length} readelf ${dyn.length}`);
  for (let i = 0; i < Math.min(dyn.length, elf.dynamicSymbols.length) && out.length < limit; i++) {
    const d = compareSymbol(elf.dynamicSymbols[i]!, dyn[i]!, true, elf.header.osabi);
    if (d) out.push('dynsym ' + d);
  }
  const sym = tables.get('.symtab');
  if (sym || elf.symtab) {
    const ours = elf.symtab ?? [];
    if ((sym ?? []).length !== ours.length) out.push(`symtab count: picemu ${ours.length} readelf ${(sym ?? []).length}`);
    for (let i = 0; i < Math.min((sym ?? []).length, ours.length) && out.length < limit; i++) {
      const d = compareSymbol(ours[i]!, sym![i]!, false, elf.header.osabi);
      // readelf adds versions to .symtab names of versioned dynamic symbols; compare the bare name.
      if (d && !(d.includes(' name: ') && sym![i]!.name.split('@')[0] === ours[i]!.name)) out.push('symtab ' + d);
    }
  }
  return out;
}

/** A relocation's symbol as readelf -r prints it (name@VER / name@@VER, no "(N)"). */
function relocSymbolName(elf: ElfFile, r: Relocation): string {
  if (r.symbolIndex === 0) return '';
  const s = elf.dynamicSymbols[r.symbolIndex]!;
  if (s.version === undefined) return s.name;
  return `${s.name}${s.versionHidden || s.versionFile !== undefined ? '@' : '@@'}${s.version}`;
}

/** .rela.dyn, .rela.plt and .relr.dyn vs `readelf -rW`. */
export function compareRelocations(elf: ElfFile, readelfR: string, limit = 5): string[] {
  const out: string[] = [];
  const sections = parseRelocations(readelfR);
  const byName = (pred: (n: string) => boolean) => sections.filter((s) => pred(s.name));
  const rela = byName((n) => n.startsWith('.rela') && n !== '.rela.plt').flatMap((s) => s.entries);
  const plt = byName((n) => n === '.rela.plt').flatMap((s) => s.entries);
  const relr = byName((n) => n.startsWith('.relr')).flatMap((s) => s.relr ?? []);
  const cmp = (label: string, ours: Relocation[], theirs: typeof rela) => {
    if (ours.length !== theirs.length) out.push(`${label} count: picemu ${ours.length} readelf ${theirs.length}`);
    for (let i = 0; i < Math.min(ours.length, theirs.length) && out.length < limit; i++) {
      const o = ours[i]!;
      const t = theirs[i]!;
      const mine = { offset: BigInt(o.offset), type: relocationTypeName(o.type), symbol: relocSymbolName(elf, o), addend: BigInt(o.addend) };
      for (const k of Object.keys(mine) as (keyof typeof mine)[]) {
        if (mine[k] !== t[k]) {
          out.push(`${label}[${i}] ${k}: picemu ${String(mine[k])} readelf ${String(t[k])}`);
          break;
        }
      }
    }
  };
  cmp('rela', elf.rela, rela);
  cmp('jmprel', elf.pltRela, plt);
  if (elf.relr.length !== relr.length) out.push(`relr count: picemu ${elf.relr.length} readelf ${relr.length}`);
  for (let i = 0; i < Math.min(elf.relr.length, relr.length) && out.length < limit; i++) {
    if (BigInt(elf.relr[i]!) !== relr[i]) out.push(`relr[${i}]: picemu 0x${elf.relr[i]!.toString(16)} readelf 0x${relr[i]!.toString(16)}`);
  }
  return out;
}

/** Section headers vs `readelf -SW`. */
export function compareSections(elf: ElfFile, readelfS: string, limit = 5): string[] {
  const out: string[] = [];
  const theirs = parseSections(readelfS);
  if (theirs.length !== elf.sections.length) out.push(`section count: picemu ${elf.sections.length} readelf ${theirs.length}`);
  for (let i = 0; i < Math.min(theirs.length, elf.sections.length) && out.length < limit; i++) {
    const s = elf.sections[i]!;
    const t = theirs[i]!;
    const mine = {
      name: s.name, type: sectionTypeNames.get(s.type) ?? `0x${s.type.toString(16)}`, addr: BigInt(s.addr), offset: BigInt(s.offset),
      size: BigInt(s.size), entsize: BigInt(s.entsize), flags: sectionFlagLetters(s.flags, elf.header.osabi), link: s.link, info: s.info, align: BigInt(s.addralign),
    };
    for (const k of Object.keys(mine) as (keyof typeof mine)[]) {
      if (mine[k] !== t[k]) {
        out.push(`section[${i}] ${k}: picemu ${String(mine[k])} readelf ${String(t[k])}`);
        break;
      }
    }
  }
  return out;
}

/** Dynamic entries vs `readelf -dW` (tags, numeric values, and the strings of NEEDED/SONAME/RPATH/RUNPATH). */
export function compareDynamic(elf: ElfFile, readelfD: string, limit = 5): string[] {
  const out: string[] = [];
  const theirs = parseDynamic(readelfD);
  const ours = elf.dynamic?.entries ?? [];
  if (theirs.length !== ours.length) out.push(`dynamic count: picemu ${ours.length} readelf ${theirs.length}`);
  let needed = 0;
  for (let i = 0; i < Math.min(theirs.length, ours.length) && out.length < limit; i++) {
    const o = ours[i]!;
    const t = theirs[i]!;
    if (BigInt(o.tag) !== t.tag) {
      out.push(`dynamic[${i}] tag: picemu 0x${o.tag.toString(16)} readelf 0x${t.tag.toString(16)}`);
      continue;
    }
    const v = t.value;
    let m: RegExpExecArray | null;
    let expected: bigint | string | undefined;
    let actual: bigint | string = BigInt(o.value);
    if ((m = /^0x([0-9a-f]+)$/.exec(v))) expected = BigInt('0x' + m[1]);
    else if ((m = /^(\d+)(?: \(bytes\))?$/.exec(v))) expected = BigInt(m[1]!);
    else if ((m = /^(?:Shared library|Library soname|Library rpath|Library runpath): \[(.*)\]$/.exec(v))) {
      expected = m[1]!;
      const d = elf.dynamic!;
      actual = t.type === 'NEEDED' ? d.needed[needed++]! : t.type === 'SONAME' ? d.soname! : t.type === 'RPATH' ? d.rpath! : d.runpath!;
    }
    if (expected !== undefined && expected !== actual) out.push(`dynamic[${i}] (${t.type}) value: picemu ${String(actual)} readelf ${String(expected)}`);
  }
  return out;
}

export { parseElf };
