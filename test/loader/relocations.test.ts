// The relocations the loader applied against readelf: every slot `readelf -rW` lists is written (or, for
// ifuncs, handed to the process layer), with the value its formula gives from `readelf -sW` of the module
// that defines the symbol — the first in load order, as ld.so's global scope finds it.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vaddrToOffset } from '../../src/elf/index.ts';
import { type LoadedModule, loadIntoFreshSpaces, type PendingIfunc, TRAP_BASE } from '../../src/loader/index.ts';
import { hasReadelf, repoRoot } from '../helpers/oracles.ts';

const available = hasReadelf();
const libraries = [
  ...['libz.so.1', 'libbz2.so.1.0', 'libexpat.so.1', 'libsqlite3.so.0', 'libm.so.6', 'libc.so.6'].map((n) => `/usr/lib/x86_64-linux-gnu/${n}`),
  ...readdirSync(join(repoRoot, 'fixtures'))
    .filter((f) => f.endsWith('.so'))
    .map((f) => join(repoRoot, 'fixtures', f)),
];

interface ReadelfReloc {
  offset: number;
  type: string;
  symbol?: { name: string; version?: string };
  addend: bigint;
}

function splitVersion(text: string): { name: string; version?: string; hidden: boolean } {
  const m = /^([^@]+)(@@?)([^ ]+)/.exec(text);
  if (!m) return { name: text, hidden: false };
  return { name: m[1], version: m[3], hidden: m[2] === '@' };
}

