// Threads against native execution: test/helpers/c/pthread_sync.c (pthread_create/join, a mutex, a condition
// variable, TLS, pthread_once, a barrier) prints the same exec'ed in picemu as natively — with the scheduler's
// usual slices and with slices so short that the threads contend for the mutex and sleep in futex waits — and
// the same slices give the same interleaving, system call for system call.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildCHelper, hasCc } from '../helpers/oracles.ts';
import { GUEST_ENV, runGuest } from '../helpers/guest.ts';

const FUTEX = 202, FUTEX_WAIT = 0;

describe.skipIf(!hasCc())('threads: pthreads on clone and futex', () => {
  it('a pthread program prints what it prints natively, however short the slices', () => {
    const exe = buildCHelper('pthread_sync', ['-pthread']);
    const native = spawnSync(exe, [], { encoding: 'utf8', env: Object.fromEntries(GUEST_ENV.map((e) => e.split('=') as [string, string])) });
    expect(native.status).toBe(0);
    const calls = (slice?: number) => {
      const seen: string[] = [];
      const run = runGuest(exe, ['pthread_sync'], { slice, tracer: { enter: (t, nr, a) => void seen.push(`${t.tid}:${nr}:${nr === FUTEX ? Number(a[1]) & 127 : ''}`), exit: () => {} } });
      expect(run.stdout).toBe(native.stdout);
      expect(run.exit).toEqual({ kind: 'exited', code: 0 });
      return seen;
    };
    calls();
    const short = calls(37);
    // The threads really contended: waits on futexes, by several threads.
    const waits = short.filter((c) => c.endsWith(`:${FUTEX}:${FUTEX_WAIT}`));
    expect(waits.length).toBeGreaterThan(100);
    expect(new Set(waits.map((c) => c.split(':')[0])).size).toBeGreaterThan(2);
    // Deterministic: the same slices, the same order of system calls and threads.
    expect(calls(37)).toEqual(short);
  }, 60_000);
});
