// A wait queue (the kernel's wait_queue_head): tasks blocked in a system call sleep on one or several (poll,
// select and epoll wait on every file's queues at once, as poll_wait adds a poll_table entry per queue). A wake on
// any of them makes the task runnable and takes it off all of them; the scheduler then calls its `resume`
// continuation, which re-checks its condition and may sleep again.
import type { Task } from './task.ts';

/** The queues each sleeping task is on, so a wake from one removes it from the others. */
const sleepingOn = new WeakMap<Task, Set<WaitQueue>>();
/** Counts wakes of every queue, so the order in which queues were woken can be told (epoll's ready list). */
let wakeSequence = 0;

export class WaitQueue {
  private readonly sleepers = new Set<Task>();
  /** How many times wake() was called: epoll's edge-triggered items report again after each (ep_poll_callback). */
  wakeups = 0;
  /** The sequence number of the last wake (-1: never woken). */
  lastWakeSeq = -1;

  add(task: Task): void {
    this.sleepers.add(task);
    let queues = sleepingOn.get(task);
    if (!queues) sleepingOn.set(task, (queues = new Set()));
    queues.add(this);
  }

  remove(task: Task): void {
    this.sleepers.delete(task);
    sleepingOn.get(task)?.delete(this);
  }

  /** Wakes every sleeper (they re-check their condition in `resume`, and may sleep again). */
  wake(): void {
    this.wakeups++;
    this.lastWakeSeq = wakeSequence++;
    for (const t of [...this.sleepers]) t.wake();
    this.sleepers.clear();
  }

  /** Wakes at most `n` sleepers (futex wake), oldest first; returns how many. */
  wakeSome(n: number): number {
    this.wakeups++;
    this.lastWakeSeq = wakeSequence++;
    let woken = 0;
    for (const t of [...this.sleepers]) {
      if (woken >= n) break;
      this.sleepers.delete(t);
      t.wake();
      woken++;
    }
    return woken;
  }

  get size(): number {
    return this.sleepers.size;
  }
}

/** Puts `task` to sleep on every queue of `queues` (each once). */
export function sleepOn(task: Task, queues: Iterable<WaitQueue>): void {
  for (const q of queues) q.add(task);
}

/** Takes `task` off every queue it sleeps on (it was woken, by one of them, a deadline or a signal). */
export function leaveQueues(task: Task): void {
  const queues = sleepingOn.get(task);
  if (!queues) return;
  for (const q of [...queues]) q.remove(task);
}
