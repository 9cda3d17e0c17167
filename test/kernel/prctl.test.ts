// prctl, get_mempolicy and set_mempolicy: test/kernel/c/prctl_probe.c (the thread name in /proc/self/comm and task/TID/comm, the
// parent-death signal delivered to a grandchild, dumpable, no_new_privs and status NoNewPrivs, the bounding set,
// unknown options; the memory policy calls' modes, masks and checks on one node) prints the same natively and in picemu.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { runGuest } from '../helpers/guest.ts';

describe.skipIf(!hasCc())('prctl and get_mempolicy', () => {
  it('answer as natively', () => {
    const exe = buildCSource(join(repoRoot, 'test/kernel/c/prctl_probe.c'));
    const native = execFileSync(exe, { encoding: 'utf8' });
    const guest = runGuest(exe, [exe]);
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
    expect(guest.stdout).toBe(native);
  }, 60_000);
});
