// Real programs exec'ed in picemu print what they print natively (stdout bytes and exit status), and make the
// same system calls in the same order as `strace -f` shows for the native run. The system's own ld.so, libc and
// coreutils/binutils run on picemu's CPU. Differences allowed, and why: the vDSO's clock calls (picemu's vDSO
// data page sends high-resolution clocks to real system calls) and strace's own execve line.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine, Strace } from '../../src/index.ts';
import { repoRoot, requireOracle } from '../helpers/oracles.ts';
import { libcProgramsBlockedBy } from './prerequisites.ts';

const missing = libcProgramsBlockedBy();
if (missing) console.warn(`exec of real programs is skipped: ${missing}`);

const ENV = ['PATH=/usr/bin:/bin', 'LC_ALL=C.UTF-8', 'TZ=UTC'];
const libc = '/lib/x86_64-linux-gnu/libc.so.6';
const fixture = join(repoRoot, 'fixtures', 'libcounter.so');

/** argv; stdin when the program reads it. */
const programs: [string[], string?][] = [
  [['/bin/true']],
  [['/bin/false']],
  [['/bin/echo', 'hello', 'world']],
  [['/bin/cat', '/etc/passwd']],
  [['/usr/bin/head', '-3', '/etc/passwd']],
  [['/usr/bin/wc', '/etc/passwd']],
  [['/usr/bin/sort', '-r'], 'banana\napple\ncherry\n'],
  [['/usr/bin/seq', '3', '2', '11']],
  [['/usr/bin/printf', '%.3f %g %e\\n', '3.14159', '2.5', '1e-3']],
  [['/usr/bin/sha256sum', '/etc/passwd']],
  [['/usr/bin/base64', '/etc/hostname']],
  [['/bin/date', '-u', '-d', '@1000000000']],
  [['/usr/bin/readelf', '-lW', libc]],
  [['/usr/bin/readelf', '-e', libc]],
  [['/usr/bin/nm', '-D', fixture]],
  [['/usr/bin/objdump', '-d', fixture]],
  [['/bin/cat', '/nonexistent']],
];

function native(argv: string[], stdin?: string): { stdout: string; status: number } {
  try {
    return { stdout: execFileSync('env', ['-i', ...ENV, ...argv], { encoding: 'latin1', input: stdin ?? '', stdio: ['pipe', 'pipe', 'ignore'] }), status: 0 };
  } catch (e) {
    const err = e as { stdout: string; status: number };
    return { stdout: err.stdout, status: err.status };
  }
}

function picemu(argv: string[], stdin?: string, strace?: string[]): { stdout: string; status: number | string } {
  const m = new Machine();
  if (strace) m.kernel.tracer = new Strace((line) => strace.push(line));
  const s = m.exec(argv[0]!, { argv, env: ENV, stdio: { stdin: Buffer.from(stdin ?? '') } });
  if (typeof s === 'number') throw new Error(`exec ${argv[0]}: ${s}`);
  m.kernel.run({ budget: 2_000_000_000, deadlineMs: 120_000, until: () => s.task.group.exit !== undefined });
  const exit = s.task.group.exit;
  return { stdout: Buffer.from(s.stdout!.bytes).toString('latin1'), status: exit?.kind === 'exited' ? exit.code : JSON.stringify(exit) };
}

describe.skipIf(missing !== undefined)('exec of real programs equals the native run', () => {
  it.each(programs.map(([argv, stdin]) => [argv.join(' '), argv, stdin] as const))('%s', (_name, argv, stdin) => {
    const want = native(argv, stdin);
    const got = picemu(argv, stdin);
    expect(got.stdout).toBe(want.stdout);
    expect(got.status).toBe(want.status);
  }, 180_000);
});

const hasStrace = (): boolean => {
  let ok = false;
  try {
    execFileSync('strace', ['-o', '/dev/null', 'true']);
    ok = true;
  } catch {
    ok = false;
  }
  return requireOracle('strace (allowed to trace)', ok, 'apt-get install strace');
};

/** Calls the vDSO answers natively: picemu's vDSO sends them to the kernel. */
const VDSO_CALLS = new Set(['clock_gettime', 'gettimeofday', 'time', 'getcpu']);

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
