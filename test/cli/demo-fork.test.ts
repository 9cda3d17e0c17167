// `picemu demo --fork`: the counts and the page table it shows are the kernel's (test/helpers/c/fork_smaps.c:
// a native process that dlopens libcounter.so, counts 0, 1, forks, and each side counts on).
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runForkDemo } from '../../src/cli/demo-fork.ts';
import type { PageRow } from '../../src/process/page-table.ts';
import { buildCHelper, hasCc, repoRoot } from '../helpers/oracles.ts';

const LIB = `${repoRoot}/fixtures/libcounter.so`;

describe.skipIf(!hasCc())('picemu demo --fork', () => {
  it('counts as a native fork does, and shows the data page shared at the fork and private after the writes', async () => {
    const native = execFileSync(buildCHelper('fork_smaps', ['-ldl']), [LIB, 'really_really_nonreentrant', '2'], { encoding: 'utf8' });
    const run = await runForkDemo();
    // The calls: picemu's parent and child return what the native ones return, in the same order.
    const nativeResults = [...native.matchAll(/^result (\w+) (\d+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(nativeResults.length).toBe(4);
    expect([...run.before.map((r) => `parent ${r}`), `parent ${run.after[0]!.parent}`, `child ${run.after[0]!.child}`]).toEqual(nativeResults);
    // The rw-p pages (i lives there), one letter a page per process, as the kernel's pagemap says them: 'S' mapped by
    // both, 'P' only here, '.' absent. picemu's page table must say the same just after the fork and after the writes.
    const nativePages = (phase: string) => {
      const text = native.split(`phase ${phase}\n`)[1]!.split('phase ')[0]!;
      return [...text.matchAll(/vma \S+ \S+ rw-p\npages (\S+)/g)].map((m) => m[1]);
    };
    const picemuPages = (rows: PageRow[]) => [0, 1].map((n) =>
      rows.filter((r) => r.perms === 'rw-p').map((r) => (r.frames[n] === null ? '.' : r.frames.filter((f) => f === r.frames[n]).length > 1 ? 'S' : 'P')).join(''));
    expect(picemuPages(run.atFork)).toEqual(nativePages('fork'));
    expect(picemuPages(run.afterWrites)).toEqual(nativePages('child-call'));
    // What the demo prints is the page table's own verdict, which must agree with the letters.
    expect(run.atFork.filter((r) => r.perms === 'rw-p').map((r) => r.shared)).toEqual([...nativePages('fork')[0]!].map((c) => c === 'S'));
  });

  it('runs from the command line', () => {
    const out = spawnSync(process.execPath, [`${repoRoot}/bin/picemu.mjs`, 'demo', '--fork'], { cwd: repoRoot, encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/call 1: {2}p1 → 2 {4}p2 → 2/);
  });
});
