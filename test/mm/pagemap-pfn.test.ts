// pagemap entries as a privileged reader sees them, against the kernel (test/helpers/c/pagemap_pfn.c): two
// processes map a file privately and two anonymous pages, read and write some; present, file and exclusive bits
// must equal the kernel's page for page, and the PFNs must say the same about which pages are one physical page
// (the page cache's page in both, the zero page in both, each private copy its own). picemu's PFN is its frame number.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AddressSpace, createSharedMemory, PAGE_SIZE, PM_FILE, PM_MMAP_EXCLUSIVE, PM_PFRAME_MASK, PM_PRESENT, PROT_READ, PROT_WRITE } from '../../src/mm/index.ts';
import { buildCHelper, hasCc, repoRoot, requireOracle } from '../helpers/oracles.ts';

mkdirSync(join(repoRoot, '.cache'), { recursive: true });
const file = join(repoRoot, '.cache', 'pagemap-pfn-4p.bin');
writeFileSync(file, new Uint8Array(4 * PAGE_SIZE).map((_, i) => (i * 13) & 0xff)); // written: in the page cache
const ADDR = 0x7f0000000000; // 64 KiB-aligned: the file's 4 pages lie in one fault-around window

interface Entry { present: number; file: number; exclusive: number; pfn: number }

/** Each entry's PFN replaced by the order in which that PFN first appears (absent pages: -1). */
function sameness(entries: Entry[]): number[] {
  const ids = new Map<number, number>();
  return entries.map((e) => {
    if (!e.present) return -1;
    if (!ids.has(e.pfn)) ids.set(e.pfn, ids.size);
    return ids.get(e.pfn)!;
  });
}

const root = (): boolean => requireOracle('root (pagemap shows PFNs only to CAP_SYS_ADMIN)', process.getuid?.() === 0, 'run the tests as root');

describe.skipIf(!hasCc() || !root())('pagemap with PFNs vs the kernel', () => {
  it('the same bits, and the same pages share one PFN', () => {
    const out = execFileSync(buildCHelper('pagemap_pfn'), [file, ADDR.toString(16)], { encoding: 'utf8' }).trim().split('\n');
    const native: Entry[] = out.filter((l) => !l.startsWith('child')).map((l) => {
      const [present, f, exclusive, pfn] = l.split(' ');
      return { present: Number(present), file: Number(f), exclusive: Number(exclusive), pfn: parseInt(pfn!, 16) };
    });
    expect(native).toHaveLength(12);
    expect(native.every((e) => e.present && e.pfn !== 0)).toBe(true);

    const mem = createSharedMemory();
    const open = mem.pageCache.open(file);
    const spaces = [1, 2].map((n) => {
      const as = new AddressSpace({ ...mem, faultAroundBytes: 65536 });
      as.mmap({ addr: ADDR, length: 4 * PAGE_SIZE, prot: PROT_READ | PROT_WRITE, fixed: true, file: open });
      as.mmap({ addr: ADDR + 0x10000, length: 2 * PAGE_SIZE, prot: PROT_READ | PROT_WRITE, fixed: true });
      as.read(ADDR, 1);
      as.read(ADDR + 0x10000, 1);
      as.write(ADDR + 0x10000 + PAGE_SIZE, Uint8Array.of(1));
      if (n === 1) as.write(ADDR + PAGE_SIZE, Uint8Array.of(1));
      return as;
    });
    const pages = [0, 1, 2, 3, 16, 17].map((p) => ADDR / PAGE_SIZE + p);
    const ours: Entry[] = spaces.flatMap((as) =>
      pages.map((page) => {
        const e = as.pagemap(page, 1, true)[0]!;
        const pfn = Number(e & PM_PFRAME_MASK);
        // picemu's PFN is the frame number behind the page.
        if (e & PM_PRESENT) expect(pfn).toBe(as.frameAt(page * PAGE_SIZE)!.frame);
        return { present: e & PM_PRESENT ? 1 : 0, file: e & PM_FILE ? 1 : 0, exclusive: e & PM_MMAP_EXCLUSIVE ? 1 : 0, pfn };
      }),
    );
    expect(ours.map(({ present, file: f, exclusive }) => [present, f, exclusive])).toEqual(native.map(({ present, file: f, exclusive }) => [present, f, exclusive]));
    expect(sameness(ours)).toEqual(sameness(native));
  });
});
