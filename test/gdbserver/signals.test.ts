// Signal-delivery stops under `picemu gdbserver --exec`, against Debian's gdbserver with the same gdb script:
// gdb stops when a signal is about to be delivered (kill's SIGUSR1, a fault's SIGSEGV), passes it on (`continue`),
// steps into its handler (`stepi`), drops it (`handle … nopass`) or never hears of it (`handle … nostop pass`,
// QPassSignals); the program's output and end are the native run's.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { hasGdb, hasGdbserver, section } from './gdb.ts';
import { nativeSession, picemuSession, type Session } from './program-sessions.ts';

const ready = hasGdb() && hasGdbserver() && hasCc();

/** Each scenario: the program's argument and gdb's commands after connecting. */
const SCENARIOS = {
  pass: ['usr1', [section('auxv'), 'info auxv', section('stop'), 'continue', 'bt', section('step'), 'stepi', 'p $pc', section('end'), 'continue']],
  nopass: ['usr1', ['handle SIGUSR1 stop print nopass', section('auxv'), 'info auxv', section('stop'), 'continue', section('end'), 'continue']],
  nostop: ['usr1', ['handle SIGUSR1 nostop noprint pass', section('auxv'), 'info auxv', section('end'), 'continue']],
  segv: ['segv', [section('auxv'), 'info auxv', section('stop'), 'continue', 'x/i $pc', section('maps'), 'info proc mappings', section('monitor'), 'monitor maps', section('end'), 'continue']],
} as const;

type Name = keyof typeof SCENARIOS;

describe.skipIf(!ready)('gdb: signal-delivery stops, picemu gdbserver --exec against native gdbserver', () => {
  const runs = new Map<Name, { mine: Session; stdout: string; theirs: Session }>();

  beforeAll(async () => {
    const program = buildCSource(join(repoRoot, 'test/gdbserver/c/signals.c'));
    // One scenario at a time (picemu's and the native session side by side): running them all at once saves
    // nothing on two cores and makes picemu's servers, which share this process, answer gdb late.
    for (const [name, [arg, script]] of Object.entries(SCENARIOS) as [Name, (typeof SCENARIOS)[Name]][]) {
      const [mine, theirs] = await Promise.all([picemuSession(program, [arg], [...script]), nativeSession(program, [arg], [...script])]);
      runs.set(name, { mine: mine.s, stdout: mine.stdout, theirs });
    }
  }, 240_000);

  const first = (s: Session, part: string, start: string) => s.rel(part).find((l) => l.startsWith(start));
  /** Function names of a backtrace, innermost first. */
  const frames = (s: Session, part: string) => s.rel(part).filter((l) => /^#\d/.test(l)).map((l) => /(?:in )?(\w+) \(/.exec(l.replace(/^#\d+\s+/, ''))?.[1]);

  it('SIGUSR1 from kill: gdb stops in kill, steps into the handler, and continuing delivers it', () => {
    const { mine, theirs, stdout } = runs.get('pass')!;
    expect(first(mine, 'stop', 'Program received')).toBe('Program received signal SIGUSR1, User defined signal 1.');
    expect(first(mine, 'stop', 'Program received')).toBe(first(theirs, 'stop', 'Program received'));
    expect(frames(mine, 'stop')).toEqual(frames(theirs, 'stop'));
    expect(frames(mine, 'stop').at(-1)).toBe('main');
    const pc = (s: Session) => s.rel('step').find((l) => l.startsWith('$ = '));
    expect(pc(mine)).toMatch(/<on_usr1>$/);
    expect(pc(mine)).toBe(pc(theirs));
    expect(first(mine, 'end', '[Inferior')).toBe('[Inferior 1 (process N) exited normally]');
    expect(first(mine, 'end', '[Inferior')).toBe(first(theirs, 'end', '[Inferior'));
    expect(stdout).toBe('handled 10\n');
    expect(theirs.raw).toContain('handled 10');
  });

  it('handle SIGUSR1 nopass: the stop happens, and continuing drops the signal', () => {
    const { mine, theirs, stdout } = runs.get('nopass')!;
    expect(first(mine, 'stop', 'Program received')).toBe(first(theirs, 'stop', 'Program received'));
    expect(first(mine, 'end', '[Inferior')).toBe(first(theirs, 'end', '[Inferior'));
    expect(stdout).toBe('handled 0\n');
    expect(theirs.raw).toContain('handled 0');
  });

  it('handle SIGUSR1 nostop pass (QPassSignals): no stop, the handler runs', () => {
    const { mine, theirs, stdout } = runs.get('nostop')!;
    expect(mine.rel('end').some((l) => l.startsWith('Program received'))).toBe(false);
    expect(first(mine, 'end', '[Inferior')).toBe('[Inferior 1 (process N) exited normally]');
    expect(first(mine, 'end', '[Inferior')).toBe(first(theirs, 'end', '[Inferior'));
    expect(stdout).toBe('handled 10\n');
  });

  it('SIGSEGV from a fault: stopped at the faulting instruction, then the program dies of it', () => {
    const { mine, theirs } = runs.get('segv')!;
    expect(first(mine, 'stop', 'Program received')).toBe('Program received signal SIGSEGV, Segmentation fault.');
    const insn = (s: Session) => first(s, 'stop', '=> ');
    expect(insn(mine)).toMatch(/<main\+\d+>:\s+movl\s+\$0x1,0x10$/);
    expect(insn(mine)).toBe(insn(theirs));
    // monitor maps (picemu's own view) is the /proc/PID/maps gdb's info proc mappings tabulates.
    const table = mine.parts.get('maps')!.map((l) => /^\s*0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+\S+\s+0x([0-9a-f]+)\s+(\S{4})/.exec(l)).filter(Boolean).map((m) => `${m![1]}-${m![2]} ${m![4]} ${m![3]!.padStart(8, '0')}`);
    const maps = mine.parts.get('monitor')!.filter((l) => /^[0-9a-f]+-/.test(l)).map((l) => l.split(/\s+/).slice(0, 3).join(' '));
    expect(maps.length).toBeGreaterThan(15);
    expect(maps).toEqual(table);
    expect(first(mine, 'end', 'Program terminated')).toBe('Program terminated with signal SIGSEGV, Segmentation fault.');
    expect(first(mine, 'end', 'Program terminated')).toBe(first(theirs, 'end', 'Program terminated'));
  });
});
