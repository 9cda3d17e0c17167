// Signal system calls: rt_sigaction, rt_sigprocmask, rt_sigpending, rt_sigreturn, rt_sigsuspend, pause,
// sigaltstack, kill, tkill, tgkill — arguments checked in the kernel's order, -errno exactly as it returns them.
import { EFAULT, EINTR, EINVAL, ENOMEM, EPERM, ESRCH } from '../errno.ts';
import {
  MINSIGSTKSZ, NSIG, SA_EXPOSE_TAGBITS, SA_NOCLDSTOP, SA_NOCLDWAIT, SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTART,
  SA_RESTORER, SA_SIGINFO, SI_KERNEL, SI_TKILL, SI_USER, SIG_BLOCK, SIG_DFL, SIG_IGN, SIG_SETMASK, SIG_UNBLOCK, SIGSEGV,
  SS_AUTODISARM, SS_DISABLE, SS_ONSTACK, defaultAction, sigbit, UNBLOCKABLE, SIGKILL, SIGSTOP,
} from '../signals/constants.ts';
import { deliverSignals, hasDeliverable, sendSignal, suspendWithMask } from '../signals/delivery.ts';
import { onSigStack, restoreRtFrame, sasSsFlags } from '../signals/frame.ts';
import type { SigInfo } from '../signals/siginfo.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task, ThreadGroup } from '../task.ts';
import { copyFromUser } from '../user-memory.ts';
import { int, putUser, StructWriter, ulong } from './helpers.ts';

/** The sa_flags the kernel keeps (UAPI_SA_FLAGS with x86's SA_RESTORER); unknown bits are cleared, so a caller can detect them. */
const KNOWN_SA_FLAGS = SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | SA_NODEFER | SA_RESETHAND | SA_EXPOSE_TAGBITS | SA_RESTORER;
const SIGSET_SIZE = 8n;

const validSignal = (sig: number): boolean => sig >= 1 && sig <= NSIG;

function readU64s(task: Task, va: bigint, count: number): bigint[] | null {
  const bytes = copyFromUser(task.space, ulong(va), count * 8);
  if (bytes.length !== count * 8) return null;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return Array.from({ length: count }, (_, k) => v.getBigUint64(8 * k, true));
}

function rtSigaction(task: Task, [sigArg, act, oact, size]: readonly bigint[]): SyscallResult {
  if (size !== SIGSET_SIZE) return -EINVAL;
  const sig = int(sigArg!);
  let next: bigint[] | null = null;
  if (act) {
    next = readU64s(task, act, 4);
    if (!next) return -EFAULT;
  }
  if (!validSignal(sig) || (next && (sig === SIGKILL || sig === SIGSTOP))) return -EINVAL;
  const a = task.group.sighand.actions[sig]!;
  const old = new StructWriter(32).u64(0, a.handler).u64(8, a.flags).u64(16, a.restorer).u64(24, a.mask).bytes;
  if (next) {
    const [handler, flags, restorer, mask] = next as [bigint, bigint, bigint, bigint];
    Object.assign(a, { handler, flags: flags & KNOWN_SA_FLAGS, restorer, mask: mask & ~UNBLOCKABLE });
    // POSIX: setting a pending signal to be ignored discards it, in every thread.
    if (handler === SIG_IGN || (handler === SIG_DFL && defaultAction(sig) === 'ignore')) {
      for (const t of task.group.threads) {
        const q = t.signals.pending;
        for (let i = q.length - 1; i >= 0; i--) if (q[i]!.signo === sig) q.splice(i, 1);
      }
    }
  }
  if (oact && putUser(task, oact, old) < 0) return -EFAULT;
  return 0;
}

function rtSigprocmask(task: Task, [howArg, set, oset, size]: readonly bigint[]): SyscallResult {
  if (size !== SIGSET_SIZE) return -EINVAL;
  const old = task.signals.blocked;
  if (set) {
    const v = readU64s(task, set, 1);
    if (!v) return -EFAULT;
    const mask = v[0]! & ~UNBLOCKABLE;
    switch (int(howArg!)) {
      case SIG_BLOCK: task.signals.blocked = old | mask; break;
      case SIG_UNBLOCK: task.signals.blocked = old & ~mask; break;
      case SIG_SETMASK: task.signals.blocked = mask; break;
      default: return -EINVAL;
    }
  }
  if (oset && putUser(task, oset, new StructWriter(8).u64(0, old).bytes) < 0) return -EFAULT;
  return 0;
}

function rtSigpending(task: Task, [set, size]: readonly bigint[]): SyscallResult {
  if (size! > SIGSET_SIZE) return -EINVAL;
  let pending = 0n;
  for (const p of task.signals.pending) pending |= sigbit(p.signo);
  const bytes = new StructWriter(8).u64(0, pending & task.signals.blocked).bytes.subarray(0, Number(size));
  return putUser(task, set!, bytes) < 0 ? -EFAULT : 0;
}

function rtSigreturn(task: Task): SyscallResult {
  const r = restoreRtFrame(task.cpu, task.space);
  if (!r.ok) {
    // badframe: signal_fault → SIGSEGV SI_KERNEL, forced.
    const a = task.group.sighand.actions[SIGSEGV]!;
    a.handler = SIG_DFL;
    task.signals.blocked &= ~sigbit(SIGSEGV);
    task.signals.pending.unshift({ signo: SIGSEGV, code: SI_KERNEL } as SigInfo);
    deliverSignals(task);
    return { kind: 'registers-set' };
  }
  task.signals.blocked = r.blocked!;
  // restore_altstack: as sigaltstack would, its errors ignored.
  changeAltStack(task, r.altStack!.sp, r.altStack!.flags, r.altStack!.size);
  return { kind: 'registers-set' };
}

