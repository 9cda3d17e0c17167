// Processes against the kernel: programs that fork, exec, wait and signal their children, run natively and
// exec'ed in picemu, print the same — a shell running a builtin and an external command; a pipeline whose
// writer gets SIGPIPE; a family of processes
// (copy-on-write memory, a child's fault killing only it, wait4/waitid statuses, SIGCHLD, vfork + exec,
// posix_spawn, orphans); a fork bomb stopped by RLIMIT_NPROC; and a program that forks after dlopen and reads
// its own and its child's /proc/PID/smaps and pagemap.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildCHelper, hasCc, repoRoot, requireOracle } from '../helpers/oracles.ts';
import { GUEST_ENV, runGuest } from '../helpers/guest.ts';

const env = Object.fromEntries(GUEST_ENV.map((e) => e.split('=') as [string, string]));
const native = (exe: string, args: string[]) => spawnSync(exe, args, { encoding: 'utf8', env });

describe('processes: fork, exec, wait', () => {
  it('sh -c \'echo hi; /bin/echo there\' (a builtin, then fork + exec + wait)', () => {
    const args = ['-c', 'echo hi; /bin/echo there; exit 3'];
    const n = native('/bin/sh', args);
    const g = runGuest('/bin/sh', ['sh', ...args]);
    expect(g.stdout).toBe(n.stdout);
    expect(g.stderr).toBe(n.stderr);
    expect(g.exit).toEqual({ kind: 'exited', code: n.status });
  });

  it('a pipeline whose reader exits first: the writer dies of SIGPIPE (sh -c \'yes | head -n 2\')', () => {
    const args = ['-c', 'yes | head -n 2; echo status $?'];
    const n = native('/bin/sh', args);
    const g = runGuest('/bin/sh', ['sh', ...args]);
    expect(g.stdout).toBe(n.stdout);
    expect(g.stderr).toBe(n.stderr);
    expect(g.exit).toEqual({ kind: 'exited', code: n.status });
  });

  describe.skipIf(!hasCc())('C programs', () => {
    it('a family of processes: memory, faults, statuses, SIGCHLD, vfork, posix_spawn, orphans', () => {
      const exe = buildCHelper('fork_family');
      const n = native(exe, []);
      const g = runGuest(exe, ['fork_family']);
      expect(g.stdout).toBe(n.stdout);
      expect(g.exit).toEqual({ kind: 'exited', code: 0 });
    });

    it('a fork bomb stops at RLIMIT_NPROC with EAGAIN', () => {
      const exe = buildCHelper('fork_bomb');
      // The kernel does not hold root to RLIMIT_NPROC: the native run is an unprivileged user's.
      const setpriv = requireOracle('setpriv', spawnSync('setpriv', ['--version']).status === 0, 'apt-get install util-linux');
      const expected = setpriv
        ? execFileSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', exe, '12'], { encoding: 'utf8' })
        : 'made 11 children, then fork failed: EAGAIN; reaped 11\n';
      expect(expected).toBe('made 11 children, then fork failed: EAGAIN; reaped 11\n');
      const g = runGuest(exe, ['fork_bomb', '12']);
      expect(g.stdout).toBe(expected);
    });

    it('forks after dlopen and reads its own and its child\'s smaps and pagemap: the kernel\'s figures', () => {
      const exe = buildCHelper('fork_smaps', ['-ldl']);
      const args = [`${repoRoot}/fixtures/libcounter.so`, 'really_really_nonreentrant', '2'];
      // ProtectionKey is printed only where the CPU has protection keys: this host's does not say (the mm views print it).
      const comparable = (s: string) => s.split('\n').filter((l) => !l.startsWith('ProtectionKey:')).join('\n');
      const n = execFileSync(exe, args, { encoding: 'utf8' });
      const g = runGuest(exe, ['fork_smaps', ...args]);
      expect(g.stderr).toBe('');
      expect(comparable(g.stdout)).toBe(comparable(n));
    });
  });
});
