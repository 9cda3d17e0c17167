// fork, vfork and clone: a new process (a copy-on-write copy of the address space, copies of the file table,
// cwd and signal handlers) or, with CLONE_VM|CLONE_THREAD, a new thread in the same process (its own CPU
// context, stack and TLS). vfork suspends the parent until the child execs or exits.
import { E2BIG, EFAULT, EINVAL } from '../errno.ts';
import { SIGCHLD } from '../signals/constants.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import { cloneTask, CLONE_FLAGS as F, vforkDone } from '../lifecycle.ts';
import type { Task } from '../task.ts';
import { putUser, StructWriter, ulong } from './helpers.ts';
import { accessOk, copyFromUser } from '../user-memory.ts';

/** Flags picemu implements; any other makes clone fail with EINVAL rather than do something else. */
const SUPPORTED = F.VM | F.FS | F.FILES | F.SIGHAND | F.PARENT | F.THREAD | F.SYSVSEM | F.SETTLS | F.PARENT_SETTID |
  F.CHILD_CLEARTID | F.CHILD_SETTID | F.VFORK | F.DETACHED | F.UNTRACED | F.IO;

/** copy_process's argument checks, in its order. */
function checkFlags(flags: bigint): number {
  if ((flags & (F.NEWNS | F.FS)) === (F.NEWNS | F.FS)) return -EINVAL;
  if (flags & F.THREAD && !(flags & F.SIGHAND)) return -EINVAL;
  if (flags & F.SIGHAND && !(flags & F.VM)) return -EINVAL;
  if (flags & ~(SUPPORTED | 0xffn)) return -EINVAL; // namespaces, pidfd, ptrace: not emulated
  return 0;
}

/**
 * clone(flags, stack, parent_tid, child_tid, tls): the child's id in the caller, 0 in the child. The exit signal is
 * clone's low byte of flags, or clone3's own field; `clearSighand`: clone3's CLONE_CLEAR_SIGHAND.
 */
export function doClone(task: Task, flags: bigint, stack: bigint, parentTid: bigint, childTid: bigint, tls: bigint, clone3?: { exitSignal: number; clearSighand: boolean }): SyscallResult {
  const bad = checkFlags(flags);
  if (bad) return bad;
  const child = cloneTask(task, { flags, stack, tls, exitSignal: clone3 ? clone3.exitSignal : Number(flags & 0xffn), clearSighand: clone3?.clearSighand ?? false });
  if (typeof child === 'number') return child;
  // CLONE_PARENT_SETTID writes the parent's memory (before the child runs); CHILD_SETTID the child's.
  const tidBytes = new StructWriter(4).u32(0, child.tid).bytes;
  if (flags & F.PARENT_SETTID && putUser(task, parentTid, tidBytes) < 0) return -EFAULT;
  if (flags & F.CHILD_SETTID && putUser(child, childTid, tidBytes) < 0) return -EFAULT;
  if (flags & F.CHILD_CLEARTID) child.clearChildTid = ulong(childTid);
  if (flags & F.VFORK) {
    const done = vforkDone(child);
    return { kind: 'block', queue: done.queue, resume: function wait(): SyscallResult { return done.released ? child.tid : { kind: 'block', queue: done.queue, resume: wait }; } };
  }
  return child.tid;
}

// struct clone_args: its sizes by version, and clone3's own flags.
const CLONE_ARGS_SIZE_VER0 = 64, CLONE_ARGS_SIZE = 88;
const CLONE_CLEAR_SIGHAND = 0x100000000n, CLONE_INTO_CGROUP = 0x200000000n;
const CSIGNAL = 0xffn, CLONE_NEWTIME = 0x80n;
const MAX_PID_NS_LEVEL = 32n;

/** clone3(args, size): copy_clone_args_from_user and clone3_args_valid, then clone as kernel_clone does. */
function clone3(task: Task, argsVa: bigint, size: number): SyscallResult {
  if (size > 4096) return -E2BIG;
  if (size < CLONE_ARGS_SIZE_VER0) return -EINVAL;
  const bytes = copyFromUser(task.space, ulong(argsVa), size);
  if (bytes.length < size) return -EFAULT;
  // copy_struct_from_user: a larger struct from a newer libc is fine only if what this kernel does not know is zero.
  if (bytes.subarray(CLONE_ARGS_SIZE).some((b) => b !== 0)) return -E2BIG;
  const field = (k: number): bigint => (8 * k + 8 <= size ? new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(8 * k, true) : 0n);
  const [flags, , childTid, parentTid, exitSignal, stack, stackSize, tls, setTid, setTidSize, cgroup] = Array.from({ length: 11 }, (_, k) => field(k)) as bigint[] as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  if (setTidSize > MAX_PID_NS_LEVEL || (setTid === 0n && setTidSize > 0n) || (setTid !== 0n && setTidSize === 0n)) return -EINVAL;
  if (exitSignal & ~CSIGNAL || exitSignal > 64n) return -EINVAL;
  if (flags & CLONE_INTO_CGROUP && (cgroup > 0x7fffffffn || size < CLONE_ARGS_SIZE)) return -EINVAL;
  // clone3_args_valid
  if (flags & ~(0xffffffffn | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP)) return -EINVAL;
  if (flags & (F.DETACHED | (CSIGNAL & ~CLONE_NEWTIME))) return -EINVAL;
  if ((flags & (F.SIGHAND | CLONE_CLEAR_SIGHAND)) === (F.SIGHAND | CLONE_CLEAR_SIGHAND)) return -EINVAL;
  if (flags & (F.THREAD | F.PARENT) && exitSignal !== 0n) return -EINVAL;
  if (stack === 0n ? stackSize !== 0n : stackSize === 0n || !accessOk(stack, stackSize)) return -EINVAL;
  // Not emulated (as clone's namespaces and pidfds): choosing the child's pid (checkpoint/restore), cgroups.
  if (setTid !== 0n || flags & CLONE_INTO_CGROUP) return -EINVAL;
  // The stack grows down: the child starts at its top.
  const top = stack === 0n ? 0n : stack + stackSize;
  return doClone(task, flags & 0xffffffffn, top, parentTid, childTid, tls, { exitSignal: Number(exitSignal), clearSighand: (flags & CLONE_CLEAR_SIGHAND) !== 0n });
}

defineSyscalls([
  { nr: 56, name: 'clone', args: ['hex', 'ptr', 'ptr', 'ptr', 'ptr'], handler: (t, [flags, stack, ptid, ctid, tls]) => doClone(t, flags, stack, ptid, ctid, tls) },
  { nr: 57, name: 'fork', args: [], handler: (t) => doClone(t, BigInt(SIGCHLD), 0n, 0n, 0n, 0n) },
  { nr: 58, name: 'vfork', args: [], handler: (t) => doClone(t, F.VM | F.VFORK | BigInt(SIGCHLD), 0n, 0n, 0n, 0n) },
  { nr: 435, name: 'clone3', args: ['struct', 'uint'], handler: (t, [args, size]) => clone3(t, args, ulong(size)) },
]);

