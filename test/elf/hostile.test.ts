// Hostile input: truncated, zeroed, byte-flipped and field-smashed copies of real libraries. parseElf must either
// succeed or throw an ElfError that names a field and a file offset: never anything else, never a hang.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ElfError, formatProgramHeaders, lookupSymbol, parseElf, parseProgramHeaderTable, type ElfFile,
} from '../../src/elf/index.ts';
import { hasCc } from '../helpers/oracles.ts';
import { buildTestLibs } from './build-libs.ts';

/** mulberry32: a small deterministic PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Field {
  offset: number;
  width: 1 | 2 | 4 | 8;
}

/** Where the interesting fields of an intact file are: header, phdrs, shdrs, dynamic, hash tables, versions, symbols, relocations. */
function fieldsOf(elf: ElfFile, pick: () => number): Field[] {
  const f: Field[] = [];
  const add = (offset: number, width: Field['width']) => f.push({ offset, width });
  for (const [o, w] of [[4, 1], [5, 1], [6, 1], [7, 1], [8, 1], [16, 2], [18, 2], [20, 4], [24, 8], [32, 8], [40, 8], [48, 4], [52, 2], [54, 2], [56, 2], [58, 2], [60, 2], [62, 2]] as const) add(o, w);
  for (const p of elf.programHeaders) for (const [o, w] of [[0, 4], [4, 4], [8, 8], [16, 8], [24, 8], [32, 8], [40, 8], [48, 8]] as const) add(p.entryOffset + o, w);
  for (const s of elf.sections) for (const [o, w] of [[0, 4], [4, 4], [8, 8], [16, 8], [24, 8], [32, 8], [40, 4], [44, 4], [48, 8], [56, 8]] as const) add(s.entryOffset + o, w);
  for (const e of elf.dynamic?.entries ?? []) {
    add(e.entryOffset, 8);
    add(e.entryOffset + 8, 8);
  }
  const { gnu, sysv } = elf.hashTables;
  if (gnu) {
    for (let i = 0; i < 4; i++) add(gnu.tableOffset + 4 * i, 4);
    const bucketsAt = gnu.tableOffset + 16 + gnu.bloomSize * 8;
    for (let i = 0; i < Math.min(gnu.nbuckets, 8); i++) add(bucketsAt + 4 * Math.floor(pick() * gnu.nbuckets), 4);
    for (let i = 0; i < 8 && gnu.chains.length; i++) add(bucketsAt + gnu.nbuckets * 4 + 4 * Math.floor(pick() * gnu.chains.length), 4);
  }
  if (sysv) {
    add(sysv.tableOffset, 4);
    add(sysv.tableOffset + 4, 4);
    for (let i = 0; i < 8; i++) add(sysv.tableOffset + 8 + 4 * Math.floor(pick() * (sysv.nbucket + sysv.nchain)), 4);
  }
  for (const d of elf.versionDefinitions) for (const [o, w] of [[0, 2], [4, 2], [6, 2], [8, 4], [12, 4], [16, 4]] as const) add(d.entryOffset + o, w);
  for (const n of elf.versionNeeds) {
    for (const [o, w] of [[0, 2], [2, 2], [4, 4], [8, 4], [12, 4]] as const) add(n.entryOffset + o, w);
    for (const e of n.entries) for (const [o, w] of [[0, 4], [6, 2], [8, 4], [12, 4]] as const) add(e.entryOffset + o, w);
  }
  const symbolsAt = elf.dynamicSymbols.length ? (elf.dynamic?.symtab !== undefined ? symbolTableOffset(elf) : undefined) : undefined;
  if (symbolsAt !== undefined) {
    for (let k = 0; k < 12; k++) {
      const i = Math.floor(pick() * elf.dynamicSymbols.length);
      for (const [o, w] of [[0, 4], [4, 1], [6, 2], [8, 8], [16, 8]] as const) add(symbolsAt + 24 * i + o, w);
    }
  }
  for (const list of [elf.rela, elf.pltRela]) {
    for (let k = 0; k < Math.min(list.length, 6); k++) {
      const r = list[Math.floor(pick() * list.length)]!;
      for (const [o, w] of [[0, 8], [8, 4], [12, 4], [16, 8]] as const) add(r.entryOffset + o, w);
    }
  }
  for (const g of elf.notes) for (const n of g.notes) for (const o of [0, 4, 8]) add(n.entryOffset + o, 4);
  return f;
}

function symbolTableOffset(elf: ElfFile): number | undefined {
  const a = elf.dynamic!.symtab!;
  for (const p of elf.loads) if (a >= p.vaddr && a < p.vaddr + p.filesz) return p.offset + (a - p.vaddr);
  return undefined;
}

const SMASH: bigint[] = [0n, 1n, 2n, 0xffffffffn, 0xffffffffffffffffn, 0x7fffffffn, 0x80000000n];

