// The moment copy-on-write breaks: two processes load fixtures/libcowdata.so, whose .data array pages no
// relocation touches, so a read leaves a page the page cache's clean frame, mapped by both; then a write in
// one process gives it a private copy. Oracles: the kernel (test/helpers/c/dlopen_cow.c: two native processes
// dlopen the library and call cow_get / cow_set; /proc/PID/pagemap per page and smaps figures), readelf for
// where the array lies, and the file's bytes for the value the other process must still read.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import type { Process } from '../../src/process/process.ts';
import type { MemoryAccess } from '../../src/trace/events.ts';
import { picemuMatchers } from '../../src/trace/vitest.ts';
import { COW_LIB, cowTarget } from '../helpers/cowdata.ts';
import { buildCHelper, hasCc, hasReadelf } from '../helpers/oracles.ts';

expect.extend(picemuMatchers);

const LIB = 'libcowdata.so';
const PAGE = 0x1000;

interface KernelVma { start: number; end: number; perms: string; pages: string; kb: Record<string, number> }
/** phase → child (0, 1) → VMAs; and each child's call results in order. */
interface KernelCow { phases: Record<string, KernelVma[][]>; results: [number[], number[]] }

function kernelCow(k: number, v: number): KernelCow {
  const out = execFileSync(buildCHelper('dlopen_cow', ['-ldl']), [COW_LIB, String(k), String(v)], { encoding: 'utf8' });
  const res: KernelCow = { phases: {}, results: [[], []] };
  let phase: KernelVma[][] | undefined;
  let vma: KernelVma | undefined;
  for (const line of out.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^result ([12]) (-?\d+)$/.exec(line))) res.results[Number(m[1]) - 1]!.push(Number(m[2]));
    else if ((m = /^phase (\w+)$/.exec(line))) res.phases[m[1]!] = phase = [];
    else if (/^child [12]$/.test(line)) phase!.push([]);
    else if ((m = /^vma ([0-9a-f]+) ([0-9a-f]+) (\S+)$/.exec(line))) phase!.at(-1)!.push((vma = { start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), perms: m[3]!, pages: '', kb: {} }));
    else if ((m = /^pages (\S*)$/.exec(line)) && vma) vma.pages = m[1]!;
    else if ((m = /^(\w+):\s+(\d+) kB$/.exec(line)) && vma) vma.kb[m[1]!] = Number(m[2]);
  }
  return res;
}

/** The kernel's pagemap character for the page at module offset `page` ('S' shared file page, 'F' file page
 *  mapped only here, 'A' anonymous copy, '.' absent), and the smaps figures (bytes) of its VMA. */
function kernelPage(vmas: KernelVma[], page: number): { state: string; vma: KernelVma } {
  const vma = vmas.find((v) => v.start <= page && page < v.end)!;
  return { state: vma.pages[(page - vma.start) / PAGE]!, vma };
}

/** picemu's state of that page in the same terms. */
function ourPage(p: Process, page: number): string {
  const info = p.space.frameAt(p.baseOf(LIB)! + page);
  if (!info) return '.';
  if (info.kind !== 'file') return 'A';
  return info.mapCount > 1 ? 'S' : 'F';
}

/** smaps figures (kB) of the VMA holding module offset `page`. */
function ourFigures(p: Process, page: number): Record<string, number> {
  const va = p.baseOf(LIB)! + page;
  const f = p.smaps().find((e) => e.vma.start <= va && va < e.vma.end)!.figures;
  return { Shared: (f.sharedClean + f.sharedDirty) / 1024, Private: (f.privateClean + f.privateDirty) / 1024, Anonymous: f.anonymous / 1024 };
}

/** The kernel's figures in the same terms. A page-cache page counts as dirty while the file's own write (a
 *  fresh checkout or build) is not yet written back, so only clean + dirty sums are comparable. */
function kernelFigures(vma: KernelVma): Record<string, number> {
  const kb = vma.kb;
  return { Shared: kb.Shared_Clean! + kb.Shared_Dirty!, Private: kb.Private_Clean! + kb.Private_Dirty!, Anonymous: kb.Anonymous! };
}

const writes = (events: { accesses: MemoryAccess[] }[]): MemoryAccess[] => events.flatMap((e) => e.accesses).filter((a) => a.kind === 'write');

describe.skipIf(!hasReadelf())('libcowdata.so: the array pages', () => {
  it('no relocation slot lies in the array, which spans at least two whole pages', () => {
    const t = cowTarget();
    const [start, end] = t.array;
    expect(Math.floor(end / PAGE) - Math.ceil(start / PAGE)).toBeGreaterThanOrEqual(2);
    expect(t.relocations.filter((r) => r + 8 > Math.floor(start / PAGE) * PAGE && r < Math.ceil(end / PAGE) * PAGE)).toEqual([]);
  });
});

