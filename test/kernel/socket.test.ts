// AF_UNIX sockets: test/kernel/c/socket_probe.c (creation and its checks, connect to a missing path, a non-socket,
// the abstract namespace, bad addresses; I/O and poll unconnected) prints the same natively and in picemu; `ls -l`
// and `id`, which look for nscd's socket, make the same system calls in the same order as `strace -f` shows natively,
// and `--strace` prints their socket, connect and xattr lines as strace does.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCSource, hasCc, hasStrace, repoRoot } from '../helpers/oracles.ts';
import { runGuest } from '../helpers/guest.ts';
import { nativeStrace, picemuRun, syscallNames } from './programs.ts';

describe.skipIf(!hasCc())('AF_UNIX sockets', () => {
  it('are created, refused and fail as natively', () => {
    const exe = buildCSource(join(repoRoot, 'test/kernel/c/socket_probe.c'));
    const native = execFileSync('sh', ['-c', `${exe} < /dev/null | cat`], { encoding: 'utf8' });
    const guest = runGuest(exe, [exe]);
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
    expect(guest.stdout).toBe(native);
  }, 60_000);
});

describe.skipIf(!hasStrace())('programs that look for nscd make the native system calls in order', () => {
  it.each([[['/bin/ls', '-l', '/etc/hostname']], [['/usr/bin/id']]])('%s', (argv) => {
    const want = nativeStrace(argv);
    const traced: string[] = [];
    picemuRun(argv, '', traced);
    expect(syscallNames(traced)).toEqual(syscallNames(want));
    // nscd is not running (socket, connect = ENOENT, close) and the file has no extended attributes, as natively:
    // the lines equal strace's, addresses aside.
    const lines = (ls: string[]) => ls.filter((l) => /^(socket|connect|l?getxattr)\(/.test(l)).map((l) => l.replace(/0x[0-9a-f]+/g, 'ADDR').replace(/\s+=/, ' ='));
    expect(lines(want).length).toBeGreaterThan(0);
    expect(lines(traced)).toEqual(lines(want));
  }, 180_000);
});
