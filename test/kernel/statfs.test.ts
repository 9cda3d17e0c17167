// statfs and fstatfs give what the host's kernel gives: a native C helper (test/kernel/c/statfs_probe.c) prints
// every field that does not move while it runs, for paths on several file systems, an opened file, a pipe and bad
// arguments, natively and in picemu; and df and stat -f (which also read /proc/self/mountinfo) print what they
// print natively.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { runGuest } from '../helpers/guest.ts';

const PATHS = ['/', '.', '/proc', '/proc/self/status', '/sys', '/dev/shm', '/etc/hostname', '/nonexistent', ''].filter((p) => p === '/nonexistent' || p === '' || existsSync(p));

describe.skipIf(!hasCc())('statfs and fstatfs', () => {
  it('print what the native run prints, file system by file system', () => {
    const probe = buildCSource(join(repoRoot, 'test/kernel/c/statfs_probe.c'));
    const native = execFileSync(probe, PATHS, { encoding: 'utf8' });
    const guest = runGuest(probe, [probe, ...PATHS]);
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
    expect(guest.stdout).toBe(native);
  }, 60_000);
});

describe('df and stat -f', () => {
  it.each([
    [['/bin/df', '--output=source,fstype,itotal,size,target', '/', '/proc', '/dev/shm'].filter((a) => a !== '/dev/shm' || existsSync(a))],
    [['/usr/bin/stat', '-f', '-c', '%n %t %T %s %S %b %c %i %l', '/', '/proc', '/sys']],
  ])('%s', (argv) => {
    const native = execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    const guest = runGuest(argv[0]!, argv);
    expect(guest.stderr).toBe('');
    expect(guest.stdout).toBe(native);
  }, 60_000);
});
