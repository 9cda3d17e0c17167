// madvise: test/kernel/c/madvise_probe.c (MADV_DONTNEED on private and shared anonymous and private file memory: the
// VMA kept, the pages gone from smaps and pagemap and read back as zero, shared or file bytes; the range checks and
// errnos) prints the same natively and in picemu.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { runGuest } from '../helpers/guest.ts';

describe.skipIf(!hasCc())('madvise', () => {
  it('zaps pages and keeps VMAs as natively', () => {
    const exe = buildCSource(join(repoRoot, 'test/kernel/c/madvise_probe.c'));
    const native = execFileSync(exe, { encoding: 'utf8' });
    const guest = runGuest(exe, [exe]);
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
    expect(guest.stdout).toBe(native);
  }, 60_000);
});
