// exit and exit_group. A thread's clear_child_tid word is zeroed as it goes (the futex wake that goes with it
// belongs to futex's wait queues: futexWakeHook).
import { defineSyscalls } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { int } from './helpers.ts';
import { putUser } from './helpers.ts';

/** Set by the futex implementation: wakes one waiter on the word at `addr` in the task's address space. */
export const exitHooks: { futexWake?: (task: Task, addr: number) => void } = {};

/** mm_release: clear_child_tid gets 0 and one futex waiter on it is woken (pthread_join waits there). */
export function releaseChildTid(task: Task): void {
  if (!task.clearChildTid) return;
  if (putUser(task, task.clearChildTid, new Uint8Array(4)) === 0) exitHooks.futexWake?.(task, task.clearChildTid);
  task.clearChildTid = 0;
}

defineSyscalls([
  {
    nr: 60, name: 'exit', args: ['int'], result: 'none',
    handler: (t, a) => {
      releaseChildTid(t);
      return { kind: 'exit', status: int(a[0]), group: false };
    },
  },
  {
    nr: 231, name: 'exit_group', args: ['int'], result: 'none',
    handler: (t, a) => {
      releaseChildTid(t);
      return { kind: 'exit', status: int(a[0]), group: true };
    },
  },
]);