function readelfRelocations(path: string): { rela: ReadelfReloc[]; relr: number[] } {
  const out = execFileSync('readelf', ['-rW', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const rela: ReadelfReloc[] = [];
  const relr: number[] = [];
  let inRelr = false;
  for (const line of out.split('\n')) {
    if (line.startsWith('Relocation section')) {
      inRelr = line.includes('.relr.');
      continue;
    }
    if (inRelr) {
      if (/^[0-9a-f]{16}$/.test(line.trim())) relr.push(parseInt(line.trim(), 16));
      continue;
    }
    const m = /^([0-9a-f]{16})\s+[0-9a-f]{16}\s+(R_X86_64_\w+)\s+(?:[0-9a-f]{16}\s+(\S+)\s+([+-])\s+([0-9a-f]+)|([0-9a-f]+))?\s*$/.exec(line);
    if (!m) continue;
    const offset = parseInt(m[1], 16);
    if (m[3] !== undefined) {
      const { name, version } = splitVersion(m[3]);
      rela.push({ offset, type: m[2], symbol: { name, version }, addend: BigInt((m[4] === '-' ? '-' : '') + '0x' + m[5]) });
    } else {
      rela.push({ offset, type: m[2], addend: m[6] !== undefined ? BigInt('0x' + m[6]) : 0n });
    }
  }
  return { rela, relr };
}

interface ReadelfSymbol {
  name: string;
  version?: string;
  hidden: boolean;
  value: bigint;
  type: string;
  bind: string;
  ndx: string;
}

const symbolCache = new Map<string, ReadelfSymbol[]>();
function readelfSymbols(path: string): ReadelfSymbol[] {
  let syms = symbolCache.get(path);
  if (syms) return syms;
  syms = [];
  const out = execFileSync('readelf', ['-sW', '--dyn-syms', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  for (const section of out.split(/\nSymbol table '/).filter((s) => s.startsWith('.dynsym'))) {
    for (const line of section.split('\n')) {
      const m = /^\s*\d+:\s+([0-9a-f]+)\s+\S+\s+(\w+)\s+(\w+)\s+\w+\s+(\w+)\s+(\S+)/.exec(line);
      if (!m) continue;
      const v = splitVersion(m[5]);
      syms.push({ name: v.name, version: v.version, hidden: v.hidden, value: BigInt('0x' + m[1]), type: m[2], bind: m[3], ndx: m[4] });
    }
  }
  symbolCache.set(path, syms);
  return syms;
}

/** The first module in load order whose readelf symbol table defines the reference (ld.so's check_match, simplified). */
function definingModule(modules: LoadedModule[], name: string, version: string | undefined): { module: LoadedModule; sym: ReadelfSymbol } | undefined {
  for (const module of modules) {
    const sym = readelfSymbols(module.path).find(
      (s) =>
        s.name === name &&
        s.ndx !== 'UND' &&
        ['GLOBAL', 'WEAK', 'UNIQUE'].includes(s.bind) &&
        (s.value !== 0n || s.type === 'TLS' || s.ndx === 'ABS') &&
        (version !== undefined ? s.version === version || s.version === undefined : !s.hidden),
    );
    if (sym) return { module, sym };
  }
  return undefined;
}

const u64 = (v: bigint) => BigInt.asUintN(64, v);

function checkModule(module: LoadedModule, modules: LoadedModule[], pending: PendingIfunc[]): number {
  const { rela, relr } = readelfRelocations(module.path);
  const base = BigInt(module.base);
  const applied = new Map(module.relocations.map((r) => [r.slot, r]));
  const pendingAt = new Map(pending.filter((p) => p.module === module).map((p) => [p.slot, p]));
  let checked = 0;
  for (const offset of relr) {
    const r = applied.get(module.base + offset);
    expect(r, `RELR slot 0x${offset.toString(16)} of ${module.name}`).toBeDefined();
    const fileOffset = vaddrToOffset(module.elf.loads, offset, 8)!;
    const word = new DataView(module.elf.bytes.buffer, module.elf.bytes.byteOffset + fileOffset, 8).getBigUint64(0, true);
    expect(r!.value).toBe(u64(base + word));
    checked++;
  }
  for (const e of rela) {
    const slot = module.base + e.offset;
    const where = `${e.type} at 0x${e.offset.toString(16)} of ${module.name}${e.symbol ? ` (${e.symbol.name})` : ''}`;
    if (e.type === 'R_X86_64_IRELATIVE') {
      expect(pendingAt.get(slot)?.resolver, where).toBe(module.base + Number(e.addend));
      checked++;
      continue;
    }
    const def = e.symbol ? definingModule(modules, e.symbol.name, e.symbol.version) : undefined;
    if (def?.sym.type === 'IFUNC') {
      expect(pendingAt.get(slot)?.resolver, where).toBe(def.module.base + Number(def.sym.value));
      checked++;
      continue;
    }
    const r = applied.get(slot);
    expect(r, where).toBeDefined();
    expect(r!.type, where).toBe(e.type);
    let expected: bigint;
    switch (e.type) {
      case 'R_X86_64_RELATIVE':
        expected = u64(base + e.addend);
        break;
      case 'R_X86_64_64':
      case 'R_X86_64_GLOB_DAT':
      case 'R_X86_64_JUMP_SLOT':
        if (def) {
          expect(r!.definedIn, where).toBe(def.module.name);
          expected = u64(BigInt(def.module.base) + def.sym.value + e.addend);
        } else if (r!.definedIn === 'weak-undefined') {
          expect(readelfSymbols(module.path).find((s) => s.name === e.symbol!.name && s.ndx === 'UND')?.bind, where).toBe('WEAK');
          expected = 0n;
        } else {
          expect(r!.definedIn, where).toBe('trap');
          expect(Number(r!.value), where).toBeGreaterThanOrEqual(TRAP_BASE);
          expected = r!.value;
        }
        break;
      case 'R_X86_64_DTPMOD64':
        expected = BigInt((def?.module ?? module).tls!.modid);
        break;
      case 'R_X86_64_DTPOFF64':
        expected = u64((def?.sym.value ?? 0n) + e.addend);
        break;
      case 'R_X86_64_TPOFF64':
        expected = u64((def?.sym.value ?? 0n) + e.addend - BigInt((def?.module ?? module).tls!.tpOffset!));
        break;
      default:
        throw new Error(`the test does not know ${where}`);
    }
    expect(r!.value, where).toBe(expected);
    // The slot holds the value (a later relocation of the same slot would override it: none do).
    checked++;
  }
  return checked;
}

describe.skipIf(!available)('relocations applied match readelf -rW / -sW', () => {
  for (const lib of libraries) {
    it(lib.replace(repoRoot + '/', ''), () => {
      const { spaces } = loadIntoFreshSpaces(lib, { procs: 1 });
      const { linker, result, space } = spaces[0];
      expect(result.unsupported.size).toBe(0);
      let checked = 0;
      for (const m of result.loaded) checked += checkModule(m, linker.modules, result.pendingIfuncs);
      expect(checked).toBe(result.loaded.reduce((n, m) => n + m.relocations.length, 0) + result.pendingIfuncs.length);
      // What was recorded is what memory holds.
      for (const m of result.loaded) {
        for (const r of m.relocations) {
          const bytes = space.peek(r.slot, 8)!;
          expect(new DataView(bytes.buffer).getBigUint64(0, true)).toBe(r.value);
        }
      }
    });
  }
});
