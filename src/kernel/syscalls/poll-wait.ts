// The waiting shared by poll, ppoll, select, pselect6 and the epoll waits (do_poll's loop): look at every file; the
// call ends when something is ready, the timeout passed or a signal is pending, else the task sleeps on every
// wait queue the files named (a waiter on several queues at once) until one is woken or the deadline comes.
import { EFAULT, EINTR, EINVAL } from '../errno.ts';
import { hasDeliverable, restoreSavedMask, suspendWithMask } from '../signals/delivery.ts';
import { UNBLOCKABLE } from '../signals/constants.ts';
import type { SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import type { WaitQueue } from '../wait-queue.ts';
import { copyFromUser } from '../user-memory.ts';
import { ulong } from './helpers.ts';

/** What one look at the files found: how many are ready (the call's result), and where to wait when none is. */
export interface Scan {
  count: number;
  queues: readonly WaitQueue[];
  /** A file no queue can announce: look again after this many ms. */
  recheckMs?: number;
}

/**
 * Scans until something is ready or `deadlineMs` (a Date.now() time; undefined: no timeout; now or earlier: do not
 * wait) passes; `finish` turns the count (or an error from a scan) into the result. A pending signal ends the wait
 * with -EINTR (never restarted: signals/delivery.ts), leaving a mask the call installed for the handler's frame.
 */
export function waitForEvents(task: Task, scan: () => Scan | number, deadlineMs: number | undefined, finish: (result: number) => SyscallResult): SyscallResult {
  const attempt = (): SyscallResult => {
    const s = scan();
    if (typeof s === 'number') return done(s);
    if (s.count > 0) return done(s.count);
    if (deadlineMs !== undefined && Date.now() >= deadlineMs) return done(0);
    if (hasDeliverable(task)) return -EINTR;
    const recheck = s.recheckMs !== undefined ? Date.now() + s.recheckMs : undefined;
    const untilMs = deadlineMs === undefined ? recheck : recheck === undefined ? deadlineMs : Math.min(deadlineMs, recheck);
    return { kind: 'block', queue: s.queues, untilMs, resume: attempt };
  };
  const done = (result: number): SyscallResult => {
    restoreSavedMask(task);
    return finish(result);
  };
  return attempt();
}

/** A timeout as seconds and nanoseconds → the deadline; -EINVAL unless timespec64_valid (poll_select_set_timeout). */
export function deadlineOf(sec: bigint, nsec: bigint): number | { error: number } {
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return { error: -EINVAL };
  return Date.now() + Number(sec) * 1000 + Number(nsec) / 1e6;
}

/** A struct timespec at `va` (get_timespec64): [sec, nsec], or -EFAULT. */
export function readTimespec(task: Task, va: bigint): [bigint, bigint] | number {
  const b = copyFromUser(task.space, ulong(va), 16);
  if (b.length < 16) return -EFAULT;
  const v = new DataView(b.buffer, b.byteOffset, 16);
  return [v.getBigInt64(0, true), v.getBigInt64(8, true)];
}

/** set_user_sigmask: with a mask pointer, the call runs with that mask (sigsetsize must be 8); 0 or -errno. */
export function setUserSigmask(task: Task, maskVa: bigint, size: bigint): number {
  if (maskVa === 0n) return 0;
  if (size !== 8n) return -EINVAL;
  const b = copyFromUser(task.space, ulong(maskVa), 8);
  if (b.length < 8) return -EFAULT;
  suspendWithMask(task, new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) & ~UNBLOCKABLE);
  return 0;
}
