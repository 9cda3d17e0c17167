// The ELF parser against binutils' readelf on real files: program headers (byte for byte), dynamic symbols,
// hash-table lookups, relocations (RELA, JMPREL, RELR), section headers and dynamic entries.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildId, lookupCandidates, lookupSymbol, parseElf, PT_GNU_RELRO, PT_TLS, SHN_UNDEF, type ElfFile,
} from '../../src/elf/index.ts';
import { hasCc, hasReadelf, repoRoot } from '../helpers/oracles.ts';
import { readelf } from '../helpers/readelf.ts';
import { buildTestLibs } from './build-libs.ts';
import { compareDynamic, compareRelocations, compareSections, compareSegments, compareSymbols } from './compare.ts';
import { corpusSample } from './corpus-files.ts';

const systemNames = ['libz.so.1', 'libbz2.so.1.0', 'libexpat.so.1', 'libsqlite3.so.0', 'libm.so.6', 'libc.so.6', 'ld-linux-x86-64.so.2'];
const libDir = '/lib/x86_64-linux-gnu';

function files(): string[] {
  const system = systemNames.map((n) => join(libDir, n)).filter((p) => existsSync(p));
  const fixtures = existsSync(join(repoRoot, 'fixtures'))
    ? readdirSync(join(repoRoot, 'fixtures')).filter((n) => n.endsWith('.so')).map((n) => join(repoRoot, 'fixtures', n))
    : [];
  // The sample leaves out the few very large files (readelf -r on them takes seconds); npm run corpus reads them all.
  const sample = corpusSample(30).filter((p) => statSync(p).size < 8 * 1024 * 1024).slice(0, 25);
  return [...new Set([...system, ...fixtures, ...sample])];
}

const haveReadelf = hasReadelf();
const built = haveReadelf && hasCc() ? buildTestLibs() : [];

