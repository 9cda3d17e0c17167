// A process's life beyond its own system calls: copy_process for fork/vfork/clone (what a child shares and what
// it copies), RLIMIT_NPROC, the vfork completion, and what an exit does to the family — children reparented,
// the parent told with its exit signal (SIGCHLD) or the child reaped at once when the parent ignores SIGCHLD,
// and zombies released by wait.
import type { Cpu } from '../cpu/index.ts';
import { EAGAIN } from './errno.ts';
import { RLIMIT_NPROC } from './rlimits.ts';
import { CLD_DUMPED, CLD_EXITED, CLD_KILLED, SA_NOCLDWAIT, SI_USER, SIG_IGN, SIGCHLD } from './signals/constants.ts';
import { sendSignal } from './signals/delivery.ts';
import { MmContext, Task, ThreadGroup, type ExitReason } from './task.ts';
import { WaitQueue } from './wait-queue.ts';

/** clone flags (include/uapi/linux/sched.h). */
export const CLONE_FLAGS = {
  VM: 0x100n, FS: 0x200n, FILES: 0x400n, SIGHAND: 0x800n, PIDFD: 0x1000n, PTRACE: 0x2000n, VFORK: 0x4000n,
  PARENT: 0x8000n, THREAD: 0x10000n, NEWNS: 0x20000n, SYSVSEM: 0x40000n, SETTLS: 0x80000n, PARENT_SETTID: 0x100000n,
  CHILD_CLEARTID: 0x200000n, DETACHED: 0x400000n, UNTRACED: 0x800000n, CHILD_SETTID: 0x1000000n, IO: 0x80000000n,
} as const;
const F = CLONE_FLAGS;

/** The most tasks picemu runs at once on one machine (the kernel's pid_max/threads-max stand-in). */
export const MAX_TASKS = 4096;

/** The signal a process sends its parent when it ends (clone's low byte: SIGCHLD for fork, 0 for threads). */
const exitSignals = new WeakMap<ThreadGroup, number>();
export const exitSignalOf = (g: ThreadGroup): number => exitSignals.get(g) ?? SIGCHLD;

/** The thread that forked each process (its real_parent is a thread: PR_SET_PDEATHSIG fires when that thread exits). */
const forkedBy = new WeakMap<ThreadGroup, Task>();

/** Processes that forked and have not exec'ed since (PF_FORKNOEXEC). */
export const forkedNoExec = new WeakSet<ThreadGroup>();

/** The vfork completion a parent sleeps on until its child execs or exits. */
const vforks = new WeakMap<Task, { queue: WaitQueue; released: boolean }>();

export function vforkDone(child: Task): { queue: WaitQueue; released: boolean } {
  let v = vforks.get(child);
  if (!v) vforks.set(child, (v = { queue: new WaitQueue(), released: false }));
  return v;
}

/** mm_release's vfork part: the child no longer borrows its parent's memory (it exec'ed or exited). */
export function releaseVfork(child: Task): void {
  const v = vforks.get(child);
  if (!v || v.released) return;
  v.released = true;
  v.queue.wake();
}

/** A CPU for `space` with `from`'s registers (the child's copy of the parent's user context). */
function copyCpu(kernel: Task['kernel'], from: Cpu, space: Task['mm']['space']): Cpu {
  const cpu = kernel.newCpu(space);
  cpu.copyUserStateFrom(from);
  return cpu;
}

/** A copy of the parent's mm facts over a forked address space. */
function forkMm(mm: MmContext): MmContext {
  const child = new MmContext(mm.space.fork(), mm.stackTop);
  Object.assign(child, {
    brk: { ...mm.brk }, dumpable: mm.dumpable, exe: mm.exe, argStart: mm.argStart, argEnd: mm.argEnd, envStart: mm.envStart, envEnd: mm.envEnd,
    auxv: mm.auxv.map((p) => [...p]), startStack: mm.startStack, vdso: mm.vdso,
  });
  return child;
}

export interface CloneRequest {
  flags: bigint;
  /** The child's stack pointer (0: the parent's). */
  stack: bigint;
  /** CLONE_SETTLS: the child's fs base. */
  tls: bigint;
  /** The signal the child sends at exit (clone's low byte). */
  exitSignal: number;
  /** clone3's CLONE_CLEAR_SIGHAND: the child's caught signals go back to SIG_DFL (ignored ones stay ignored). */
  clearSighand?: boolean;
}

