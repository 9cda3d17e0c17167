// ELF mutations for the fuzzer: where the structures of an intact file are (header, program and section
// headers, dynamic entries, symbols, strings, relocations, hash/version/note tables) and how to damage them.
import { parseElf, vaddrToOffset, type ElfFile } from '../../src/elf/index.ts';

/** A deterministic PRNG (splitmix32 over a 32-bit state): the same seed gives the same inputs. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}

export type FieldKind = 'header' | 'phdr' | 'shdr' | 'dynamic' | 'symbol' | 'relocation' | 'hash' | 'version' | 'note';

export interface Field {
  kind: FieldKind;
  /** e.g. `p_filesz[3]`, for recipes. */
  name: string;
  offset: number;
  width: 1 | 2 | 4 | 8;
}

export type RegionKind = 'dynstr' | 'dynsym' | 'rela' | 'relr' | 'dynamic' | 'phdrs' | 'shdrs' | 'hash' | 'any';

export interface Region {
  kind: RegionKind;
  offset: number;
  length: number;
}

/** An intact seed file and where its structures lie. */
export interface SeedFile {
  path: string;
  bytes: Uint8Array;
  elf: ElfFile;
  fields: Field[];
  regions: Region[];
}

const HEADER_FIELDS: [string, number, Field['width']][] = [
  ['EI_CLASS', 4, 1], ['EI_DATA', 5, 1], ['EI_VERSION', 6, 1], ['EI_OSABI', 7, 1], ['e_type', 16, 2], ['e_machine', 18, 2],
  ['e_version', 20, 4], ['e_entry', 24, 8], ['e_phoff', 32, 8], ['e_shoff', 40, 8], ['e_flags', 48, 4], ['e_ehsize', 52, 2],
  ['e_phentsize', 54, 2], ['e_phnum', 56, 2], ['e_shentsize', 58, 2], ['e_shnum', 60, 2], ['e_shstrndx', 62, 2],
];
const PHDR_FIELDS: [string, number, Field['width']][] = [['p_type', 0, 4], ['p_flags', 4, 4], ['p_offset', 8, 8], ['p_vaddr', 16, 8], ['p_paddr', 24, 8], ['p_filesz', 32, 8], ['p_memsz', 40, 8], ['p_align', 48, 8]];
const SHDR_FIELDS: [string, number, Field['width']][] = [['sh_name', 0, 4], ['sh_type', 4, 4], ['sh_flags', 8, 8], ['sh_addr', 16, 8], ['sh_offset', 24, 8], ['sh_size', 32, 8], ['sh_link', 40, 4], ['sh_info', 44, 4], ['sh_addralign', 48, 8], ['sh_entsize', 56, 8]];
const SYM_FIELDS: [string, number, Field['width']][] = [['st_name', 0, 4], ['st_info', 4, 1], ['st_other', 5, 1], ['st_shndx', 6, 2], ['st_value', 8, 8], ['st_size', 16, 8]];
const RELA_FIELDS: [string, number, Field['width']][] = [['r_offset', 0, 8], ['r_type', 8, 4], ['r_sym', 12, 4], ['r_addend', 16, 8]];