function write(bytes: Uint8Array, f: Field, v: bigint): void {
  for (let i = 0; i < f.width && f.offset + i < bytes.length; i++) bytes[f.offset + i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

/** Runs parseElf (and the cheap consumers of its result) and classifies the outcome; anything but ElfError fails. */
function attempt(bytes: Uint8Array, label: string): 'ok' | 'error' {
  try {
    parseProgramHeaderTable(bytes, label);
  } catch (err) {
    expectGoodError(err, label);
  }
  try {
    const elf = parseElf(bytes, label);
    formatProgramHeaders(elf.programHeaders, elf.interp);
    for (const name of ['malloc', 'deflate', 'XML_ParserCreate', 'add', 'foo', '']) lookupSymbol(elf, name);
    return 'ok';
  } catch (err) {
    expectGoodError(err, label);
    return 'error';
  }
}

function expectGoodError(err: unknown, label: string): void {
  if (!(err instanceof ElfError)) throw new Error(`${label}: threw a non-ElfError: ${String(err)}`, { cause: err });
  if (err.field === 'parser') throw new Error(`${label}: internal error ${err.message}`, { cause: (err as { cause?: unknown }).cause });
  expect(err.field.length, label).toBeGreaterThan(0);
  expect(err.message.startsWith(err.field), `${label}: ${err.message}`).toBe(true);
  expect(err.message, label).toMatch(/ at offset 0x[0-9a-f]+$/);
  expect(Number.isSafeInteger(err.offset) && err.offset >= 0, label).toBe(true);
}

const libDir = '/lib/x86_64-linux-gnu';
const sources = ['libz.so.1', 'libbz2.so.1.0', 'libexpat.so.1'].map((n) => join(libDir, n)).filter(existsSync);
const built = hasCc() ? buildTestLibs() : [];

describe('hostile input: only ElfError, always naming a field and an offset', () => {
  const inputs = [...sources, ...built.filter((b) => b.name === 'librelr.so' || b.name === 'libsysv.so').map((b) => b.path)];

  it('has inputs', () => expect(inputs.length).toBeGreaterThan(0));

  it.each(inputs)('%s: intact, truncated, zeroed, flipped and smashed copies', (path) => {
    const original = new Uint8Array(readFileSync(path));
    const pick = rng(0x5eed ^ original.length);
    const intact = parseElf(original, path);
    expect(attempt(original, 'intact')).toBe('ok');
    const counts = { ok: 0, error: 0 };
    let slowest = 0;
    const run = (bytes: Uint8Array, label: string) => {
      const t = performance.now();
      counts[attempt(bytes, label)]++;
      slowest = Math.max(slowest, performance.now() - t);
    };

    // Truncations: every length in the headers, the ends of every structure, and a spread of others.
    const cuts = new Set<number>();
    for (let n = 0; n <= 200; n++) cuts.add(n);
    for (const p of intact.programHeaders) for (const x of [p.offset, p.offset + p.filesz, p.entryOffset + 56]) for (const d of [-1, 0, 1]) cuts.add(x + d);
    for (const e of intact.dynamic?.entries ?? []) cuts.add(e.entryOffset + 8);
    for (let k = 0; k < 150; k++) cuts.add(Math.floor(pick() * original.length));
    for (const n of cuts) if (n >= 0 && n < original.length) run(original.subarray(0, n), `truncated to ${n}`);

    // Zeroed regions: whole structures and random spans.
    const spans: [number, number][] = [[0, 64], [intact.header.phoff, intact.header.phnum * 56]];
    for (const p of intact.programHeaders) spans.push([p.offset, Math.min(p.filesz, 4096)]);
    if (intact.header.shoff) spans.push([intact.header.shoff, intact.header.shnum * 64]);
    for (let k = 0; k < 80; k++) spans.push([Math.floor(pick() * original.length), 1 + Math.floor(pick() * 512)]);
    for (const [at, len] of spans) {
      const copy = original.slice();
      copy.fill(0, at, at + len);
      run(copy, `zeroed ${at}+${len}`);
    }

    // Random byte flips, mostly in the first pages and the dynamic structures.
    const hot = [0, intact.dynamic?.entries[0]?.entryOffset ?? 0, intact.hashTables.gnu?.tableOffset ?? 0, intact.header.shoff];
    for (let k = 0; k < 300; k++) {
      const copy = original.slice();
      const flips = 1 + Math.floor(pick() * 6);
      for (let j = 0; j < flips; j++) {
        const base = k % 2 === 0 ? hot[Math.floor(pick() * hot.length)]! + Math.floor(pick() * 4096) : Math.floor(pick() * copy.length);
        if (base < copy.length) copy[base] ^= 1 << Math.floor(pick() * 8);
      }
      run(copy, `flipped #${k}`);
    }

    // Fields set to 0, 1, 2, 2^31-1, 2^31, 2^32-1, 2^64-1.
    for (const f of fieldsOf(intact, pick)) {
      for (const v of SMASH) {
        const copy = original.slice();
        write(copy, f, v);
        run(copy, `field at ${f.offset} (${f.width} bytes) = ${v}`);
      }
    }
    if (process.env.PICEMU_FUZZ_STATS) console.log(path, counts, `slowest ${slowest.toFixed(1)} ms`);
    expect(counts.error).toBeGreaterThan(0);
    expect(slowest, 'slowest single parse (ms)').toBeLessThan(2000);
  });

  it('libc.so.6: a few hundred smashed fields', () => {
    const path = join(libDir, 'libc.so.6');
    const original = new Uint8Array(readFileSync(path));
    const pick = rng(42);
    const intact = parseElf(original, path);
    const fields = fieldsOf(intact, pick);
    for (let k = 0; k < 120; k++) {
      const f = fields[Math.floor(pick() * fields.length)]!;
      const copy = original.slice();
      write(copy, f, SMASH[Math.floor(pick() * SMASH.length)]!);
      attempt(copy, `libc field at ${f.offset}`);
    }
  });

  it('crafted tables that would make a naive parser loop or go quadratic fail fast', () => {
    const libz = join(libDir, 'libz.so.1');
    const original = new Uint8Array(readFileSync(libz));
    const elf = parseElf(original, libz);
    const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
    const cases: [string, (b: Uint8Array) => void, RegExp][] = [];
    const gnu = elf.hashTables.gnu!;
    const bucketsAt = gnu.tableOffset + 16 + gnu.bloomSize * 8;
    const firstBucket = gnu.buckets.find((x) => x !== 0)!;
    cases.push(['every GNU bucket points at one chain', (b) => {
      for (let i = 0; i < gnu.nbuckets; i++) view(b).setUint32(bucketsAt + 4 * i, firstBucket, true);
    }, /^gnu_hash\./]);
    cases.push(['a GNU chain never ends (no terminator bit)', (b) => {
      const chainsAt = bucketsAt + gnu.nbuckets * 4;
      for (let i = 0; i < gnu.chains.length; i++) view(b).setUint32(chainsAt + 4 * i, 0x2, true);
    }, /./]);
    const dynstr = elf.sections.find((x) => x.name === '.dynstr')!;
    cases.push(['the dynamic string table has one NUL, at its end', (b) => {
      b.fill(0x41, dynstr.offset, dynstr.offset + dynstr.size - 1);
    }, /./]);
    const d = elf.dynamic!.entries.find((e) => e.tag === 0x6ffffffe)!; // DT_VERNEED
    cases.push(['DT_VERNEEDNUM claims 2^32-1 entries', (b) => {
      const num = elf.dynamic!.entries.find((e) => e.tag === 0x6fffffff)!;
      view(b).setUint32(num.entryOffset + 8, 0xffffffff, true);
    }, /^DT_VERNEEDNUM /]);
    expect(d).toBeDefined();
    const sysvLib = built.find((b) => b.name === 'libsysv.so');
    for (const [label, mutate, field] of cases) {
      const copy = original.slice();
      mutate(copy);
      const t = performance.now();
      let err: unknown;
      try {
        parseElf(copy, label);
      } catch (e) {
        err = e;
      }
      expect(performance.now() - t, label).toBeLessThan(1000);
      expectGoodError(err, label);
      expect((err as ElfError).message, label).toMatch(field);
    }
    if (sysvLib) {
      const b = new Uint8Array(readFileSync(sysvLib.path));
      const lib = parseElf(b, sysvLib.path);
      const t = lib.hashTables.sysv!;
      const chainsAt = t.tableOffset + 8 + t.nbucket * 4;
      const head = t.buckets.find((x) => x !== 0)!;
      view(b).setUint32(chainsAt + 4 * head, head, true); // chain[head] = head: a loop
      let err: unknown;
      try {
        parseElf(b, 'sysv loop');
      } catch (e) {
        err = e;
      }
      expectGoodError(err, 'sysv loop');
      expect((err as ElfError).message).toMatch(/^hash\.chains\[\d+\] .* twice/);
    }
  });

  it('non-ELF and degenerate inputs', () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array(3), new Uint8Array(64), new TextEncoder().encode('/* GNU ld script */\nGROUP ( libc.so.6 )\n'), new Uint8Array(64).fill(0xff)]) {
      expect(attempt(bytes, 'degenerate')).toBe('error');
    }
    // A header that claims a 65535-entry program header table in a 64-byte file.
    const h = new Uint8Array(readFileSync(sources[0] ?? join(libDir, 'libc.so.6')).subarray(0, 64));
    h[56] = 0xff;
    h[57] = 0xfe;
    expect(attempt(h, 'phnum 0xfeff')).toBe('error');
  });
});
