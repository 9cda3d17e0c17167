// Real programs exec'ed in picemu print what they print natively (stdout bytes and exit status), and make the
// same system calls in the same order as `strace -f` shows for the native run. The system's own ld.so, libc and
// coreutils/binutils run on picemu's CPU. Differences allowed, and why: the vDSO's clock calls (picemu's vDSO
// data page sends high-resolution clocks to real system calls) and strace's own execve line.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasStrace, VDSO_CALLS } from '../helpers/oracles.ts';
import { libcProgramsBlockedBy } from './prerequisites.ts';
import { ENV, libc, nativeRun as native, PROGRAMS, picemuRun as picemu } from './programs.ts';

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
    const out = join(mkdtempSync(join(tmpdir(), 'picemu-strace-')), 'trace');
    execFileSync('strace', ['-f', '-qq', '-o', out, 'env', '-i', ...ENV, ...argv], { stdio: ['ignore', 'pipe', 'ignore'] }); // stdout a pipe, as picemu's buffer is
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => l.replace(/^\d+\s+/, ''));
    // From the program's own execve on (env's start-up comes before it).
    const start = lines.findIndex((l) => l.startsWith(`execve("${argv[0]}"`));
    const names = (ls: string[]) => ls.map((l) => l.replace(/^\[pid \d+\] /, '').match(/^(\w+)\(/)?.[1]).filter((n): n is string => !!n && !VDSO_CALLS.has(n));
    const want = names(lines.slice(start + 1));
    const traced: string[] = [];
    picemu(argv, '', traced);
    expect(names(traced)).toEqual(want);
  }, 180_000);
});