/** copy_process: the new task, or -EAGAIN (RLIMIT_NPROC, or picemu's task cap). */
export function cloneTask(parent: Task, req: CloneRequest): Task | number {
  const kernel = parent.kernel;
  const live = kernel.liveTasks();
  const nproc = parent.group.rlimits.get(RLIMIT_NPROC)?.soft ?? Infinity;
  // picemu enforces RLIMIT_NPROC for every user (it models no CAP_SYS_RESOURCE), so a fork bomb ends in EAGAIN.
  if (live.filter((t) => t.cred.uid === parent.cred.uid).length >= nproc || live.length >= MAX_TASKS) return -EAGAIN;
  const flags = req.flags;
  const tid = kernel.allocateId();
  let group: ThreadGroup;
  if (flags & F.THREAD) {
    group = parent.group;
  } else {
    const sighand = flags & F.SIGHAND ? parent.group.sighand : parent.group.sighand.clone();
    if (req.clearSighand) sighand.resetForExec();
    group = new ThreadGroup(tid, sighand, parent.group.rlimits);
    group.parent = flags & F.PARENT ? parent.group.parent : parent.group;
    group.parent?.children.push(group);
    group.personality = parent.group.personality;
    exitSignals.set(group, req.exitSignal);
    forkedNoExec.add(group);
    kernel.groups.set(tid, group);
  }
  const mm = flags & F.VM ? parent.mm : forkMm(parent.mm);
  const cpu = copyCpu(parent.kernel, parent.cpu, mm.space);
  cpu.r64[0] = 0n; // the child's fork() returns 0
  if (req.stack) cpu.r64[4] = req.stack;
  if (flags & F.SETTLS) cpu.fsBase = Number(req.tls);
  const child = new Task(
    kernel, tid, group, cpu, mm,
    flags & F.FILES ? parent.files : parent.files.clone(),
    flags & F.FS ? parent.fs : parent.fs.clone(),
    { ...parent.cred, groups: [...parent.cred.groups] },
  );
  child.signals.blocked = parent.signals.blocked;
  child.comm = parent.comm;
  child.noNewPrivs = parent.noNewPrivs;
  child.mempolicy = parent.mempolicy && { ...parent.mempolicy };
  if (!(flags & F.THREAD)) forkedBy.set(group, flags & F.PARENT ? (forkedBy.get(parent.group) ?? parent) : parent);
  // A thread on shared memory with its own stack starts without the parent's alternate signal stack.
  if ((flags & (F.VM | F.VFORK)) === F.VM) Object.assign(child.signals.altStack, { sp: 0n, size: 0n, flags: 2 });
  else Object.assign(child.signals.altStack, parent.signals.altStack);
  kernel.tasks.set(tid, child);
  return child;
}

/** The wait status word of an ended process (WIFEXITED: code << 8; WIFSIGNALED: signal | 0x80 with a core). */
export function waitStatus(reason: ExitReason): number {
  return reason.kind === 'exited' ? (reason.code & 0xff) << 8 : (reason.signal & 0x7f) | (reason.coreDumped ? 0x80 : 0);
}

/** SIGCHLD's si_code and si_status for an ended process. */
export function childCode(reason: ExitReason): { code: number; status: number } {
  if (reason.kind === 'exited') return { code: CLD_EXITED, status: reason.code & 0xff };
  return { code: reason.coreDumped ? CLD_DUMPED : CLD_KILLED, status: reason.signal };
}

/** release_task: an ended process leaves the kernel's tables and its parent's children. */
export function reap(group: ThreadGroup): void {
  group.reaped = true;
  const kernel = group.leader.kernel;
  const siblings = group.parent?.children;
  if (siblings) {
    const i = siblings.indexOf(group);
    if (i >= 0) siblings.splice(i, 1);
  }
  for (const t of group.threads) kernel.tasks.delete(t.tid);
  kernel.groups.delete(group.tgid);
}

/** A thread ended: its vfork parent (if any) may go on, and the processes it forked get their death signals. */
export function onThreadExit(task: Task): void {
  releaseVfork(task);
  sendDeathSignals(task);
}

/**
 * forget_original_parent's pdeath_signal: every thread of every process `parent` forked that asked for a death
 * signal gets it (whether the children go to another thread of the group or to the reaper).
 */
function sendDeathSignals(parent: Task): void {
  for (const child of parent.group.children) {
    if (forkedBy.get(child) !== parent) continue;
    const other = parent.group.threads.find((t) => t !== parent && t.state !== 'dead');
    // find_new_reaper: another live thread of the group takes them, else the reaper (which forked none of them).
    if (other) forkedBy.set(child, other);
    else forkedBy.delete(child);
    for (const t of child.threads) {
      if (t.pdeathSignal && t.state !== 'dead') sendSignal(child, { signo: t.pdeathSignal, code: SI_USER, pid: parent.pid, uid: parent.cred.uid });
    }
  }
}

/**
 * exit_notify: the children of an ended process go to the reaper (or, without one, zombies among them are
 * released); the parent gets the exit signal, or, when it ignores SIGCHLD (or set SA_NOCLDWAIT), the child is
 * reaped at once.
 */
export function onGroupExit(group: ThreadGroup): void {
  for (const t of group.threads) releaseVfork(t);
  for (const t of group.threads) sendDeathSignals(t);
  // find_new_reaper: the orphans go to the first process of their tree (picemu's init), when it lives.
  let root = group;
  while (root.parent) root = root.parent;
  const reaper = root !== group && !root.exit ? root : undefined;
  for (const child of [...group.children]) {
    child.parent = reaper;
    if (reaper) reaper.children.push(child);
    if (child.exit && !child.reaped) {
      if (reaper) notifyParent(child, reaper);
      else reap(child);
    }
  }
  group.children.length = 0;
  const parent = group.parent;
  if (!parent || parent.exit) {
    reap(group);
    return;
  }
  notifyParent(group, parent);
}

/** do_notify_parent: the exit signal to the parent, or an immediate reap when the parent ignores SIGCHLD. */
function notifyParent(group: ThreadGroup, parent: ThreadGroup): void {
  const sig = exitSignalOf(group);
  const action = parent.sighand.actions[SIGCHLD]!;
  const autoreap = sig === SIGCHLD && (action.handler === SIG_IGN || (action.flags & SA_NOCLDWAIT) !== 0n);
  if (sig) {
    const { code, status } = childCode(group.exit!);
    sendSignal(parent, { signo: sig, code, pid: group.tgid, uid: group.leader.cred.uid, status, utime: 0, stime: 0 });
  }
  if (autoreap) reap(group);
  parent.childEvents.wake();
}