/** do_sigaltstack's change: EPERM while on the stack, EINVAL for unknown modes, ENOMEM below MINSIGSTKSZ. */
function changeAltStack(task: Task, sp: bigint, flags: number, size: bigint): number {
  const alt = task.signals.altStack;
  if (onSigStack(alt, task.cpu.r64[4]!)) return -EPERM;
  const mode = flags & ~SS_AUTODISARM;
  if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return -EINVAL;
  if (alt.sp === sp && alt.size === size && alt.flags === flags) return 0; // nothing changes: no size check either
  if (mode === SS_DISABLE) {
    Object.assign(alt, { sp: 0n, size: 0n, flags });
  } else {
    if (size < BigInt(MINSIGSTKSZ)) return -ENOMEM;
    Object.assign(alt, { sp, size, flags });
  }
  return 0;
}

function sigaltstack(task: Task, [ss, oss]: readonly bigint[]): SyscallResult {
  const alt = task.signals.altStack;
  const sp = task.cpu.r64[4]!;
  const old = new StructWriter(24).u64(0, alt.sp).u32(8, sasSsFlags(alt, sp) | (alt.flags & SS_AUTODISARM)).u64(16, alt.size).bytes;
  if (ss) {
    const bytes = copyFromUser(task.space, ulong(ss!), 24);
    if (bytes.length !== 24) return -EFAULT;
    const v = new DataView(bytes.buffer, bytes.byteOffset, 24);
    const r = changeAltStack(task, v.getBigUint64(0, true), v.getInt32(8, true), v.getBigUint64(16, true));
    if (r < 0) return r;
  }
  if (oss && putUser(task, oss, old) < 0) return -EFAULT;
  return 0;
}

/** The thread groups `pid` names for kill(2): one process, every process (-1: all but the caller), or a process group (all of picemu's processes form one). */
function killTargets(task: Task, pid: number): ThreadGroup[] {
  const groups = [...task.kernel.groups.values()].filter((g) => !g.exit);
  if (pid > 0) return groups.filter((g) => g.tgid === pid);
  if (pid === -1) return groups.filter((g) => g !== task.group);
  return groups;
}

function kill(task: Task, [pidArg, sigArg]: readonly bigint[]): SyscallResult {
  const pid = int(pidArg!);
  const sig = int(sigArg!);
  if (sig < 0 || sig > NSIG) return -EINVAL;
  const targets = killTargets(task, pid);
  if (pid === -2147483648 || !targets.length) return -ESRCH;
  if (sig !== 0) for (const g of targets) sendSignal(g, { signo: sig, code: SI_USER, pid: task.pid, uid: task.cred.uid });
  return 0;
}

function threadKill(task: Task, tgid: number, tid: number, sig: number): SyscallResult {
  if (tid <= 0 || (tgid !== -1 && tgid <= 0)) return -EINVAL;
  if (sig < 0 || sig > NSIG) return -EINVAL;
  const t = task.kernel.tasks.get(tid);
  if (!t || t.state === 'dead' || (tgid !== -1 && t.group.tgid !== tgid)) return -ESRCH;
  if (sig !== 0) sendSignal(t, { signo: sig, code: SI_TKILL, pid: task.pid, uid: task.cred.uid });
  return 0;
}

/** rt_sigsuspend and pause: sleep until a signal is handled (or ends the process); the call then returns -EINTR. */
function sleepForSignal(task: Task): SyscallResult {
  if (hasDeliverable(task)) return -EINTR;
  const resume = (): SyscallResult => ({ kind: 'block', resume }); // only a signal ends this sleep (-EINTR)
  return resume();
}

function rtSigsuspend(task: Task, [maskPtr, size]: readonly bigint[]): SyscallResult {
  if (size !== SIGSET_SIZE) return -EINVAL;
  const v = readU64s(task, maskPtr!, 1);
  if (!v) return -EFAULT;
  suspendWithMask(task, v[0]!);
  return sleepForSignal(task);
}

defineSyscalls([
  { nr: 130, name: 'rt_sigsuspend', args: ['struct', 'uint'], handler: (t, a) => rtSigsuspend(t, a) },
  { nr: 34, name: 'pause', args: [], handler: (t) => sleepForSignal(t) },
  { nr: 13, name: 'rt_sigaction', args: ['signal', 'struct', 'struct', 'uint'], handler: (t, a) => rtSigaction(t, a) },
  { nr: 14, name: 'rt_sigprocmask', args: ['int', 'struct', 'struct', 'uint'], handler: (t, a) => rtSigprocmask(t, a) },
  { nr: 15, name: 'rt_sigreturn', args: [], handler: (t) => rtSigreturn(t) },
  { nr: 127, name: 'rt_sigpending', args: ['struct', 'uint'], handler: (t, a) => rtSigpending(t, a) },
  { nr: 131, name: 'sigaltstack', args: ['struct', 'struct'], handler: (t, a) => sigaltstack(t, a) },
  { nr: 62, name: 'kill', args: ['int', 'signal'], handler: (t, a) => kill(t, a) },
  { nr: 200, name: 'tkill', args: ['int', 'signal'], handler: (t, [tid, sig]) => threadKill(t, -1, int(tid!), int(sig!)) },
  { nr: 234, name: 'tgkill', args: ['int', 'int', 'signal'], handler: (t, [tgid, tid, sig]) => threadKill(t, int(tgid!), int(tid!), int(sig!)) },
]);
