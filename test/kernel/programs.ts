// The programs exec is checked with, and how each is run natively (env -i, a fixed environment) and in picemu
// (buffered stdio): shared by test/kernel/exec-programs.test.ts and scripts/exec-compare.ts.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine, Strace } from '../../src/index.ts';
import { repoRoot, VDSO_CALLS } from '../helpers/oracles.ts';

export const ENV = ['PATH=/usr/bin:/bin', 'LC_ALL=C.UTF-8', 'TZ=UTC'];
export const libc = '/lib/x86_64-linux-gnu/libc.so.6';
export const fixture = join(repoRoot, 'fixtures', 'libcounter.so');

/** The programs compared with their native runs; `long` ones only in scripts/exec-compare.ts. */
export const PROGRAMS: { argv: string[]; stdin?: string; long?: boolean }[] = [
  { argv: ['/bin/true'] },
  { argv: ['/bin/false'] },
  { argv: ['/bin/echo', 'hello', 'world'] },
  { argv: ['/bin/cat', '/etc/passwd'] },
  { argv: ['/usr/bin/head', '-3', '/etc/passwd'] },
  { argv: ['/usr/bin/wc', '/etc/passwd'] },
  { argv: ['/usr/bin/sort', '-r'], stdin: 'banana\napple\ncherry\n' },
  { argv: ['/usr/bin/seq', '3', '2', '11'] },
  { argv: ['/usr/bin/printf', '%.3f %g %e\\n', '3.14159', '2.5', '1e-3'] },
  { argv: ['/usr/bin/sha256sum', '/etc/passwd'] },
  { argv: ['/usr/bin/base64', '/etc/hostname'] },
  { argv: ['/bin/date', '-u', '-d', '@1000000000'] },
  { argv: ['/usr/bin/readelf', '-lW', libc] },
  { argv: ['/usr/bin/readelf', '-e', libc] },
  { argv: ['/usr/bin/nm', '-D', fixture], long: true },
  { argv: ['/usr/bin/objdump', '-d', fixture] },
  { argv: ['/bin/cat', '/nonexistent'] },
  // Programs that once met missing system calls (statfs, clone3) or took minutes; the script runs them.
  { argv: ['/usr/bin/python3', '-c', 'import sys; print(1, sys.version_info[0])'], long: true },
  { argv: ['/usr/bin/perl', '-e', 'print join(",", map { $_ * 2 } 1..5), "\\n"'], long: true },
  { argv: ['/bin/ls', '-l', '/etc/hostname', '/etc/passwd'], long: true },
  { argv: ['/bin/df', '--output=source,fstype,target', '/', '/proc'], long: true },
  { argv: ['/usr/bin/stat', '-f', '-c', '%n %t %s %S %b %c %i %l', '/', '/proc'], long: true },
  { argv: ['/usr/bin/find', '/etc/ssl', '-maxdepth', '1', '-name', 'c*'], long: true },
  { argv: ['/bin/gzip', '-c', '/etc/passwd'], long: true },
  { argv: ['/bin/grep', '-r', '-c', 'root', '/etc/passwd', '/etc/group'], long: true },
  { argv: ['/usr/bin/sqlite3', ':memory:', 'select 6*7;'], long: true },
  // python's subprocess waits on its pipes with poll (after epoll_create1 for its selectors).
  { argv: ['/usr/bin/python3', '-c', 'import subprocess; print(subprocess.run(["echo","hi"], capture_output=True).stdout)'], long: true },
];

export function nativeRun(argv: string[], stdin?: string): { stdout: string; status: number } {
  try {
    return { stdout: execFileSync('env', ['-i', ...ENV, ...argv], { encoding: 'latin1', input: stdin ?? '', stdio: ['pipe', 'pipe', 'ignore'] }), status: 0 };
  } catch (e) {
    const err = e as { stdout: string; status: number };
    return { stdout: err.stdout, status: err.status };
  }
}

export function picemuRun(argv: string[], stdin?: string, strace?: string[]): { stdout: string; status: number | string } {
  const m = new Machine();
  if (strace) m.kernel.tracer = new Strace((line) => strace.push(line));
  const s = m.exec(argv[0]!, { argv, env: ENV, stdio: { stdin: Buffer.from(stdin ?? '') } });
  if (typeof s === 'number') throw new Error(`exec ${argv[0]}: ${s}`);
  m.kernel.run({ budget: 2_000_000_000, deadlineMs: 120_000, until: () => s.task.group.exit !== undefined });
  const exit = s.task.group.exit;
  return { stdout: Buffer.from(s.stdout!.bytes).toString('latin1'), status: exit?.kind === 'exited' ? exit.code : JSON.stringify(exit) };
}

/** The system-call names of strace lines (`[pid N] ` prefixes dropped), in order, without the vDSO's clock calls. */
export function syscallNames(lines: string[]): string[] {
  return lines.map((l) => l.replace(/^\[pid \d+\] /, '').match(/^(\w+)\(/)?.[1]).filter((n): n is string => !!n && !VDSO_CALLS.has(n));
}

/** `strace -f` of the native run, from the program's own execve on (env's start-up comes before it): the lines. */
export function nativeStrace(argv: string[]): string[] {
  const out = join(mkdtempSync(join(tmpdir(), 'picemu-strace-')), 'trace');
  execFileSync('strace', ['-f', '-qq', '-o', out, 'env', '-i', ...ENV, ...argv], { stdio: ['ignore', 'pipe', 'ignore'] }); // stdout a pipe, as picemu's buffer is
  const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => l.replace(/^\d+\s+/, ''));
  return lines.slice(lines.findIndex((l) => l.startsWith(`execve("${argv[0]}"`)) + 1);
}
