// poll, ppoll, select, pselect6 and epoll over pipes and stdio: test/kernel/c/poll_probe.c (readiness, timeouts,
// a child's write waking a sleeper, EINTR from a signal, bad arguments' errnos, epoll's level/edge/one-shot order)
// prints the same natively and in picemu; python3's subprocess (pipes waited on with poll) prints as natively.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { runGuest } from '../helpers/guest.ts';

describe.skipIf(!hasCc())('poll, select and epoll', () => {
  it('report, wait and fail as natively', () => {
    const exe = buildCSource(join(repoRoot, 'test/kernel/c/poll_probe.c'));
    // stdin and stdout pipes (node's own stdio pipes are socket pairs, which poll reports otherwise).
    const native = execFileSync('sh', ['-c', `printf '\\n' | ${exe} | cat`], { encoding: 'utf8' });
    const guest = runGuest(exe, [exe], { stdin: '\n' });
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
    expect(guest.stdout).toBe(native);
  }, 120_000);
});
