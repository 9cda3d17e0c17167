// getxattr/lgetxattr/fgetxattr and listxattr: test/kernel/c/xattr_probe.c (every attribute namespace on files of
// each file system type here, a pipe, bad names and paths) prints the same natively and in picemu.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { runGuest } from '../helpers/guest.ts';

describe.skipIf(!hasCc())('extended attributes', () => {
  it('are reported per file system as natively', () => {
    const exe = buildCSource(join(repoRoot, 'test/kernel/c/xattr_probe.c'));
    const native = execFileSync(exe, { encoding: 'utf8' });
    const guest = runGuest(exe, [exe]);
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
    expect(guest.stdout).toBe(native);
  }, 60_000);
});
