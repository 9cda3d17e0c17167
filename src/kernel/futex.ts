// Futex wait queues (kernel/futex): a waiter sleeps on a key — the address space and address for a private
// futex or a private mapping, the physical frame and offset for a shared mapping — with a bitset; a wake
// wakes up to N waiters whose bitset matches, oldest first.
import type { AddressSpace } from '../mm/address-space.ts';
import type { Kernel } from './kernel.ts';
import type { Task } from './task.ts';

export interface Waiter {
  task: Task;
  key: string;
  bitset: number;
  woken: boolean;
  /** The continuation the task sleeps with: a task no longer sleeping with it (a signal ended the wait) is dropped. */
  resume?: unknown;
}

const waiters = new WeakMap<Kernel, Waiter[]>();
const spaceIds = new WeakMap<AddressSpace, number>();
let nextSpaceId = 1;

function listOf(kernel: Kernel): Waiter[] {
  let l = waiters.get(kernel);
  if (!l) waiters.set(kernel, (l = []));
  return l;
}

/** get_futex_key: private futexes (and private mappings) by address space and address, shared mappings by frame. */
export function futexKey(space: AddressSpace, va: number, isPrivate: boolean): string {
  if (!isPrivate && space.vmaAt(va)?.shared) {
    const frame = space.frameAt(va);
    if (frame) return `f${frame.frame}:${va % 4096}`;
  }
  let id = spaceIds.get(space);
  if (id === undefined) spaceIds.set(space, (id = nextSpaceId++));
  return `m${id}:${va}`;
}

/** Adds `task` as a waiter; the returned record says whether a wake reached it. */
export function futexEnqueue(task: Task, key: string, bitset: number): Waiter {
  const w: Waiter = { task, key, bitset, woken: false };
  listOf(task.kernel).push(w);
  return w;
}

/** Removes a waiter that stopped waiting (a timeout or a signal). */
export function futexDequeue(task: Task, w: Waiter): void {
  const l = listOf(task.kernel);
  const i = l.indexOf(w);
  if (i >= 0) l.splice(i, 1);
}

/** Wakes up to `n` waiters on `key` whose bitset meets `bitset`; returns how many. */
export function futexWake(kernel: Kernel, key: string, n: number, bitset = 0xffffffff): number {
  const l = listOf(kernel);
  let woken = 0;
  for (let i = 0; i < l.length && woken < n; ) {
    const w = l[i]!;
    if (w.task.state !== 'blocked' || w.task.blockedIn?.resume !== w.resume) {
      l.splice(i, 1); // stale: interrupted, or its thread is gone
      continue;
    }
    if (w.key === key && (w.bitset & bitset) !== 0) {
      l.splice(i, 1);
      w.woken = true;
      w.task.wake();
      woken++;
    } else i++;
  }
  return woken;
}

/** Moves up to `n` waiters from one key to another (FUTEX_REQUEUE); returns how many. */
export function futexRequeue(kernel: Kernel, from: string, to: string, n: number): number {
  let moved = 0;
  for (const w of listOf(kernel)) {
    if (moved >= n) break;
    if (w.key === from) {
      w.key = to;
      moved++;
    }
  }
  return moved;
}