describe.skipIf(!hasCc() || !hasReadelf())('a write that breaks copy-on-write, vs the kernel', () => {
  const t = cowTarget();
  const V = 7;

  it('read in both: one frame; cow_set in p1: a private copy there only, the other keeps the file value', async () => {
    const kernel = kernelCow(t.k, V);
    const m = await Machine.create({ seed: 5 });
    const [p1, p2] = [m.spawn(), m.spawn()];
    for (const p of [p1, p2]) p.load(COW_LIB);

    // Both read the element: the value in the file, natively and here.
    expect(kernel.results[0][0]).toBe(t.original);
    expect(kernel.results[1][0]).toBe(t.original);
    expect(p1.call('cow_get', [t.k]).result).toMatchObject({ value: BigInt(t.original) });
    expect(p2.call('cow_get', [t.k]).result).toMatchObject({ value: BigInt(t.original) });

    // The kernel maps that page to one page-cache page in both (pagemap: present, file, not exclusive).
    const read = kernel.phases.read!;
    expect(read.map((c) => kernelPage(c, t.page).state)).toEqual(['S', 'S']);
    expect([ourPage(p1, t.page), ourPage(p2, t.page)]).toEqual(['S', 'S']);
    expect(m).toShareFrame(p1, p2, LIB, t.page);
    const shared = m.frameAt(p1, LIB, t.page)!;
    const before = [ourFigures(p1, t.page), ourFigures(p2, t.page)];

    // p1 writes: the write access reports the break from the shared frame to p1's new frame.
    const out = p1.call('cow_set', [t.k, V], { trace: true });
    expect(out.result).toMatchObject({ value: BigInt(t.original) });
    expect(out.events).toAccess({ kind: 'write', cow: true });
    const [w] = writes(out.events);
    const own = m.frameAt(p1, LIB, t.page)!;
    expect(own).not.toBe(shared);
    expect(w!.cow).toEqual({ from: shared, to: own });
    expect(w!.frame).toBe(own);
    expect(w!.shared).toBe(false);
    expect(w!.offset).toBe(t.page + 0x770);

    // The kernel: an anonymous copy in the writer, the page-cache page now mapped by the other alone.
    const written = kernel.phases.write!;
    expect(written.map((c) => kernelPage(c, t.page).state)).toEqual(['A', 'F']);
    expect([ourPage(p1, t.page), ourPage(p2, t.page)]).toEqual(['A', 'F']);
    expect(m.frameAt(p2, LIB, t.page)).toBe(shared);
    // smaps moved by the same amounts as the kernel's (absolute figures differ: the kernel's fault-around
    // maps the array's neighbouring pages too).
    const after = [ourFigures(p1, t.page), ourFigures(p2, t.page)];
    for (const n of [0, 1]) {
      const kb = (phase: KernelVma[][]): Record<string, number> => kernelFigures(kernelPage(phase[n]!, t.page).vma);
      for (const field of ['Shared', 'Private', 'Anonymous']) {
        expect(after[n]![field]! - before[n]![field]!, `${field} of p${n + 1}`).toBe(kb(written)[field]! - kb(read)[field]!);
      }
    }
    // The copy is dirty anonymous memory in the writer (Private_Dirty), whatever the file page's state.
    expect(ourFigures(p1, t.page).Anonymous).toBeGreaterThan(0);
    expect(kernelPage(written[0]!, t.page).vma.kb.Private_Dirty).toBeGreaterThan(0);

    // The writer reads its value, the other the file's, as natively.
    expect(kernel.results[0].slice(1)).toEqual([t.original, V]);
    expect(kernel.results[1].slice(1)).toEqual([t.original]);
    expect(p1.call('cow_get', [t.k]).result).toMatchObject({ value: BigInt(V) });
    expect(p2.call('cow_get', [t.k]).result).toMatchObject({ value: BigInt(t.original) });

    // A second write in p1 lands on its own frame: no break.
    const again = p1.call('cow_set', [t.k, V + 1], { trace: true });
    expect(writes(again.events).map((a) => [a.cow, a.frame])).toEqual([[null, own]]);
    expect(m.frameAt(p2, LIB, t.page)).toBe(shared);
  });

  it('a write to a page the writer has only from fault-around copies the page-cache frame the other process maps', async () => {
    const m = await Machine.create({ seed: 6 });
    const [p1, p2] = [m.spawn(), m.spawn()];
    for (const p of [p1, p2]) p.load(COW_LIB);
    p2.call('cow_get', [t.k]);
    const cached = m.frameAt(p2, LIB, t.page)!;
    // p1 never read the array, but ld.so's read of .dynamic faulted in that VMA and fault-around mapped its
    // neighbours from the page cache (the kernel's pagemap shows every rw-p page 'S' in both children).
    expect(m.frameAt(p1, LIB, t.page)).toBe(cached);
    // cow_put only writes (no read first): the write makes p1's copy of the page-cache frame.
    const out = p1.call('cow_put', [t.k, V], { ret: 'void', trace: true });
    const [w] = writes(out.events);
    const own = m.frameAt(p1, LIB, t.page)!;
    expect(w!.cow).toEqual({ from: cached, to: own });
    expect(own).not.toBe(cached);
    expect(ourPage(p1, t.page)).toBe('A');
    expect(p2.call('cow_get', [t.k]).result).toMatchObject({ value: BigInt(t.original) });
  });
});