describe.skipIf(!haveReadelf)('elf vs readelf', () => {
  const all = [...files(), ...built.map((b) => b.path)];

  it('reads the system libraries the issue names', () => {
    for (const n of systemNames) expect(existsSync(join(libDir, n)), n).toBe(true);
  });

  describe.each(all)('%s', (path) => {
    const bytes = readFileSync(path);
    const elf = parseElf(bytes, path);

    it('segments: identical to readelf -lW', () => {
      expect(compareSegments(bytes, readelf(['-lW'], path))).toBe('');
    });

    it('dynamic symbols and .symtab: value, size, type, bind, vis, ndx, name@version as readelf -sW --dyn-syms', () => {
      expect(compareSymbols(elf, readelf(['-sW', '--dyn-syms'], path), 20)).toEqual([]);
    });

    it('relocations: RELA, JMPREL and expanded RELR as readelf -rW', () => {
      expect(compareRelocations(elf, readelf(['-rW'], path), 20)).toEqual([]);
    });

    it('section headers as readelf -SW', () => {
      expect(compareSections(elf, readelf(['-SW'], path), 20)).toEqual([]);
    });

    it('dynamic entries as readelf -dW', () => {
      expect(compareDynamic(elf, readelf(['-dW'], path), 20)).toEqual([]);
    });

    it('notes: the build ID and the note count per section as readelf -nW', () => {
      const text = readelf(['-nW'], path);
      const id = /Build ID: ([0-9a-f]+)/.exec(text)?.[1];
      expect(buildId(elf)).toBe(id);
      const theirs = [...text.matchAll(/^Displaying notes found in: (\S+)\n[ \t]+Owner.*\n((?:[ \t]+\S.*\n)*)/gm)].map((m) => [
        m[1], m[2]!.split('\n').filter((l) => /^ {2}\S/.test(l)).length,
      ]);
      // readelf reads notes from sections when there are any (every file here has them).
      expect(elf.sectionNotes.map((g) => [g.sectionName, g.notes.length])).toEqual(theirs);
    });

    it('every defined dynamic symbol is found by name (and version) through each hash table at its address', () => {
      const tables: [string, ElfFile][] = [];
      if (elf.hashTables.gnu) tables.push(['DT_GNU_HASH', { ...elf, hashTables: { gnu: elf.hashTables.gnu } }]);
      if (elf.hashTables.sysv) tables.push(['DT_HASH', { ...elf, hashTables: { sysv: elf.hashTables.sysv } }]);
      expect(tables.length).toBeGreaterThan(0);
      for (const [label, view] of tables) {
        let checked = 0;
        for (const sym of elf.dynamicSymbols) {
          if (sym.shndx === SHN_UNDEF || sym.index === 0 || sym.binding === 0) continue;
          const candidates = lookupCandidates(view, sym.name);
          if (!candidates.includes(sym)) {
            // Only symbols ld.so would never bind to (e.g. value 0) may be missing from the candidates.
            expect(sym.value === 0 || sym.namesVersion, `${label}: ${sym.name}`).toBeTruthy();
            continue;
          }
          const found = sym.version !== undefined ? lookupSymbol(view, sym.name, sym.version) : lookupSymbol(view, sym.name);
          expect(found?.value, `${label}: ${sym.name}${sym.version ? '@' + sym.version : ''}`).toBe(sym.value);
          checked++;
        }
        expect(lookupSymbol(view, 'picemu_no_such_symbol_xyzzy')).toBeUndefined();
        if (elf.dynamicSymbols.some((s) => s.defined && s.index > 0)) expect(checked, label).toBeGreaterThan(0);
      }
    });
  });

  describe.skipIf(built.length === 0)('built libraries', () => {
    const get = (name: string) => {
      const b = built.find((x) => x.name === name);
      return b ? parseElf(readFileSync(b.path), b.path) : undefined;
    };

    it('a SysV-hash-only library has DT_HASH and no DT_GNU_HASH; a GNU-only one the reverse', () => {
      const sysv = get('libsysv.so')!;
      expect(sysv.hashTables.sysv).toBeDefined();
      expect(sysv.hashTables.gnu).toBeUndefined();
      const gnu = get('libgnu.so')!;
      expect(gnu.hashTables.gnu).toBeDefined();
      expect(gnu.hashTables.sysv).toBeUndefined();
      for (const lib of [sysv, gnu]) expect(lookupSymbol(lib, 'add')?.name).toBe('add');
    });

    it('versions: foo@@V2 is the default, foo@V1 is found when asked for', () => {
      const lib = get('libboth.so')!;
      const v2 = lookupSymbol(lib, 'foo')!;
      const v1 = lookupSymbol(lib, 'foo', 'V1')!;
      expect(v2.version).toBe('V2');
      expect(v2.versionHidden).toBe(false);
      expect(v1.version).toBe('V1');
      expect(v1.versionHidden).toBe(true);
      expect(v1.value).not.toBe(v2.value);
      expect(lookupSymbol(lib, 'foo', 'V2')!.value).toBe(v2.value);
      expect(lib.versionNeeds.some((n) => n.file.startsWith('libc.so'))).toBe(true);
      expect(lib.dynamic!.bindNow).toBe(true);
    });

    it.skipIf(!built.some((b) => b.name === 'librelr.so'))('RELR: relative relocations are packed and expand to the addresses readelf lists', () => {
      const lib = get('librelr.so')!;
      expect(lib.dynamic!.relr).toBeDefined();
      expect(lib.relr.length).toBeGreaterThan(5);
      expect(lib.rela.filter((r) => r.type === 8)).toEqual([]);
    });

    it('PT_TLS and PT_GNU_RELRO are exposed', () => {
      const lib = get('libgnu.so')!;
      expect(lib.tls?.type).toBe(PT_TLS);
      expect(lib.tls!.memsz).toBeGreaterThanOrEqual(4);
      expect(lib.relro?.type).toBe(PT_GNU_RELRO);
    });

    it('a stripped library parses through the dynamic segment alone', () => {
      const lib = get('libstripped.so')!;
      expect(lib.symtab).toBeUndefined();
      expect(lookupSymbol(lib, 'twice')).toBeDefined();
      const noSections = new Uint8Array(lib.bytes);
      // Remove the section header table: e_shoff, e_shnum, e_shstrndx = 0 (what a hostile or truncated file may do).
      noSections.fill(0, 40, 48);
      noSections.fill(0, 60, 64);
      const bare = parseElf(noSections, 'no-sections');
      expect(bare.sections).toEqual([]);
      expect(bare.dynamicSymbols.length).toBe(lib.dynamicSymbols.length);
      expect(bare.rela).toEqual(lib.rela);
      expect(lookupSymbol(bare, 'twice')!.value).toBe(lookupSymbol(lib, 'twice')!.value);
    });
  });
});
