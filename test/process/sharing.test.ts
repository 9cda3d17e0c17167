// Two processes that load one library map its read-only and executable pages to the same frames (the page
// cache's), and a guest write to a shared file page makes it private in the writer only.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { PROT_READ, PROT_WRITE } from '../../src/mm/types.ts';
import { picemuMatchers } from '../../src/trace/vitest.ts';
import { hasReadelf, repoRoot, run } from '../helpers/oracles.ts';

expect.extend(picemuMatchers);

const fx = (name: string): string => `${repoRoot}/fixtures/${name}`;

/** PT_LOAD segments from readelf -lW: page-rounded link-address ranges and flags. */
function loads(path: string): { start: number; end: number; flags: string }[] {
  const out = run('readelf', ['-lW', path]);
  return [...out.matchAll(/^\s+LOAD\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(R?\s?W?\s?E?)\s+0x/gm)].map((m) => {
    const vaddr = parseInt(m[1]!, 16);
    return { start: vaddr - (vaddr % 4096), end: Math.ceil((vaddr + parseInt(m[3]!, 16)) / 4096) * 4096, flags: m[4]!.replace(/\s/g, '') };
  });
}

describe.skipIf(!hasReadelf())('frame sharing between two processes', () => {
  for (const lib of ['libcounter.so', 'libdemo.so', 'liblibc-user.so']) {
    it(`${lib}: every read-only and executable page maps one frame in both processes`, async () => {
      const m = await Machine.create({ seed: 3 });
      const [p1, p2] = [m.spawn(), m.spawn()];
      p1.load(fx(lib));
      p2.load(fx(lib));
      expect(p1.baseOf(lib)).not.toBe(p2.baseOf(lib));
      const segments = loads(fx(lib)).filter((s) => !s.flags.includes('W'));
      expect(segments.length).toBeGreaterThanOrEqual(2);
      let pages = 0;
      for (const s of segments) {
        for (let off = s.start; off < s.end; off += 4096) {
          // Touch the page as the guest would (a read pages it in).
          p1.space.read(p1.baseOf(lib)! + off, 1);
          p2.space.read(p2.baseOf(lib)! + off, 1);
          expect(m).toShareFrame(p1, p2, lib, off);
          pages++;
        }
      }
      expect(pages).toBeGreaterThan(1);
    });
  }

  it('libcounter.so: the page of i.0 is a private frame in each process', async () => {
    const m = await Machine.create();
    const [p1, p2] = [m.spawn(), m.spawn()];
    p1.load(fx('libcounter.so'));
    p2.load(fx('libcounter.so'));
    p1.call('really_really_nonreentrant');
    p2.call('really_really_nonreentrant');
    const sym = /^\s*\d+:\s+([0-9a-f]+)\s+\d+\s+OBJECT\s+LOCAL\s+\S+\s+\S+\s+i\.0$/m.exec(run('readelf', ['-sW', fx('libcounter.so')]))!;
    const off = parseInt(sym[1]!, 16) & ~0xfff;
    expect(m).not.toShareFrame(p1, p2, 'libcounter.so', off);
    expect(m.frameAt(p1, 'libcounter.so', off)).not.toBeNull();
    expect(m.frameAt(p2, 'libcounter.so', off)).not.toBeNull();
  });

  let data: Uint8Array;
  beforeAll(() => {
    data = readFileSync(fx('libdemo.so'));
  });

  it('a guest write to a shared private file page breaks COW in the writer only; the other keeps the file bytes', async () => {
    const m = await Machine.create();
    const [p1, p2] = [m.spawn(), m.spawn()];
    for (const p of [p1, p2]) p.load(fx('libdemo.so'));
    // Each process maps page 1 of the file privately and writably (as a data segment is), and reads it: one page-cache frame.
    const file = m.pageCache.open(fx('libdemo.so'));
    const [v1, v2] = [p1, p2].map((p) => p.space.mmap({ length: 4096, prot: PROT_READ | PROT_WRITE, file, offset: 0x1000 }));
    p1.space.read(v1!, 4);
    p2.space.read(v2!, 4);
    const before = p1.space.frameAt(v1!)!.frame;
    expect(p2.space.frameAt(v2!)!.frame).toBe(before);
    // p1's guest code writes 4 bytes there (libdemo's byte_copy).
    const out = p1.call('byte_copy', [v1!, Uint8Array.of(0xde, 0xad, 0xbe, 0xef), 4], { ret: 'void', trace: true });
    expect(out.events).toAccess({ kind: 'write', cow: true });
    const write = out.events.flatMap((e) => e.accesses).find((a) => a.kind === 'write' && a.cow)!;
    expect(write.cow!.from).toBe(before);
    expect(write.cow!.to).toBe(p1.space.frameAt(v1!)!.frame);
    expect(p1.space.frameAt(v1!)!.frame).not.toBe(before);
    expect(p2.space.frameAt(v2!)!.frame).toBe(before);
    // The writer sees its bytes; the other process still sees the file's (read with fs, not through picemu).
    expect([...p1.space.peek(v1!, 4)!]).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect([...p2.space.peek(v2!, 4096)!]).toEqual([...data.subarray(0x1000, 0x2000)]);
  });
});
