// Fork, vfork, exec and thread events under `picemu gdbserver --exec`, against Debian's gdbserver with the same
// gdb script on the same program (test/gdbserver/c/forks.c): `catch fork|vfork|exec`, `set detach-on-fork off`
// with `info inferiors` and `inferior N`, threads in `info threads`. gdb's lines are compared with process and
// thread ids written N (a native child's pid is whatever the host gives), and the program's output as well.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { hasGdb, hasGdbserver, section } from './gdb.ts';
import { nativeSession, picemuSession, type Session } from './program-sessions.ts';

const ready = hasGdb() && hasGdbserver() && hasCc();
const AUXV = [section('auxv'), 'info auxv'];

const SCENARIOS = {
  fork: ['fork', [...AUXV, section('catch'), 'catch fork', 'continue', section('end'), 'info inferiors', 'continue']],
  keep: ['fork', [...AUXV, 'set detach-on-fork off', 'set schedule-multiple on', section('child'), 'break in_child', 'continue', 'info inferiors', 'bt',
    section('switch'), 'inferior 1', section('end'), 'continue', 'info inferiors']],
  vfork: ['vfork', [...AUXV, section('catch'), 'catch vfork', 'continue', section('end'), 'continue']],
  exec: ['exec', [...AUXV, section('catch'), 'catch exec', 'continue', 'info inferiors', section('end'), 'continue']],
  thread: ['thread', [...AUXV, section('catch'), 'break worker', 'continue', 'info threads', section('end'), 'continue']],
} as const;

type Name = keyof typeof SCENARIOS;

/** gdb's own lines about events, inferiors, threads and frames, with ids written N and spacing collapsed. */
function events(s: Session, part: string): string[] {
  // `Thread P.T` after `[` or a space is a ptid; `Thread 2.1 hit…` at a line's start is gdb's own number.
  return s.rel(part)
    .map((l) => l.replace(/([[ ])Thread \d+\.\d+/g, '$1Thread N.N').replace(/\(remote [^)]*\)/g, 'REMOTE').replace(/\s+/g, ' ').trim())
    .filter((l) => /^(Catchpoint \d+ \(|\[New|\[Switching|\[Detaching|\[Inferior|Thread \d|process N is|\*? ?\d+ (process|<null>|Thread)|#\d)/.test(l));
}

describe.skipIf(!ready)('gdb: fork, vfork, exec and thread events, picemu gdbserver --exec against native gdbserver', () => {
  const runs = new Map<Name, { mine: Session; stdout: string; theirs: Session }>();

  beforeAll(async () => {
    const program = buildCSource(join(repoRoot, 'test/gdbserver/c/forks.c'), ['-pthread']);
    // One scenario at a time (picemu's and the native session side by side): running them all at once saves
    // nothing on two cores and makes picemu's servers, which share this process, answer gdb late.
    for (const [name, [arg, script]] of Object.entries(SCENARIOS) as [Name, (typeof SCENARIOS)[Name]][]) {
      const [mine, theirs] = await Promise.all([picemuSession(program, [arg], [...script]), nativeSession(program, [arg], [...script])]);
      runs.set(name, { mine: mine.s, stdout: mine.stdout, theirs });
    }
  }, 300_000);

  it('catch fork: stopped in the parent with the child\'s pid; then the child is detached and both finish', () => {
    const { mine, theirs, stdout } = runs.get('fork')!;
    expect(events(mine, 'catch')).toContain('Catchpoint 1 (forked process N), arch_fork (ctid=0x7ffff7dd2a10) at ../sysdeps/unix/sysv/linux/arch-fork.h:52');
    expect(events(mine, 'catch')).toEqual(events(theirs, 'catch'));
    expect(events(mine, 'end')).toEqual(events(theirs, 'end'));
    expect(events(mine, 'end')).toContain('[Detaching after fork from child process N]');
    // picemu numbers processes from 1: the child is the next pid.
    expect(mine.raw).toContain('(forked process 2)');
    expect(stdout).toBe('child\nparent: child exited with 7\n');
    expect(theirs.raw).toContain('parent: child exited with 7');
  });

  it('detach-on-fork off: the child is inferior 2, stops at its breakpoint, exits with its own code', () => {
    const { mine, theirs } = runs.get('keep')!;
    expect(events(mine, 'child')).toEqual(events(theirs, 'child'));
    expect(events(mine, 'child')).toContain('[New inferior 2 (process N)]');
    expect(events(mine, 'child').some((l) => /^\* 2 process N 1 REMOTE target:\S+\/forks-\w+$/.test(l))).toBe(true);
    expect(events(mine, 'child').find((l) => l.includes('hit Breakpoint'))).toMatch(/^Thread 2\.1 "forks-\w+" hit Breakpoint 1\.2, in_child \(\) at /);
    expect(events(mine, 'switch')[0]).toBe(events(theirs, 'switch')[0]);
    expect(events(mine, 'end')).toEqual(events(theirs, 'end'));
    expect(events(mine, 'end')).toContain('[Inferior 2 (process N) exited with code 07]');
  });

  it('catch vfork: stopped in __libc_vfork; the child execs true and the parent goes on', () => {
    const { mine, theirs, stdout } = runs.get('vfork')!;
    expect(events(mine, 'catch')).toEqual(events(theirs, 'catch'));
    expect(events(mine, 'catch').find((l) => l.includes('vforked'))).toMatch(/^Catchpoint 1 \(vforked process N\), __libc_vfork \(\)/);
    expect(events(mine, 'end')).toEqual(events(theirs, 'end'));
    expect(stdout).toBe('parent: true exited with 0\n');
  });

  it('catch exec: gdb follows the exec to true\'s first instruction and its exit', () => {
    const { mine, theirs } = runs.get('exec')!;
    expect(events(mine, 'catch')).toEqual(events(theirs, 'catch'));
    expect(events(mine, 'catch')).toContain('process N is executing new program: /usr/bin/true');
    expect(events(mine, 'end')).toEqual(['[Inferior 1 (process N) exited normally]']);
    expect(events(mine, 'end')).toEqual(events(theirs, 'end'));
  });

  it('a thread: reported as New Thread, listed by info threads with its name, stopped at its breakpoint', () => {
    const { mine, theirs, stdout } = runs.get('thread')!;
    // The main thread's frame depends on how far each scheduler let it run: only the rows' first columns compare.
    const rows = (s: Session) => events(s, 'catch').map((l) => (/^\d+ Thread/.test(l) ? l.split(' ').slice(0, 4).join(' ') : l));
    expect(rows(mine)).toEqual(rows(theirs));
    expect(rows(mine)).toContain('[New Thread N.N]');
    expect(events(mine, 'catch').find((l) => l.startsWith('* 2'))).toMatch(/^\* 2 Thread N\.N "forks-\w+" worker \(arg=\S+\) at /);
    expect(events(mine, 'end')).toEqual(events(theirs, 'end'));
    expect(stdout).toBe('worker running\njoined\n');
  });
});
