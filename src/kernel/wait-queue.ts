// A wait queue (the kernel's wait_queue_head): tasks blocked in a system call sleep on one; wake() makes them
// runnable again, and the scheduler calls their `resume` continuation.
import type { Task } from './task.ts';

export class WaitQueue {
  private readonly sleepers = new Set<Task>();

  add(task: Task): void {
    this.sleepers.add(task);
  }

  remove(task: Task): void {
    this.sleepers.delete(task);
  }

  /** Wakes every sleeper (they re-check their condition in `resume`, and may sleep again). */
  wake(): void {
    for (const t of [...this.sleepers]) t.wake();
    this.sleepers.clear();
  }

  /** Wakes at most `n` sleepers (futex wake), oldest first; returns how many. */
  wakeSome(n: number): number {
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
