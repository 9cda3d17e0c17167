// futex(2): WAIT/WAKE and their BITSET forms, REQUEUE/CMP_REQUEUE, private or shared, with relative (WAIT) or
// absolute (WAIT_BITSET, CLOCK_MONOTONIC or CLOCK_REALTIME) timeouts — waits really block the thread until a wake,
// a timeout or a signal. Also get/set_robust_list's partner: the clear_child_tid wake at thread exit.
import { EAGAIN, EFAULT, EINVAL, ENOSYS } from '../errno.ts';
import { futexDequeue, futexEnqueue, futexKey, futexRequeue, futexWake } from '../futex.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { copyFromUser } from '../user-memory.ts';
import { exitHooks } from './exit.ts';
import { int, uint, ulong } from './helpers.ts';
import { clockNs } from './time.ts';

const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10;
const FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1;
const BITSET_MATCH_ANY = 0xffffffff;
const ETIMEDOUT = 110;

function readU32(task: Task, va: number): number | null {
  const b = copyFromUser(task.space, va, 4);
  return b.length === 4 ? new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true) : null;
}

/** A struct timespec → ns, or -EFAULT / -EINVAL. */
function timespecNs(task: Task, va: bigint): bigint | number {
  const b = copyFromUser(task.space, ulong(va), 16);
  if (b.length !== 16) return -EFAULT;
  const v = new DataView(b.buffer, b.byteOffset, 16);
  const sec = v.getBigInt64(0, true);
  const nsec = v.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return -EINVAL;
  return sec * 1_000_000_000n + nsec;
}

function futexWait(task: Task, uaddr: number, val: number, key: string, bitset: number, deadlineMs: number | undefined): SyscallResult {
  const now = readU32(task, uaddr);
  if (now === null) return -EFAULT;
  if (now !== val) return -EAGAIN;
  const w = futexEnqueue(task, key, bitset);
  const resume = (): SyscallResult => {
    if (w.woken) return 0;
    if (deadlineMs !== undefined && Date.now() >= deadlineMs) {
      futexDequeue(task, w);
      return -ETIMEDOUT;
    }
    return { kind: 'block', untilMs: deadlineMs, resume };
  };
  w.resume = resume;
  return { kind: 'block', untilMs: deadlineMs, resume };
}

function futex(task: Task, [addrArg, opArg, valArg, timeoutArg, addr2Arg, val3Arg]: readonly bigint[]): SyscallResult {
  const op = int(opArg!);
  const cmd = op & 127;
  const isPrivate = (op & FUTEX_PRIVATE_FLAG) !== 0;
  const uaddr = ulong(addrArg!);
  if (op & FUTEX_CLOCK_REALTIME && cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_WAIT) return -ENOSYS;
  if (uaddr % 4 !== 0) return -EINVAL;
  const key = futexKey(task.space, uaddr, isPrivate);
  const val = uint(valArg!);
  switch (cmd) {
    case FUTEX_WAIT: case FUTEX_WAIT_BITSET: {
      const bitset = cmd === FUTEX_WAIT ? BITSET_MATCH_ANY : uint(val3Arg!);
      if (!bitset) return -EINVAL;
      let deadlineMs: number | undefined;
      if (timeoutArg) {
        const ns = timespecNs(task, timeoutArg);
        if (typeof ns === 'number') return ns;
        if (cmd === FUTEX_WAIT) deadlineMs = Date.now() + Number(ns / 1_000_000n);
        else {
          const clock = op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC;
          deadlineMs = Date.now() + Number((ns - clockNs(task, clock)!) / 1_000_000n);
        }
      }
      return futexWait(task, uaddr, val, key, bitset, deadlineMs);
    }
    case FUTEX_WAKE: case FUTEX_WAKE_BITSET: {
      const bitset = cmd === FUTEX_WAKE ? BITSET_MATCH_ANY : uint(val3Arg!);
      if (!bitset) return -EINVAL;
      return futexWake(task.kernel, key, val, bitset);
    }
    case FUTEX_REQUEUE: case FUTEX_CMP_REQUEUE: {
      const max = uint(timeoutArg!); // val2: how many to requeue
      if (int(valArg!) < 0 || int(timeoutArg!) < 0) return -EINVAL;
      const addr2 = ulong(addr2Arg!);
      if (addr2 % 4 !== 0) return -EINVAL;
      if (cmd === FUTEX_CMP_REQUEUE) {
        const now = readU32(task, uaddr);
        if (now === null) return -EFAULT;
        if (now !== uint(val3Arg!)) return -EAGAIN;
      }
      const woken = futexWake(task.kernel, key, val);
      return woken + futexRequeue(task.kernel, key, futexKey(task.space, addr2, isPrivate), max);
    }
    default:
      return -ENOSYS; // PI futexes, WAKE_OP, WAITV: not used by glibc's pthread mutexes and condition variables
  }
}

// A thread's exit wakes one waiter on its clear_child_tid word (pthread_join), as a shared futex would be keyed.
exitHooks.futexWake = (task, addr) => void futexWake(task.kernel, futexKey(task.space, addr, false), 1);

defineSyscalls([
  { nr: 202, name: 'futex', args: ['ptr', 'int', 'int', 'ptr', 'ptr', 'int'], handler: (t, a) => futex(t, a) },
]);
