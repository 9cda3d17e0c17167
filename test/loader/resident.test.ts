// Which pages of a library are present after a load, per VMA, against the kernel's after a native
// dlopen(RTLD_NOW) + dlsym + the same calls in two processes (test/loader/c/dlopen_resident.c: smaps figures
// and, page by page, /proc/PID/pagemap's present and exclusively-mapped bits). ld.so reads .gnu.hash,
// .dynsym, .dynstr, .gnu.version*, .rela.dyn and .rela.plt through its mapping, so the kernel shows the
// `r--p 0` VMA resident and shared; picemu's loader reads the same bytes through the address space.
//
// Fault-around: on a read fault in a file mapping the kernel also maps the neighbouring pages of the same VMA
// that are in the page cache, within a fault_around_bytes window (64 KiB, aligned; in debugfs, not readable
// here; libz's r-xp VMA shows it: 16 pages present after a few touched). The window is clipped to the VMA,
// so a one-page VMA shows exactly what was touched: there Rss, Shared_Clean, Private_Clean and Private_Dirty
// must be equal. A larger VMA can hold pages the kernel mapped by fault-around that nothing read, so there
// picemu's present pages must be a subset of the kernel's, each shared or private as the kernel's.
import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { PAGE_SIZE } from '../../src/mm/index.ts';
import { buildCSource, hasCc, hasReadelf, repoRoot } from '../helpers/oracles.ts';
import { readelf } from '../helpers/readelf.ts';

interface KernelVma { start: number; end: number; perms: string; offset: number; pages: string; kb: Record<string, number> }

const helper = (): string => buildCSource(join(repoRoot, 'test', 'loader', 'c', 'dlopen_resident.c'), ['-ldl']);

