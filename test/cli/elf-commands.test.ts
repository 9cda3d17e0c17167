// `picemu segments` and `picemu check` through the real command line (bin/picemu.mjs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasReadelf, repoRoot } from '../helpers/oracles.ts';
import { programHeadersBlock, readelf } from '../helpers/readelf.ts';

const bin = join(repoRoot, 'bin', 'picemu.mjs');
const picemu = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
const libz = '/lib/x86_64-linux-gnu/libz.so.1';
const libc = '/lib/x86_64-linux-gnu/libc.so.6';

describe.skipIf(!hasReadelf())('picemu segments', () => {
  it.each([libz, libc])('%s: prints exactly readelf -lW\'s Program Headers block', (path) => {
    const r = picemu(['segments', path]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(programHeadersBlock(readelf(['-lW'], path)));
  });

  it('usage errors exit 2; unreadable files exit 1 with one picemu: line', () => {
    expect(picemu(['segments']).status).toBe(2);
    const missing = picemu(['segments', '/nonexistent/lib.so']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('picemu: /nonexistent/lib.so: no such file or directory\n');
    const text = join(mkdtempSync(join(tmpdir(), 'picemu-segments-')), 'libc.so');
    writeFileSync(text, '/* GNU ld script */\nGROUP ( /lib/x86_64-linux-gnu/libc.so.6 )\n');
    const notElf = picemu(['segments', text]);
    expect(notElf.status).toBe(1);
    expect(notElf.stderr).toBe(`picemu: ${text}: not an ELF file (starts with 2f 2a 20 47, not 7f 45 4c 46)\n`);
  });
});

describe('picemu check', () => {
  it('one line per file: ok for intact libraries, error naming field, value and offset for damaged ones; exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'picemu-check-'));
    const bytes = new Uint8Array(readFileSync(libz));
    const truncated = join(dir, 'truncated.so');
    writeFileSync(truncated, bytes.subarray(0, 1000));
    const zeroed = join(dir, 'zeroed.so');
    const z = bytes.slice();
    z.fill(0, 64, 64 + 56 * 3);
    writeFileSync(zeroed, z);
    const smashed = join(dir, 'smashed.so');
    const s = bytes.slice();
    s.fill(0xff, 32, 40); // e_phoff = 2^64-1
    writeFileSync(smashed, s);
    const files = [libz, truncated, zeroed, smashed, libc];
    const r = picemu(['check', ...files]);
    expect(r.status).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(files.length);
    expect(lines[0]).toBe(`ok ${libz}`);
    expect(lines[4]).toBe(`ok ${libc}`);
    for (const [i, path] of [[1, truncated], [2, zeroed], [3, smashed]] as const) {
      expect(lines[i]).toMatch(new RegExp(`^error ${path.replace(/[.]/g, '\\.')}: \\S+ .* at offset 0x[0-9a-f]+$`));
    }
    expect(lines[3]).toContain('e_phoff 0xffffffffffffffff');
    expect(r.stderr).toBe('');
  });

  it('loads each file in a fresh process: a file that parses but cannot load is an error saying why', () => {
    const dir = mkdtempSync(join(tmpdir(), 'picemu-check-load-'));
    // libdemo.so with a 1 TiB .bss (its writable PT_LOAD's p_memsz): native dlopen says "cannot map zero-fill pages".
    const bytes = new Uint8Array(readFileSync(join(repoRoot, 'fixtures', 'libdemo.so')));
    const view = new DataView(bytes.buffer);
    const phoff = Number(view.getBigUint64(32, true));
    const phnum = view.getUint16(56, true);
    for (let i = 0; i < phnum; i++) {
      const at = phoff + i * 56;
      if (view.getUint32(at, true) === 1 /* PT_LOAD */ && view.getUint32(at + 4, true) & 2 /* PF_W */) view.setBigUint64(at + 40, 2n ** 40n, true);
    }
    const hugeBss = join(dir, 'libdemo.so');
    writeFileSync(hugeBss, bytes);
    // libcounter.so with a GLOB_DAT's r_offset moved into .init (r-x): native ld.so segfaults writing it.
    const roReloc = join(repoRoot, 'fixtures', 'bad-elf', 'libcounter-s1-i1455.so');
    const r = picemu(['check', hugeBss, roReloc, join(repoRoot, 'fixtures', 'libcounter.so')]);
    expect(r.status).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^error ${hugeBss.replace(/[.]/g, '\\.')}: cannot map zero-fill pages \\(ENOMEM: `)),
      `error ${roReloc}: R_X86_64_GLOB_DAT at 0x1000 writes a read-only page`,
      `ok ${join(repoRoot, 'fixtures', 'libcounter.so')}`,
    ]);
    expect(r.stderr).toBe('');
  });

  it('exit 0 when all are ok', () => {
    const r = picemu(['check', libz]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`ok ${libz}\n`);
  });
});
