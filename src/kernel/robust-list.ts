// The robust futex list walked when a thread exits or execs (kernel/futex/core.c exit_robust_list and
// handle_futex_death): every lock the thread still owns gets FUTEX_OWNER_DIED and one waiter is woken, so the
// next pthread_mutex_lock of a robust mutex returns EOWNERDEAD instead of waiting forever.
import { futexKey, futexWake } from './futex.ts';
import type { Task } from './task.ts';
import { copyFromUser, copyToUser } from './user-memory.ts';

const FUTEX_WAITERS = 0x80000000, FUTEX_OWNER_DIED = 0x40000000, FUTEX_TID_MASK = 0x3fffffff;
/** ROBUST_LIST_LIMIT: how many entries are walked at most (a corrupt or circular list ends there). */
const ROBUST_LIST_LIMIT = 2048;

function readU64(task: Task, va: number): bigint | undefined {
  const b = copyFromUser(task.space, va, 8);
  return b.length === 8 ? new DataView(b.buffer, b.byteOffset).getBigUint64(0, true) : undefined;
}

/** fetch_robust_entry: the entry pointer (bit 0 cleared) and its PI flag. */
function fetchEntry(task: Task, va: number): { entry: number; pi: boolean } | undefined {
  const v = readU64(task, va);
  return v === undefined ? undefined : { entry: Number(v & ~1n), pi: (v & 1n) !== 0n };
}

/** handle_futex_death for the word at `uaddr`: marks the lock's owner dead when it is `task`, and wakes a waiter. */
function futexDeath(task: Task, uaddr: number, pi: boolean, pendingOp: boolean): void {
  if (uaddr % 4 !== 0) return;
  const b = copyFromUser(task.space, uaddr, 4);
  if (b.length !== 4) return;
  const uval = new DataView(b.buffer, b.byteOffset).getUint32(0, true);
  const wake = () => void futexWake(task.kernel, futexKey(task.space, uaddr, false), 1);
  // An unlock that had released the word but not yet woken anyone when the thread died: wake for it.
  if (pendingOp && !pi && uval === 0) return wake();
  if ((uval & FUTEX_TID_MASK) !== task.tid) return;
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, ((uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED) >>> 0, true);
  if (copyToUser(task.space, uaddr, out) !== 4) return;
  if (!pi && uval & FUTEX_WAITERS) wake();
}

/** exit_robust_list: walks the list set_robust_list registered (once: the registration is dropped). */
export function exitRobustList(task: Task): void {
  const head = task.robustList.head;
  task.robustList = { head: 0, len: 0 };
  if (!head) return;
  // struct robust_list_head: list.next, futex_offset, list_op_pending.
  let cur = fetchEntry(task, head);
  const offset = readU64(task, head + 8);
  const pending = fetchEntry(task, head + 16);
  if (!cur || offset === undefined || !pending) return;
  const futexOffset = Number(BigInt.asIntN(64, offset));
  for (let limit = ROBUST_LIST_LIMIT; cur.entry !== head && limit > 0; limit--) {
    const next = fetchEntry(task, cur.entry);
    if (cur.entry !== pending.entry) futexDeath(task, cur.entry + futexOffset, cur.pi, false);
    if (!next) return;
    cur = next;
  }
  if (pending.entry) futexDeath(task, pending.entry + futexOffset, pending.pi, true);
}