/** Locates the fields and regions of an intact file (which must parse). */
export function describeSeed(path: string, bytes: Uint8Array): SeedFile {
  const elf = parseElf(bytes, path);
  const fields: Field[] = [];
  const regions: Region[] = [];
  const add = (kind: FieldKind, name: string, offset: number, width: Field['width']) => {
    if (offset >= 0 && offset + width <= bytes.length) fields.push({ kind, name, offset, width });
  };
  const region = (kind: RegionKind, offset: number | undefined, length: number | undefined) => {
    if (offset !== undefined && length !== undefined && length > 0 && offset < bytes.length) regions.push({ kind, offset, length: Math.min(length, bytes.length - offset) });
  };
  const fileOffset = (vaddr: number | undefined, length = 1) => (vaddr === undefined ? undefined : vaddrToOffset(elf.loads, vaddr, length));
  for (const [n, o, w] of HEADER_FIELDS) add('header', n, o, w);
  elf.programHeaders.forEach((p, i) => { for (const [n, o, w] of PHDR_FIELDS) add('phdr', `${n}[${i}]`, p.entryOffset + o, w); });
  elf.sections.forEach((s, i) => { for (const [n, o, w] of SHDR_FIELDS) add('shdr', `${n}[${i}]`, s.entryOffset + o, w); });
  const d = elf.dynamic;
  d?.entries.forEach((e, i) => {
    add('dynamic', `d_tag[${i}]`, e.entryOffset, 8);
    add('dynamic', `d_val[${i}]`, e.entryOffset + 8, 8);
  });
  const symAt = fileOffset(d?.symtab, 24);
  if (symAt !== undefined) {
    elf.dynamicSymbols.forEach((_, i) => { for (const [n, o, w] of SYM_FIELDS) add('symbol', `${n}[${i}]`, symAt + 24 * i + o, w); });
    region('dynsym', symAt, 24 * elf.dynamicSymbols.length);
  }
  for (const [table, list] of [['rela', elf.rela], ['jmprel', elf.pltRela]] as const) {
    list.forEach((r, i) => { for (const [n, o, w] of RELA_FIELDS) add('relocation', `${table}.${n}[${i}]`, r.entryOffset + o, w); });
    if (list.length) region('rela', list[0]!.entryOffset, list.length * 24);
  }
  const { gnu, sysv } = elf.hashTables;
  if (gnu) {
    ['nbuckets', 'symoffset', 'bloom_size', 'bloom_shift'].forEach((n, i) => add('hash', `gnu_hash.${n}`, gnu.tableOffset + 4 * i, 4));
    const bucketsAt = gnu.tableOffset + 16 + gnu.bloomSize * 8;
    for (let i = 0; i < gnu.nbuckets; i++) add('hash', `gnu_hash.buckets[${i}]`, bucketsAt + 4 * i, 4);
    for (let i = 0; i < gnu.chains.length; i++) add('hash', `gnu_hash.chains[${i}]`, bucketsAt + 4 * gnu.nbuckets + 4 * i, 4);
    region('hash', gnu.tableOffset, 16 + gnu.bloomSize * 8 + 4 * (gnu.nbuckets + gnu.chains.length));
  }
  if (sysv) {
    add('hash', 'hash.nbucket', sysv.tableOffset, 4);
    add('hash', 'hash.nchain', sysv.tableOffset + 4, 4);
    for (let i = 0; i < sysv.nbucket + sysv.nchain; i++) add('hash', `hash[${i}]`, sysv.tableOffset + 8 + 4 * i, 4);
  }
  for (const v of elf.versionDefinitions) for (const [n, o, w] of [['vd_version', 0, 2], ['vd_cnt', 4, 2], ['vd_hash', 8, 4], ['vd_aux', 12, 4], ['vd_next', 16, 4]] as const) add('version', n, v.entryOffset + o, w);
  for (const v of elf.versionNeeds) {
    for (const [n, o, w] of [['vn_version', 0, 2], ['vn_cnt', 2, 2], ['vn_file', 4, 4], ['vn_aux', 8, 4], ['vn_next', 12, 4]] as const) add('version', n, v.entryOffset + o, w);
    for (const e of v.entries) for (const [n, o, w] of [['vna_hash', 0, 4], ['vna_other', 6, 2], ['vna_name', 8, 4], ['vna_next', 12, 4]] as const) add('version', n, e.entryOffset + o, w);
  }
  for (const g of [...elf.notes, ...elf.sectionNotes]) for (const n of g.notes) ['n_namesz', 'n_descsz', 'n_type'].forEach((name, i) => add('note', name, n.entryOffset + 4 * i, 4));
  region('dynstr', fileOffset(d?.strtab), d?.strsz);
  region('relr', fileOffset(d?.relr), d?.relrsz);
  if (elf.dynamicSegment) region('dynamic', elf.dynamicSegment.offset, elf.dynamicSegment.filesz);
  region('phdrs', elf.header.phoff, elf.header.phnum * 56);
  region('shdrs', elf.header.shoff, elf.header.shnum * 64);
  region('any', 0, bytes.length);
  return { path, bytes, elf, fields, regions };
}

const SMASH: bigint[] = [0n, 1n, 2n, 0xffffffffn, 0xffffffffffffffffn, 0x7fffffffn, 0x80000000n, 0x1000n, 0x7fffffffffffn];

function readField(b: Uint8Array, f: Field): bigint {
  let v = 0n;
  for (let i = f.width - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[f.offset + i]!);
  return v;
}

