// What a debugger attached to the kernel (picemu gdbserver) hears, as ptrace's stops tell gdbserver: a signal
// about to be delivered, which it may hold (the run stops) and later pass on or drop; new tasks (fork, vfork,
// clone); a vfork parent released; an exec. Unset, the kernel behaves as if no debugger were there.
import type { SigInfo } from './signals/siginfo.ts';
import type { Task } from './task.ts';

export type CloneKind = 'fork' | 'vfork' | 'thread';

export interface KernelDebugger {
  /** `info` is about to be delivered to `task` (handler or default action): true holds it and stops the run. */
  signal?(task: Task, info: SigInfo): boolean;
  /** `parent`'s fork, vfork or clone made `child` (before either runs again). */
  cloned?(parent: Task, child: Task, kind: CloneKind): void;
  /** A vfork child exec'ed or ended: `parent` goes on. */
  vforkDone?(parent: Task): void;
  /** `task` exec'ed a new program (past the point of no return). */
  exec?(task: Task): void;
}

/** Signals a debugger held and gave back: delivered without asking it again (ptrace_signal's answer). */
const passedOn = new WeakSet<SigInfo>();

/** Whether the debugger is to be asked about `info` (not for a signal it already gave back). */
export function askDebugger(info: SigInfo): boolean {
  return !passedOn.has(info);
}

/**
 * Resumes `task` with signal `signo` (as PTRACE_CONT's data does): the held `info` when the number is the same,
 * else a new signal as from kill by the debugger; delivered the next time the task goes back to user mode.
 */
export function passSignal(task: Task, held: SigInfo, signo: number): void {
  const info: SigInfo = signo === held.signo ? held : { signo, code: 0, pid: 0, uid: 0 }; // SI_USER from the tracer
  passedOn.add(info);
  task.signals.pending.unshift(info);
}
