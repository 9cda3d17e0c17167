// Job control against the kernel: test/kernel/c/job_control.c stops and continues a child (SIGSTOP, SIGCONT),
// collects each transition with wait4 (WUNTRACED, WCONTINUED, WNOHANG) and waitid (WSTOPPED, WCONTINUED), checks
// that a stopped child does not run and shows as T in /proc, kills it while stopped, and prints what its SIGCHLD
// handler saw: the same natively and in picemu.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { runGuest } from '../helpers/guest.ts';

describe.skipIf(!hasCc())('job control', () => {
  it('stops, continues and kills a child as natively', () => {
    const exe = buildCSource(join(repoRoot, 'test/kernel/c/job_control.c'));
    const native = execFileSync(exe, { encoding: 'utf8' });
    const guest = runGuest(exe, [exe]);
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
    expect(guest.stdout).toBe(native);
  }, 60_000);
});
