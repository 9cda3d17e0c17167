// Fault-around against the kernel (test/helpers/c/fault_around.c): a file in the page cache page by page, mapped
// at chosen offsets from a 2 MiB boundary, one page read; which pages are present then, page for page. Covers the
// window aligned down in virtual pages, clamped up to the VMA's start (and then 16 pages from there), clipped to
// the VMA's end, to the 2 MiB page table and to the end of the file; a write fault maps only its page.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AddressSpace, createSharedMemory, PAGE_SIZE, PM_PRESENT, PROT_NONE, PROT_READ, PROT_WRITE } from '../../src/mm/index.ts';
import { buildCHelper, hasCc, repoRoot } from '../helpers/oracles.ts';

mkdirSync(join(repoRoot, '.cache'), { recursive: true });
const file = join(repoRoot, '.cache', 'fault-around-49p.bin');
writeFileSync(file, new Uint8Array(200_000).map((_, i) => i & 0xff)); // 48 pages and a partial 49th

// OFF:LEN:TOUCH in pages; OFF 512 is a 2 MiB boundary.
const cases = ['507:40:6', '507:40:2', '3:40:0', '3:40:20', '0:20:3', '100:45:44', '40:30:29', '510:8:3', '0:60:40', '16:60:47', '1000:30:29', '0:60:48', '8:60:45', '3:40:20:w', '507:40:6:w'];

describe.skipIf(!hasCc())('fault-around vs the kernel', () => {
  it('maps the same pages around a read fault', () => {
    const native = execFileSync(buildCHelper('fault_around'), [file, ...cases], { encoding: 'utf8' }).trim().split('\n').map((l) => l.replace(/^pages /, ''));
    const mem = createSharedMemory();
    const as = new AddressSpace({ ...mem, faultAroundBytes: 65536 });
    const open = mem.pageCache.open(file);
    const base = as.mmap({ addr: 0x7f0000000000, length: 8 << 20, prot: PROT_NONE, fixed: true, noReserve: true });
    const ours = cases.map((c) => {
      const [off, len, touch] = c.split(':').slice(0, 3).map(Number) as [number, number, number];
      const write = c.endsWith(':w');
      const at = base + off * PAGE_SIZE;
      as.mmap({ addr: at, length: len * PAGE_SIZE, prot: PROT_READ | (write ? PROT_WRITE : 0), fixed: true, file: open });
      if (write) as.write(at + touch * PAGE_SIZE, Uint8Array.of(1));
      else as.read(at + touch * PAGE_SIZE, 1);
      const pages = Array.from(as.pagemap(at / PAGE_SIZE, len), (e) => (e & PM_PRESENT ? 'P' : '.')).join('');
      as.mmap({ addr: at, length: len * PAGE_SIZE, prot: PROT_NONE, fixed: true, noReserve: true });
      return pages;
    });
    expect(ours).toEqual(native);
  });
});
