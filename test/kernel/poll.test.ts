// poll, ppoll, select, pselect6 and epoll over pipes and stdio: test/kernel/c/poll_probe.c (readiness, timeouts,
// a child's write waking a sleeper, EINTR from a signal, bad arguments' errnos, epoll's level/edge/one-shot order)
// prints the same natively and in picemu — with picemu's buffered stdio, and through `picemu exec` with the host's
// own pipes as stdin and stdout.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { runGuest } from '../helpers/guest.ts';

/** stdin a pipe holding one line whose writer has closed (the sleep makes sure), stdout a pipe: as `cmd` sees them. */
const throughPipes = (cmd: string): string =>
  execFileSync('sh', ['-c', `printf '\\n' | { sleep 0.3; exec ${cmd}; } | cat`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

describe.skipIf(!hasCc())('poll, select and epoll', () => {
  const probe = () => buildCSource(join(repoRoot, 'test/kernel/c/poll_probe.c'));

  it('report, wait and fail as natively', () => {
    const exe = probe();
    // (node's own stdio pipes are socket pairs, which poll reports otherwise: the native run gets real pipes.)
    const native = throughPipes(exe);
    const guest = runGuest(exe, [exe], { stdin: '\n' });
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
    expect(guest.stdout).toBe(native);
  }, 120_000);

  it('see the host\'s pipes as stdin and stdout through picemu exec', () => {
    const exe = probe();
    const cli = `${process.execPath} ${join(repoRoot, 'bin', 'picemu.mjs')} exec`;
    expect(throughPipes(`${cli} ${exe}`)).toBe(throughPipes(exe));
  }, 120_000);
});
