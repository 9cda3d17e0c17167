// `picemu demo --fork`: the counts and the page table it shows are the kernel's (test/helpers/c/fork_smaps.c:
// a native process that dlopens libcounter.so, counts 0, 1, forks, and each side counts on).
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runForkDemo } from '../../src/cli/demo-fork.ts';
import { buildCHelper, hasCc, repoRoot } from '../helpers/oracles.ts';

const LIB = `${repoRoot}/fixtures/libcounter.so`;

describe.skipIf(!hasCc())('picemu demo --fork', () => {
  it('counts as a native fork does, and shows the data page shared at the fork and private after the writes', async () => {
    const native = execFileSync(buildCHelper('fork_smaps', ['-ldl']), [LIB, 'really_really_nonreentrant', '2'], { encoding: 'utf8' });
    const results = [...native.matchAll(/^result (\w+) (\d+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    // Native: the parent counts 0, 1; after the fork the parent gets 2, then the child gets 2.
    expect(results).toEqual(['parent 0', 'parent 1', 'parent 2', 'child 2']);
    const run = await runForkDemo();
    expect(run.before).toEqual(['0', '1']);
    expect(run.after[0]).toEqual({ parent: '2', child: '2' });
    // The rw-p page holding i: one frame at the fork ('S' natively, in both), a frame each after the writes ('P').
    const dataPages = (phase: string) => [...native.split(`phase ${phase}\n`)[1]!.split('phase ')[0]!.matchAll(/vma \S+ \S+ rw-p\npages (\S+)/g)].map((m) => m[1]);
    expect(dataPages('fork')).toEqual(['S', 'S']);
    expect(dataPages('child-call')).toEqual(['P', 'P']);
    const row = (rows: typeof run.atFork) => rows.find((r) => r.perms === 'rw-p')!;
    expect(row(run.atFork).shared).toBe(true);
    expect(row(run.afterWrites).shared).toBe(false);
    expect(row(run.afterWrites).frames.every((f) => f !== null)).toBe(true);
  });

  it('runs from the command line', () => {
    const out = spawnSync(process.execPath, [`${repoRoot}/bin/picemu.mjs`, 'demo', '--fork'], { cwd: repoRoot, encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/call 1: {2}p1 → 2 {4}p2 → 2/);
  });
});
