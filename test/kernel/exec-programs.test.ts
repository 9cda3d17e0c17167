// Real programs exec'ed in picemu print what they print natively (stdout bytes and exit status), and make the
// same system calls in the same order as `strace -f` shows for the native run. The system's own ld.so, libc and
// coreutils/binutils run on picemu's CPU. Differences allowed, and why: the vDSO's clock calls (picemu's vDSO
// data page sends high-resolution clocks to real system calls) and strace's own execve line.
import { describe, expect, it } from 'vitest';
import { hasStrace } from '../helpers/oracles.ts';
import { libcProgramsBlockedBy } from './prerequisites.ts';
import { libc, nativeRun as native, nativeStrace, PROGRAMS, picemuRun as picemu, syscallNames } from './programs.ts';

const missing = libcProgramsBlockedBy();
if (missing) console.warn(`exec of real programs is skipped: ${missing}`);

describe.skipIf(missing !== undefined)('exec of real programs equals the native run', () => {
  // The CI slice; scripts/exec-compare.ts runs every program of the list (nm -D alone takes ~30 s emulated).
  it.each(PROGRAMS.filter((p) => !p.long).map(({ argv, stdin }) => [argv.join(' '), argv, stdin] as const))('%s', (_name, argv, stdin) => {
    const want = native(argv, stdin);
    const got = picemu(argv, stdin);
    expect(got.stdout).toBe(want.stdout);
    expect(got.status).toBe(want.status);
  }, 180_000);
});

describe.skipIf(missing !== undefined || !hasStrace())('system calls by name and in order equal strace -f of the native run', () => {
  it.each([
    [['/bin/true']],
    [['/bin/echo', 'hi']],
    [['/bin/cat', '/etc/hostname']],
    [['/usr/bin/readelf', '-h', libc]],
  ])('%s', (argv) => {
    const want = syscallNames(nativeStrace(argv));
    const traced: string[] = [];
    picemu(argv, '', traced);
    expect(syscallNames(traced)).toEqual(want);
  }, 180_000);
});