/** Each child's VMAs of the library, in order. */
function kernelResident(lib: string, symbol: string, calls: number): KernelVma[][] {
  // A file git has just written (a fresh clone) still has dirty pages in the page cache; the kernel then counts
  // them as dirty in smaps (Shared_Clean 0). Write them back first, as they long are on any used machine.
  const fd = openSync(lib, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const out = execFileSync(helper(), [lib, symbol, String(calls)], { encoding: 'utf8' });
  const children: KernelVma[][] = [];
  let vma: KernelVma | undefined;
  for (const line of out.split('\n')) {
    let m: RegExpExecArray | null;
    if (/^child /.test(line)) children.push([]);
    else if ((m = /^vma ([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) /.exec(line))) {
      children.at(-1)!.push((vma = { start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), perms: m[3]!, offset: parseInt(m[4]!, 16), pages: '', kb: {} }));
    } else if ((m = /^pages (\S*)$/.exec(line)) && vma) vma.pages = m[1]!;
    else if ((m = /^(\w+):\s+(\d+) kB$/.exec(line)) && vma) vma.kb[m[1]!] = Number(m[2]);
  }
  return children;
}

// An int(void) function to call (natively through an int(void) pointer, so one that takes no arguments),
// how many times; 0: dlopen and dlsym only (the exported functions take arguments).
const CALLS: Record<string, [string, number]> = {
  'libcounter.so': ['really_really_nonreentrant', 3],
  'libdemo.so': ['sum_vec_data', 3],
  'libsse.so': ['init_data', 1],
  'libtls.so': ['tls_bump', 3],
  'libcowdata.so': ['cow_sum', 1],
  'libguarded.so': ['guarded_checksum', 0],
  'liblibc-user.so': ['libc_strlen', 0],
  'libz.so.1': ['zlibCompileFlags', 1],
};
/**
 * Link-time ranges ld.so reads in full under RTLD_NOW, from readelf -dW: every DT_RELA, DT_JMPREL and DT_RELR
 * entry (each relocation is processed) and the DT_GNU_HASH header (_dl_setup_hash). Their pages must be
 * present whatever fault-around adds.
 */
function tablesReadInFull(lib: string): [number, number][] {
  const tags = new Map<string, number>();
  for (const m of readelf(['-dW'], lib).matchAll(/\((\w+)\)\s+(0x[0-9a-f]+|\d+)/g)) tags.set(m[1]!, Number(m[2]!));
  const out: [number, number][] = [];
  for (const [at, size] of [['RELA', 'RELASZ'], ['JMPREL', 'PLTRELSZ'], ['RELR', 'RELRSZ']] as const) {
    if (tags.has(at) && tags.get(size)) out.push([tags.get(at)!, tags.get(size)!]);
  }
  if (tags.has('GNU_HASH')) out.push([tags.get('GNU_HASH')!, 16]);
  return out;
}

const libraries = [
  ...readdirSync(join(repoRoot, 'fixtures'))
    .filter((f) => f.endsWith('.so'))
    .map((f) => join(repoRoot, 'fixtures', f)),
  '/lib/x86_64-linux-gnu/libz.so.1',
];

describe.skipIf(!hasCc() || !hasReadelf())('resident pages of a loaded library vs the kernel', () => {
  it.each(libraries)('%s', async (lib) => {
    const name = lib.split('/').pop()!;
    const call = CALLS[name];
    expect(call, `a call for ${name} in CALLS`).toBeDefined();
    const [symbol, calls] = call!;
    const kernel = kernelResident(lib, symbol, calls);
    expect(kernel).toHaveLength(2);

    const m = await Machine.create({ seed: 7 });
    const ps = [m.spawn(), m.spawn()];
    for (const p of ps) p.load(lib);
    for (let k = 0; k < calls; k++) for (const p of ps) p.call(symbol);

    const mustBeRead = tablesReadInFull(lib);
    ps.forEach((p, n) => {
      const native = kernel[n]!;
      // The relocation tables and the hash header: present, shared by both processes, in picemu and the kernel.
      for (const [at, size] of mustBeRead) {
        for (let page = Math.floor(at / PAGE_SIZE); page * PAGE_SIZE < at + size; page++) {
          const va = native[0]!.start + page * PAGE_SIZE;
          const v = native.find((x) => va >= x.start && va < x.end)!;
          const index = (va - v.start) / PAGE_SIZE;
          const what = `${name} child ${n + 1}: page +0x${(page * PAGE_SIZE).toString(16)} (table at 0x${at.toString(16)})`;
          expect(v.pages[index], `kernel ${what}`).toBe('S');
          expect(p.space.frameAt(p.baseOf(name)! + page * PAGE_SIZE)?.mapCount, `picemu ${what}`).toBe(2);
        }
      }
      const base = p.baseOf(name)!;
      const path = p.modules.find((x) => x.base === base)!.path;
      const ours = p.smaps().filter((e) => e.vma.file?.identity.path === path);
      // The same file VMAs, relative to the base.
      expect(ours.map((e) => [e.vma.start - base, e.vma.end - base, e.header.split(' ')[1]])).toEqual(native.map((v) => [v.start - native[0]!.start, v.end - native[0]!.start, v.perms]));
      native.forEach((v, k) => {
        const e = ours[k]!;
        const what = `${name} child ${n + 1}: ${v.perms} at +0x${(v.start - native[0]!.start).toString(16)}`;
        // Page by page: '.' not present, 'S' mapped by both processes, 'P' by this one only.
        const pages = Array.from({ length: (e.vma.end - e.vma.start) / PAGE_SIZE }, (_, i) => {
          const info = p.space.frameAt(e.vma.start + i * PAGE_SIZE);
          return !info ? '.' : info.mapCount > 1 ? 'S' : 'P';
        }).join('');
        if (v.end - v.start === PAGE_SIZE) {
          expect(pages, `pages of ${what}`).toBe(v.pages);
          if (!v.perms.startsWith('rw')) {
            const f = e.figures;
            expect([f.rss, f.sharedClean, f.privateClean, f.privateDirty].map((b) => b / 1024), `Rss, Shared_Clean, Private_Clean, Private_Dirty of ${what}`).toEqual([
              v.kb.Rss,
              v.kb.Shared_Clean,
              v.kb.Private_Clean,
              v.kb.Private_Dirty,
            ]);
          }
        } else {
          // Fault-around: every page picemu has present is present in the kernel too, shared or private alike.
          [...pages].forEach((c, i) => {
            if (c !== '.') expect(v.pages[i], `page ${i} of ${what} (picemu ${pages}, kernel ${v.pages})`).toBe(c);
          });
        }
      });
    });
  });
});
