// `picemu run fixtures/libcowdata.so cow_set K 7 --procs 2 --calls 2 --trace --json`: the JSON trace shows the
// write that breaks copy-on-write. Each process reads the element, then writes it; the read lands on the
// page cache's frame for that file page (one frame, whichever process reads it), and the first write moves
// the page to the frame the `pages` table then shows for that process; the second call's write breaks
// nothing. Oracles: readelf and the file's bytes (where the element is, its value), native calls (results).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cowTarget } from '../helpers/cowdata.ts';
import { nativeCall } from '../helpers/native.ts';
import { hasCc, hasReadelf, repoRoot } from '../helpers/oracles.ts';

interface Access { kind: string; offset: string | null; module: string | null; frame: number; shared: boolean; cow: { from: number; to: number } | null }
interface JsonDoc {
  processes: { pid: number; results: string[]; trace: { call: number; accesses: Access[] }[] }[];
  pages: { module: string; offset: string; perms: string; frames: (number | null)[]; shared: boolean }[];
}

const hex = (n: number): string => '0x' + n.toString(16);

describe.skipIf(!hasReadelf() || !hasCc())('run --trace --json: the COW break of a write', () => {
  const t = cowTarget();
  const V = 7;
  const r = spawnSync(process.execPath, [`${repoRoot}/bin/picemu.mjs`, 'run', 'fixtures/libcowdata.so', 'cow_set', String(t.k), String(V), '--procs', '2', '--calls', '2', '--trace', '--json'], { cwd: repoRoot, encoding: 'utf8' });

  it('exits 0 and returns what native calls return', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as JsonDoc;
    const native = nativeCall(`${repoRoot}/fixtures/libcowdata.so`, 'cow_set', [t.k, V], { calls: 2 });
    expect(native).toEqual([String(t.original), String(V)]);
    for (const p of doc.processes) expect(p.results).toEqual(native);
  });

  it("reports cow {from: the page-cache frame, to: the frame the pages table shows}, then null", () => {
    const doc = JSON.parse(r.stdout) as JsonDoc;
    const row = doc.pages.find((p) => p.module === 'libcowdata.so' && p.offset === hex(t.page))!;
    expect(row.perms).toBe('rw-p');
    expect(row.shared).toBe(false);
    const onPage = (a: Access): boolean => a.module === 'libcowdata.so' && a.offset === hex(t.page + 0x770);
    const fromFrames: number[] = [];
    doc.processes.forEach((p, n) => {
      const [first, second] = [0, 1].map((call) => p.trace.filter((s) => s.call === call).flatMap((s) => s.accesses).filter(onPage));
      // Call 1: read (the page-cache frame), then the write that breaks COW onto this process's own frame.
      expect(first!.map((a) => a.kind)).toEqual(['read', 'write']);
      const [read, write] = first!;
      expect(write!.cow).toEqual({ from: read!.frame, to: row.frames[n] });
      expect(write!.frame).toBe(row.frames[n]);
      expect(write!.shared).toBe(false);
      fromFrames.push(read!.frame);
      // Call 2: both on the private frame; no break.
      expect(second!.map((a) => [a.kind, a.frame, a.cow])).toEqual([['read', row.frames[n], null], ['write', row.frames[n], null]]);
    });
    // One file page, one page-cache frame: both processes copied from it, each to a frame of its own.
    expect(fromFrames[0]).toBe(fromFrames[1]);
    expect(row.frames[0]).not.toBe(row.frames[1]);
    expect(row.frames).not.toContain(fromFrames[0]);
  });
});
