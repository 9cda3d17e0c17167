// The vDSO picemu maps is the host kernel's own image, with a data page that sends high-resolution clocks to real
// system calls and keeps the coarse ones (and time()) current. A program's clocks read through it give the
// host's time; the trace shows the vDSO at work: time() and the coarse clock make no system call, the
// high-resolution ones come back as clock_gettime/gettimeofday calls made from inside [vdso].
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine, Strace } from '../../src/index.ts';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { libcProgramsBlockedBy } from './prerequisites.ts';

const missing = libcProgramsBlockedBy();

describe.skipIf(missing !== undefined || !hasCc())('clocks through the vDSO', () => {
  it('time(), CLOCK_REALTIME(_COARSE) and gettimeofday give the host\'s time; nanosleep sleeps; time() and the coarse clock make no system call', () => {
    const exe = buildCSource(join(repoRoot, 'test', 'kernel', 'c', 'vdso_clock.c'));
    const m = new Machine();
    const trace: string[] = [];
    m.kernel.tracer = new Strace((l) => trace.push(l));
    const s = m.exec(exe, { argv: [exe], env: [], stdio: {} });
    if (typeof s === 'number') throw new Error(`exec: ${s}`);
    const before = Date.now() / 1000;
    m.kernel.run({ deadlineMs: 60_000, until: () => s.task.group.exit !== undefined });
    const after = Date.now() / 1000;
    expect(s.task.group.exit).toEqual({ kind: 'exited', code: 0 });
    const [time, real, coarse, tod, slept] = Buffer.from(s.stdout!.bytes).toString().trim().split('\n').map(Number);
    for (const v of [time!, real!, coarse!, tod!]) {
      expect(v).toBeGreaterThanOrEqual(Math.floor(before) - 1);
      expect(v).toBeLessThanOrEqual(after + 1);
    }
    expect(slept).toBeGreaterThanOrEqual(20_000);
    const names = trace.map((l) => l.match(/^(\w+)\(/)?.[1]);
    expect(names).not.toContain('time');
    // REALTIME, the two MONOTONIC reads: from the vDSO's fallback; gettimeofday too. The coarse read: none.
    expect(names.filter((n) => n === 'clock_gettime')).toHaveLength(3);
    expect(names.filter((n) => n === 'gettimeofday')).toHaveLength(1);
    const vdso = s.task.mm.vdso;
    expect(vdso).toBeGreaterThan(0);
  }, 120_000);
});
