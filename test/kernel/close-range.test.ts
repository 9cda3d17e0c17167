// close_range over open descriptors (closing, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE in a vfork child):
// test/kernel/c/close_range_probe.c prints the same natively and in picemu. (Argument checks: syscall-args.test.ts.)
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { runGuest } from '../helpers/guest.ts';

describe.skipIf(!hasCc())('close_range', () => {
  it('closes and marks descriptors as natively', () => {
    const exe = buildCSource(join(repoRoot, 'test/kernel/c/close_range_probe.c'));
    const native = execFileSync(exe, { encoding: 'utf8' });
    const guest = runGuest(exe, [exe]);
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
    expect(guest.stdout).toBe(native);
  }, 60_000);
});
