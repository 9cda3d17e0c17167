// The REPL on a pipe shows the moment copy-on-write breaks: both processes read an element of
// fixtures/libcowdata.so's .data array (one shared frame in `pages`), then p1 steps through cow_set and the
// step's write line says `COW break: frame A -> B`, A the shared frame and B the frame `pages` then shows for
// p1; with `trace on`, p2's first write shows `COW A->C` and a second write in p1 none. Oracles: readelf and
// the file's bytes (cowTarget: where the element is and its value).
import { describe, expect, it } from 'vitest';
import { cowTarget } from '../helpers/cowdata.ts';
import { hasReadelf } from '../helpers/oracles.ts';
import { hex, pageRows, pipedRepl } from './drive.ts';

const LIB = 'fixtures/libcowdata.so';

describe.runIf(hasReadelf())('picemu repl: a COW break, step by step', () => {
  const t = cowTarget();
  const K = String(t.k);
  const r = pipedRepl([LIB], [
    'p 2', `call cow_get ${K}`, 'c',
    'p 1', `call cow_get ${K}`, 'c', 'pages',
    `call cow_set ${K} 7`, 'si 4', 'c',
    'trace on', `call cow_set ${K} 8`, 'c',
    'p 2', `call cow_set ${K} 9`, 'c',
    'trace off', 'pages',
  ]);
  const pagesAt = (n: number) => pageRows(r.stdout.split('module ').slice(1)[n]!.split('\n'), 'libcowdata.so').find((row) => row.offset === t.page)!;

  it('runs cleanly; both read the file value, the writers get the old values back', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.lines.filter((l) => l.startsWith('returned '))).toEqual([t.original, t.original, t.original, 7, t.original].map((v) => `returned ${v}`));
  });

  it('after the reads the page is one frame in both, marked shared', () => {
    const row = pagesAt(0);
    expect(row.perms).toBe('rw-p');
    expect(row.shared).toBe(true);
    expect(row.frames[0]).toBe(row.frames[1]);
  });

  it("the stepped write shows the COW break from the shared frame to p1's new one", () => {
    const shared = pagesAt(0).frames[0]!;
    const last = pagesAt(1);
    expect(last.shared).toBe(false);
    const [own1, own2] = last.frames;
    // si's write (before trace on), then the two traced ones print the same way.
    const write = r.lines.filter((l) => /^\s+write 4 @ /.test(l));
    expect(write).toHaveLength(3);
    expect(write[0]).toContain(`libcowdata.so+${hex(t.page + 0x770)}`);
    expect(write[0]).toMatch(new RegExp(`\\[\\.data, frame ${own1}, private\\]  COW break: frame ${shared} -> ${own1}$`));
    // trace on: p1's second write breaks nothing; p2's first write copies the same shared frame.
    const traced = write.slice(1);
    expect(traced[0]).toMatch(new RegExp(`\\[\\.data, frame ${own1}, private\\]$`));
    expect(traced[1]).toMatch(new RegExp(`\\[\\.data, frame ${own2}, private\\]  COW break: frame ${shared} -> ${own2}$`));
    expect(new Set([shared, own1, own2]).size).toBe(3);
  });
});
