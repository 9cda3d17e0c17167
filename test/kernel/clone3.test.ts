// clone3 as programs use it (posix_spawn's CLONE_VM|CLONE_VFORK child on a stack given by address and size, a fork
// with CLONE_CLEAR_SIGHAND and its own exit_signal, pthread_create): test/kernel/c/clone3_probe.c prints the same
// natively and in picemu. (Its argument checks are in lifecycle-args.test.ts.)
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { runGuest } from '../helpers/guest.ts';

describe.skipIf(!hasCc())('clone3', () => {
  it('spawns, forks with CLONE_CLEAR_SIGHAND and makes threads as natively', () => {
    const probe = buildCSource(join(repoRoot, 'test/kernel/c/clone3_probe.c'), ['-pthread']);
    const native = execFileSync(probe, { encoding: 'utf8' });
    expect(native).toContain('status 3'); // the oracle: the child saw SIGUSR1 reset and SIGUSR2 still ignored
    const guest = runGuest(probe, [probe]);
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
    expect(guest.stdout).toBe(native);
  }, 60_000);
});
