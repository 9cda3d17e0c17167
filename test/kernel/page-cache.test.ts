// exec maps the program through the page cache: a second process exec'ing the same program reads no file page
// again (its pages are the first process's frames), as two native processes of one program share their text.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/index.ts';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';

describe.skipIf(!hasCc())('exec through the page cache', () => {
  it('the second exec of a program reads no page from the file; its code page is the first one\'s frame', () => {
    const exe = buildCSource(join(repoRoot, 'test', 'kernel', 'c', 'exec_probe.c'), ['-nostdlib', '-static-pie', '-fPIE']);
    const m = new Machine();
    const run = () => {
      const s = m.exec(exe, { argv: [exe], env: [], stdio: {} });
      if (typeof s === 'number') throw new Error(`exec: ${s}`);
      // Stop before it exits (its pages stay mapped for the comparison): 100 instructions each, in round-robin slices.
      m.kernel.run({ budget: 100 * m.kernel.liveTasks().length, slice: 100 });
      return s.task;
    };
    const first = run();
    const readAfterFirst = m.pageCache.pagesRead;
    expect(readAfterFirst).toBeGreaterThan(0);
    const second = run();
    expect(m.pageCache.pagesRead).toBe(readAfterFirst);
    const entry = Number(first.mm.auxv.find(([type]) => type === 9n)![1]); // AT_ENTRY: its page was fetched in both
    expect(first.space.frameAt(entry)).not.toBeNull();
    expect(second.space.frameAt(entry)?.frame).toBe(first.space.frameAt(entry)?.frame);
  });
});