function writeField(b: Uint8Array, f: Field, v: bigint): void {
  for (let i = 0; i < f.width && f.offset + i < b.length; i++) b[f.offset + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

export interface Mutant {
  bytes: Uint8Array;
  /** What was done, one entry per mutation (a readable recipe; the generator itself is seed + index). */
  recipe: string[];
}

/** Relocation types the loader knows and a few it does not (R_X86_64_*). */
const RELOCATION_TYPES = [0, 1, 2, 5, 6, 7, 8, 10, 11, 16, 17, 18, 24, 37, 42, 43, 0xff];
/** STT_* values: NOTYPE, OBJECT, FUNC, SECTION, FILE, COMMON, TLS, GNU_IFUNC. */
const SYMBOL_TYPES = [0, 1, 2, 3, 4, 5, 6, 10];
const DT_NEEDED = 1;
const DT_INIT = 12;

/**
 * A mutation that keeps the file well-formed enough to parse, so it reaches the loader and the CPU: relocation
 * types, symbols and targets; symbol values, types and definedness; segment flags, sizes and alignment; DT_NEEDED
 * names and DT_INIT. Returns the recipe line, or undefined when the file has nothing of that kind.
 */
function semanticMutation(seed: SeedFile, bytes: Uint8Array, pick: () => number): string | undefined {
  const int = (n: number) => Math.floor(pick() * n);
  const choose = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fits = (at: number, n: number) => at >= 0 && at + n <= bytes.length;
  const elf = seed.elf;
  const relocs = [...elf.rela, ...elf.pltRela];
  const symbols = elf.dynamicSymbols.slice(1);
  const symAt = elf.dynamic?.symtab !== undefined ? vaddrToOffset(elf.loads, elf.dynamic.symtab, 24) : undefined;
  const anyAddress = () => {
    const p = choose(elf.loads);
    return p.vaddr + int(Math.max(1, p.memsz));
  };
  switch (int(6)) {
    case 0: {
      if (!relocs.length) return undefined;
      const r = choose(relocs);
      if (!fits(r.entryOffset, 24)) return undefined;
      const what = int(4);
      if (what === 0) view.setUint32(r.entryOffset + 8, choose(RELOCATION_TYPES), true);
      else if (what === 1) view.setUint32(r.entryOffset + 12, int(Math.max(1, elf.dynamicSymbols.length)), true);
      else if (what === 2) view.setBigInt64(r.entryOffset + 16, BigInt(choose([0, 8, -8, 0x1000, -0x100000, 2 ** 31, int(2 ** 24)])), true);
      else view.setBigUint64(r.entryOffset, BigInt(pick() < 0.5 ? choose(relocs).offset : anyAddress() & ~7), true);
      return `relocation@0x${r.entryOffset.toString(16)} ${['r_type', 'r_sym', 'r_addend', 'r_offset'][what]} changed`;
    }
    case 1: {
      if (!symbols.length || symAt === undefined) return undefined;
      const i = 1 + int(symbols.length);
      const at = symAt + 24 * i;
      if (!fits(at, 24)) return undefined;
      const what = int(3);
      if (what === 0) view.setBigUint64(at + 8, BigInt(pick() < 0.5 ? choose(symbols).value : anyAddress()), true);
      else if (what === 1) bytes[at + 4] = (bytes[at + 4]! & 0xf0) | choose(SYMBOL_TYPES);
      else view.setUint16(at + 6, 0, true); // now undefined
      return `dynsym[${i}] ${['st_value', 'st_type', 'st_shndx=UNDEF'][what]} changed`;
    }
    case 2: {
      const p = choose(elf.loads);
      if (!fits(p.entryOffset, 56)) return undefined;
      const what = int(3);
      if (what === 0) view.setUint32(p.entryOffset + 4, int(8), true);
      else if (what === 1) view.setBigUint64(p.entryOffset + 40, BigInt(p.memsz + (pick() < 0.2 ? 2 ** choose([30, 36, 40]) : PAGE * (1 + int(64)))), true);
      else view.setBigUint64(p.entryOffset + 48, 2n ** BigInt(int(22)), true);
      return `PT_LOAD@0x${p.entryOffset.toString(16)} ${['p_flags', 'p_memsz', 'p_align'][what]} changed`;
    }
    case 3: {
      const needed = elf.dynamic?.entries.filter((e) => e.tag === DT_NEEDED) ?? [];
      const names = symbols.map((s) => s.nameOffset).concat(needed.map((e) => e.value));
      if (!needed.length || !names.length) return undefined;
      const e = choose(needed);
      if (!fits(e.entryOffset, 16)) return undefined;
      view.setBigUint64(e.entryOffset + 8, BigInt(choose(names)), true);
      return `DT_NEEDED@0x${e.entryOffset.toString(16)} names another string`;
    }
    case 4: {
      const init = elf.dynamic?.entries.find((e) => e.tag === DT_INIT);
      const funcs = symbols.filter((s) => s.type === 2 && s.defined);
      if (!init || !funcs.length || !fits(init.entryOffset, 16)) return undefined;
      view.setBigUint64(init.entryOffset + 8, BigInt(choose(funcs).value), true);
      return `DT_INIT -> another function`;
    }
    default: {
      // Two dynamic entries swap values (addresses and sizes end up in each other's place).
      const entries = elf.dynamic?.entries.filter((e) => e.tag !== 0) ?? [];
      if (entries.length < 2) return undefined;
      const a = choose(entries);
      const b = choose(entries);
      if (!fits(a.entryOffset, 16) || !fits(b.entryOffset, 16)) return undefined;
      view.setBigUint64(a.entryOffset + 8, BigInt(b.value), true);
      view.setBigUint64(b.entryOffset + 8, BigInt(a.value), true);
      return `dynamic values swapped @0x${a.entryOffset.toString(16)} <-> @0x${b.entryOffset.toString(16)}`;
    }
  }
}

const PAGE = 4096;

/** One or more random mutations of `seed`, drawn from `pick`. */
export function mutate(seed: SeedFile, pick: () => number): Mutant {
  let bytes = seed.bytes.slice();
  const recipe: string[] = [];
  const int = (n: number) => Math.floor(pick() * n);
  const choose = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const rounds = pick() < 0.8 ? 1 : 2 + int(3);
  for (let round = 0; round < rounds; round++) {
    const r = pick();
    if (r < 0.35) {
      const line = semanticMutation(seed, bytes, pick);
      if (line) recipe.push(line);
      continue;
    }
    if (r < 0.6 && seed.fields.length) {
      // A numeric field: an extreme value, a near miss, or a random one.
      const kinds = [...new Set(seed.fields.map((f) => f.kind))];
      const kind = choose(kinds);
      const pool = seed.fields.filter((f) => f.kind === kind && f.offset + f.width <= bytes.length);
      if (pool.length === 0) continue;
      const f = choose(pool);
      const old = readField(bytes, f);
      const q = pick();
      const mask = (1n << BigInt(8 * f.width)) - 1n;
      const v = q < 0.55 ? choose(SMASH) : q < 0.75 ? old + BigInt(choose([-1, 1, -8, 8, 0x1000, -0x1000, 0x10000])) : q < 0.85 ? readField(bytes, choose(pool)) : BigInt(Math.floor(pick() * 2 ** 32)) * (f.width === 8 && pick() < 0.5 ? 0x100000000n : 1n);
      writeField(bytes, f, v & mask);
      recipe.push(`${f.name}@0x${f.offset.toString(16)} 0x${old.toString(16)} -> 0x${(v & mask).toString(16)}`);
    } else if (r < 0.67) {
      // Truncation, often at a structure boundary.
      const cuts = [...seed.elf.programHeaders.flatMap((p) => [p.offset, p.offset + p.filesz, p.entryOffset]), seed.elf.header.shoff, ...seed.regions.map((x) => x.offset + (x.length >> 1))];
      let n = pick() < 0.5 ? choose(cuts) + choose([-1, 0, 1, 8]) : int(bytes.length);
      n = Math.max(0, Math.min(n, bytes.length - 1));
      bytes = bytes.slice(0, n);
      recipe.push(`truncate to 0x${n.toString(16)}`);
    } else if (r < 0.9) {
      // Random bytes inside one structure (or anywhere).
      const region = choose(seed.regions);
      const count = 1 + int(pick() < 0.7 ? 4 : 64);
      const mode = choose(['flip', 'random', 'zero', 'ff', 'nul-free'] as const);
      for (let k = 0; k < count; k++) {
        const at = region.offset + int(region.length);
        if (at >= bytes.length) continue;
        bytes[at] = mode === 'flip' ? bytes[at]! ^ (1 << int(8)) : mode === 'random' ? int(256) : mode === 'zero' ? 0 : mode === 'ff' ? 0xff : bytes[at] === 0 ? 0x41 : bytes[at]!;
      }
      recipe.push(`${mode} ${count} bytes in ${region.kind}@0x${region.offset.toString(16)}+0x${region.length.toString(16)}`);
    } else {
      // A span copied from elsewhere in the file (plausible-looking garbage).
      const len = 1 + int(256);
      const from = int(Math.max(1, bytes.length - len));
      const to = choose(seed.regions).offset + int(64);
      if (to < bytes.length) bytes.set(bytes.subarray(from, Math.min(from + len, bytes.length - to + from)), to);
      recipe.push(`copy 0x${len.toString(16)} bytes from 0x${from.toString(16)} to 0x${to.toString(16)}`);
    }
  }
  return { bytes, recipe };
}
