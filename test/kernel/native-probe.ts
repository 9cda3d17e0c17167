// The kernel tests' common check: a C probe from test/kernel/c/ prints the same natively and as a guest on picemu's
// kernel, and the guest exits 0.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runGuest } from '../helpers/guest.ts';
import { buildCSource, repoRoot } from '../helpers/oracles.ts';

/** Builds test/kernel/c/<name>.c, runs it natively and in picemu, expects the same stdout and exit 0; returns the native output. */
export function expectProbeAsNative(name: string): string {
  const exe = buildCSource(join(repoRoot, 'test/kernel/c', `${name}.c`));
  const native = execFileSync(exe, { encoding: 'utf8' });
  const guest = runGuest(exe, [exe]);
  expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
  expect(guest.stdout).toBe(native);
  return native;
}
