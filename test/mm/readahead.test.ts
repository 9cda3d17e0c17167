// What a first read brings into a cold page cache, against the kernel (test/helpers/c/readahead.c): a file dropped
// from the page cache, mapped (read-only or executable, whole or a part), one page read; which file pages the
// cache then holds (mincore), and which pages of the mapping are present (pagemap). picemu's `read-around'
// residency with the host's read_ahead_kb must hold the same pages: the read-around window centred on the page for
// a read-only mapping, from the page to the end of the VMA for an executable one, both clipped to EOF. Present
// pages: the kernel retries the fault after the read and maps around over the pages whose I/O has completed by
// then, so its present pages are a subset of picemu's (which reads synchronously), the touched page in both.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AddressSpace, createSharedMemory, fileIdentityOf, PAGE_SIZE, PM_PRESENT, PROT_EXEC, PROT_READ } from '../../src/mm/index.ts';
import { hostReadAheadPages } from '../../src/mm/page-cache.ts';
import { buildCHelper, hasCc, repoRoot, requireOracle } from '../helpers/oracles.ts';

const PAGES = 6001; // 6000 pages and a partial one: larger than the read-around window of an 8 MiB read_ahead_kb
// One file per run (another run's evictions and reads of a shared file would change what the page cache holds).
const file = join(repoRoot, '.cache', `readahead-6001p-${process.pid}.bin`);
mkdirSync(join(repoRoot, '.cache'), { recursive: true });
writeFileSync(file, new Uint8Array((PAGES - 1) * PAGE_SIZE + 100).map((_, i) => (i * 7) & 0xff));
afterAll(() => rmSync(file, { force: true }));

// OFF:LEN:TOUCH:PROT in pages: windows clipped at the file's start and end, at the VMA's end (exec), in the middle.
const CASES = ['100:300:250:x', '100:300:250:r', '0:6001:3000:x', '0:6001:3000:r', '0:6001:5999:x', '0:6001:5999:r', '0:400:10:x', '2000:64:0:x', '3:40:20:r'];

/** "a-b,c-d" (inclusive runs) → the set of page numbers; "-" → empty. */
function pagesOf(runs: string): Set<number> {
  const out = new Set<number>();
  if (runs === '-') return out;
  for (const run of runs.split(',')) {
    const [a, b] = run.split('-').map(Number) as [number, number];
    for (let p = a; p <= b; p++) out.add(p);
  }
  return out;
}

function bdiVisible(): boolean {
  const dev = fileIdentityOf(file).dev;
  let ok = false;
  try {
    ok = Number.isFinite(Number(readFileSync(`/sys/class/bdi/${dev.major}:${dev.minor}/read_ahead_kb`, 'utf8')));
  } catch {
    ok = false;
  }
  return requireOracle(`read_ahead_kb of the device holding .cache (/sys/class/bdi/${dev.major}:${dev.minor})`, ok, 'a host whose sysfs shows its block devices');
}

describe.skipIf(!hasCc() || !bdiVisible())('readahead on a first read, vs the kernel', () => {
  it('reads the same file pages into the page cache, and maps no page the kernel does not', () => {
    const helper = buildCHelper('readahead');
    const nativeRun = (): string[] => execFileSync(helper, [file, ...CASES], { encoding: 'utf8', timeout: 120_000 }).trim().split('\n');
    // Under heavy load the kernel's readahead may stop short (its page allocations do not retry): a case that
    // differs is run natively again, up to three runs in all, and must match in one of them.
    const runs = [nativeRun()];
    const ra = hostReadAheadPages(fileIdentityOf(file).dev);
    expect(ra).toBeGreaterThan(0);
    CASES.forEach((c, k) => {
      const [off, len, touch, prot] = c.split(':') as [string, string, string, string];
      let m: RegExpExecArray | undefined;
      let cached: number[] = [];
      let as: AddressSpace | undefined;
      let at = 0;
      for (let attempt = 0; attempt < 3; attempt++) {
        if (attempt >= runs.length) runs.push(nativeRun());
        m = /^case ([0-9a-f]+) cached (\S+) present (\S+)$/.exec(runs[attempt]![k]!)!;
        at = parseInt(m[1]!, 16);
        // A cold cache each time, as the helper drops the file's pages before each case.
        const mem = createSharedMemory({ residency: 'read-around' });
        as = new AddressSpace({ ...mem, faultAroundBytes: 65536 });
        const open = mem.pageCache.open(file);
        as.mmap({ addr: at, length: Number(len) * PAGE_SIZE, prot: PROT_READ | (prot === 'x' ? PROT_EXEC : 0), fixed: true, file: open, offset: Number(off) * PAGE_SIZE });
        as.read(at + Number(touch) * PAGE_SIZE, 1);
        cached = [...open.inode.pages.keys()].sort((a, b) => a - b);
        if (cached.join() === [...pagesOf(m[2]!)].sort((a, b) => a - b).join()) break;
      }
      expect(cached, `${c}: file pages cached`).toEqual([...pagesOf(m![2]!)].sort((a, b) => a - b));
      const present = new Set(Array.from(as!.pagemap(at / PAGE_SIZE, Number(len)), (e, p) => (e & PM_PRESENT ? p : -1)).filter((p) => p >= 0));
      const kernelPresent = pagesOf(m![3]!);
      expect(kernelPresent.has(Number(touch)) && present.has(Number(touch)), `${c}: the touched page present`).toBe(true);
      expect([...kernelPresent].filter((p) => !present.has(p)), `${c}: pages the kernel maps and picemu does not`).toEqual([]);
      // And picemu maps around exactly as a warm fault would: the 64 KiB window, clipped to the VMA.
      expect(present.size).toBeLessThanOrEqual(16);
    });
  });
});
