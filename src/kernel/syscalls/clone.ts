// fork, vfork and clone: a new process (a copy-on-write copy of the address space, copies of the file table,
// cwd and signal handlers) or, with CLONE_VM|CLONE_THREAD, a new thread in the same process (its own CPU
// context, stack and TLS). vfork suspends the parent until the child execs or exits.
import { EFAULT, EINVAL, ENOSYS } from '../errno.ts';
import { SIGCHLD } from '../signals/constants.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import { cloneTask, CLONE_FLAGS as F, vforkDone } from '../lifecycle.ts';
import type { Task } from '../task.ts';
import { putUser, StructWriter, ulong } from './helpers.ts';

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

/** clone(flags, stack, parent_tid, child_tid, tls): the child's id in the caller, 0 in the child. */
export function doClone(task: Task, flags: bigint, stack: bigint, parentTid: bigint, childTid: bigint, tls: bigint): SyscallResult {
  const bad = checkFlags(flags);
  if (bad) return bad;
  const child = cloneTask(task, { flags, stack, tls, exitSignal: Number(flags & 0xffn) });
  if (typeof child === 'number') return child;
  // CLONE_PARENT_SETTID writes the parent's memory (before the child runs); CHILD_SETTID the child's.
  const tidBytes = new StructWriter(4).u32(0, child.tid).bytes;
  if (flags & F.PARENT_SETTID && putUser(task, parentTid, tidBytes) < 0) return -EFAULT;
  if (flags & F.CHILD_SETTID && putUser(child, childTid, tidBytes) < 0) return -EFAULT;
  if (flags & F.CHILD_CLEARTID) child.clearChildTid = ulong(childTid);
  task.kernel.debugger?.cloned?.(task, child, flags & F.THREAD ? 'thread' : flags & F.VFORK ? 'vfork' : 'fork');
  if (flags & F.VFORK) {
    const done = vforkDone(child);
    return { kind: 'block', queue: done.queue, resume: function wait(): SyscallResult {
      if (!done.released) return { kind: 'block', queue: done.queue, resume: wait };
      task.kernel.debugger?.vforkDone?.(task);
      return child.tid;
    } };
  }
  return child.tid;
}

defineSyscalls([
  { nr: 56, name: 'clone', args: ['hex', 'ptr', 'ptr', 'ptr', 'ptr'], handler: (t, [flags, stack, ptid, ctid, tls]) => doClone(t, flags, stack, ptid, ctid, tls) },
  { nr: 57, name: 'fork', args: [], handler: (t) => doClone(t, BigInt(SIGCHLD), 0n, 0n, 0n, 0n) },
  { nr: 58, name: 'vfork', args: [], handler: (t) => doClone(t, F.VM | F.VFORK | BigInt(SIGCHLD), 0n, 0n, 0n, 0n) },
  // clone3: glibc falls back to clone on ENOSYS, as on kernels before 5.3.
  { nr: 435, name: 'clone3', args: ['struct', 'uint'], handler: () => -ENOSYS },
]);

