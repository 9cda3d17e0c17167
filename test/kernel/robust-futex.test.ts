// The robust futex list walked when a thread or process dies: test/kernel/c/robust_mutex.c has robust mutexes whose
// owner exits or is killed holding them (a thread, with and without a waiter; a process sharing the memory) and
// prints what the next lock returns (EOWNERDEAD) and what follows; the same natively and in picemu.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { runGuest } from '../helpers/guest.ts';

describe.skipIf(!hasCc())('robust futexes', () => {
  it('a lock whose owner died returns EOWNERDEAD, as natively', () => {
    const exe = buildCSource(join(repoRoot, 'test/kernel/c/robust_mutex.c'), ['-pthread']);
    const native = execFileSync(exe, { encoding: 'utf8' });
    expect(native.match(/EOWNERDEAD/g)?.length).toBe(4);
    const guest = runGuest(exe, [exe], { deadlineMs: 30_000 });
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
    expect(guest.stdout).toBe(native);
  }, 60_000);
});
