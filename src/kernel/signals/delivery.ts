// Sending and delivering signals: queueing as send_signal does (ignored ones dropped, standard signals not
// queued twice, group signals given to a thread that does not block them), interrupting a sleeping system
// call, and, on the way back to user mode, running the handler (a frame on the stack) or the default action.
// Faults from the CPU become forced signals (force_sig_fault: an ignored or blocked fault signal kills).
import type { GuestFault } from '../../cpu/index.ts';
import { EINTR, EPIPE } from '../errno.ts';
import type { SyscallResult } from '../syscall-table.ts';
import { describeAddress, instructionAt } from '../describe.ts';
import type { FaultSignal } from '../fatal-signals.ts';
import { RLIMIT_CORE } from '../rlimits.ts';
import type { Task, ThreadGroup } from '../task.ts';
import { askDebugger } from '../debug-hooks.ts';
import {
  defaultAction, SA_NODEFER, SA_ONSTACK, SA_RESETHAND, SA_RESTART, SA_SIGINFO, SI_KERNEL, SI_USER, sigbit, SIGFPE, SIGILL, SIGKILL, SIGPIPE, SIGSEGV,
  SIG_DFL, SIG_IGN, SS_AUTODISARM, SS_DISABLE, SYNCHRONOUS, UNBLOCKABLE,
} from './constants.ts';
import { setupRtFrame, type TrapState } from './frame.ts';
import { prepareJobSignal, stopGroup } from './job-control.ts';
import type { SigInfo } from './siginfo.ts';

/** The mask rt_sigsuspend replaced (the kernel's saved_sigmask): the next frame saves it, and it comes back after. */
const savedMasks = new WeakMap<Task, bigint>();

/** rt_sigsuspend: run with `mask` until a signal is handled, then the mask the task had before. */
export function suspendWithMask(task: Task, mask: bigint): void {
  if (!savedMasks.has(task)) savedMasks.set(task, task.signals.blocked);
  task.signals.blocked = mask & ~UNBLOCKABLE;
}

/**
 * restore_saved_sigmask: a call that ran with a mask of its own (ppoll, pselect6, epoll_pwait) ended other than by a
 * signal, so the mask it replaced comes back at once (a signal it let in stays pending).
 */
export function restoreSavedMask(task: Task): void {
  const saved = savedMasks.get(task);
  if (saved === undefined) return;
  task.signals.blocked = saved;
  savedMasks.delete(task);
}

/** The kernel's thread.trap_nr / error_code / cr2: sigcontext shows the last trap's, whatever the signal. */
const traps = new WeakMap<Task, TrapState>();

export function trapStateOf(task: Task): TrapState {
  let t = traps.get(task);
  if (!t) traps.set(task, (t = { trapno: 0, err: 0, cr2: 0 }));
  return t;
}

/** A fault's trap number, error code and cr2, as the CPU exception that raised it would set them. */
function trapOf(task: Task, fault: GuestFault | FaultSignal): TrapState {
  const access = 'access' in fault ? fault.access : undefined;
  switch (fault.kind) {
    case 'unmapped': case 'protection': case 'beyond-eof': {
      // #PF error code: P (the page was present: a protection violation), W/R, U/S (user), I/D (fetch).
      const present = fault.address !== undefined && task.space.frameAt(fault.address) !== null;
      const err = (present ? 1 : 0) | (access === 'write' ? 2 : 0) | 4 | (access === 'fetch' ? 16 : 0);
      return { trapno: 14, err, cr2: fault.address ?? 0 };
    }
    case 'divide-error': return { trapno: 0, err: 0, cr2: 0 };
    case 'debug-trap': return { trapno: 1, err: 0, cr2: 0 };
    case 'breakpoint': return { trapno: 3, err: 0, cr2: 0 };
    case 'invalid-opcode': case 'unimplemented': return { trapno: 6, err: 0, cr2: 0 };
    case 'stack-fault': return { trapno: 12, err: 0, cr2: 0 };
    case 'simd-exception': return { trapno: 19, err: 0, cr2: 0 };
    default: return { trapno: 13, err: 0, cr2: 0 }; // #GP: misaligned SSE, non-canonical, privileged
  }
}

/** The handler table entry of `sig` for `task`'s group. */
const actionOf = (task: Task, sig: number) => task.group.sighand.actions[sig]!;

/** sig_ignored: SIG_IGN, or SIG_DFL whose default is to ignore (never while the thread blocks it). */
function ignored(task: Task, sig: number): boolean {
  if (task.signals.blocked & sigbit(sig)) return false;
  const a = actionOf(task, sig);
  return a.handler === SIG_IGN || (a.handler === SIG_DFL && (defaultAction(sig) === 'ignore' || defaultAction(sig) === 'cont'));
}

/** Whether `task` has a signal it does not block pending. */
export function hasDeliverable(task: Task): boolean {
  return task.signals.pending.some((p) => !(task.signals.blocked & sigbit(p.signo)) || (sigbit(p.signo) & UNBLOCKABLE) !== 0n);
}

/**
 * send_signal to a thread (`group` false: tkill/tgkill) or a thread group (kill). Returns false when the target is
 * gone. SIGKILL ends the group at once.
 */
export function sendSignal(target: Task | ThreadGroup, info: SigInfo): boolean {
  const isTask = 'tid' in target;
  const group = isTask ? target.group : target;
  if (group.exit) return false;
  const sig = info.signo;
  if (sig === SIGKILL) {
    group.leader.kernel.exitGroup(group, { kind: 'signaled', signal: SIGKILL, coreDumped: false });
    return true;
  }
  prepareJobSignal(group, sig, (to, i) => void sendSignal(to, i));
  const live = group.threads.filter((t) => t.state !== 'dead');
  const first = isTask ? target : live[0];
  if (!first || ignored(first, sig)) return true;
  // complete_signal: a group signal goes to a thread that does not block it (the leader first).
  const thread = isTask ? target : (live.find((t) => !(t.signals.blocked & sigbit(sig))) ?? first);
  // Standard signals are not queued twice; real-time ones are.
  if (sig < 32 && thread.signals.pending.some((p) => p.signo === sig)) return true;
  thread.signals.pending.push(info);
  if (!(thread.signals.blocked & sigbit(sig))) interruptSleep(thread, sig);
  return true;
}

/**
 * A signal arrived for a thread asleep in a system call: the call ends. With a handler installed with SA_RESTART
 * the call is restarted after the handler (RIP back on the syscall, rax = its number), else it returns -EINTR.
 */
function interruptSleep(task: Task, sig: number): void {
  if (task.state !== 'blocked' || !task.blockedIn) return;
  const nr = task.blockedIn.nr;
  const timed = task.blockedIn.untilMs !== undefined;
  task.blockedIn = undefined;
  task.wake();
  // What the call returns inside the kernel, as strace shows it (-ERESTARTSYS and friends, or -EINTR itself).
  task.kernel.tracer?.exit(task, nr, BigInt.asUintN(64, BigInt(-interruptedWith(nr, timed))));
  const a = actionOf(task, sig);
  // No handler runs for a stop or continue taking its default action: the call restarts when the task runs again
  // (except the epoll waits, which return EINTR even then).
  const noHandler = a.handler === SIG_DFL && (defaultAction(sig) === 'stop' || defaultAction(sig) === 'cont') && !EINTR_EVEN_WITHOUT_HANDLER.has(nr);
  if (noHandler || (a.handler !== SIG_DFL && a.handler !== SIG_IGN && a.flags & SA_RESTART && restartable(nr))) {
    task.cpu.r64[0] = BigInt(nr);
    task.cpu.rip -= 2; // back onto the 2-byte syscall instruction
  } else {
    task.cpu.r64[0] = BigInt.asUintN(64, BigInt(-EINTR));
  }
}

/**
 * System calls that never restart after a handler, SA_RESTART or not (signal(7)): nanosleep and friends use
 * restart_block, the waits for several files return -ERESTARTNOHAND.
 */
const NEVER_RESTARTED = new Set([
  35, 230, 34, 130, // nanosleep, clock_nanosleep, pause, rt_sigsuspend
  7, 23, 270, 271, 232, 281, 441, // poll, select, pselect6, ppoll, epoll_wait, epoll_pwait, epoll_pwait2
]);

/** The epoll waits return -EINTR, not a restart code: a stop and continue ends them too (signal(7)). */
const EINTR_EVEN_WITHOUT_HANDLER = new Set([232, 281, 441]);

export const ERESTARTSYS = 512, ERESTARTNOHAND = 514, ERESTART_RESTARTBLOCK = 516;

/** The errno an interrupted sleep ends with inside the kernel (the syscall-exit value strace prints). */
function interruptedWith(nr: number, timed: boolean): number {
  switch (nr) {
    case 35: case 230: case 7: return ERESTART_RESTARTBLOCK; // nanosleep, clock_nanosleep, poll: a restart block
    case 23: case 270: case 271: case 34: case 130: return ERESTARTNOHAND; // select, pselect6, ppoll, pause, rt_sigsuspend
    case 232: case 281: case 441: return EINTR; // the epoll waits
    case 202: return timed ? ERESTART_RESTARTBLOCK : ERESTARTSYS; // futex: a timed wait restarts through a restart block
    default: return ERESTARTSYS;
  }
}

function restartable(nr: number): boolean {
  return !NEVER_RESTARTED.has(nr);
}

/** The next signal to deliver: synchronous (fault) signals first, then the lowest number. */
function dequeue(task: Task): SigInfo | undefined {
  const q = task.signals.pending as SigInfo[];
  const blocked = task.signals.blocked;
  let best = -1;
  for (let i = 0; i < q.length; i++) {
    const bit = sigbit(q[i]!.signo);
    if (blocked & bit && !(bit & UNBLOCKABLE)) continue;
    if (best < 0) { best = i; continue; }
    const b = q[best]!;
    const bSync = (sigbit(b.signo) & SYNCHRONOUS) !== 0n;
    const iSync = (bit & SYNCHRONOUS) !== 0n;
    if ((iSync && !bSync) || (iSync === bSync && q[i]!.signo < b.signo)) best = i;
  }
  return best < 0 ? undefined : q.splice(best, 1)[0];
}

/** How the group ends when `info` takes its default action, with the fault's description when a fault raised it. */
function dieOf(task: Task, info: SigInfo & { fault?: FaultSignal }) {
  const core = defaultAction(info.signo) === 'core' && (task.group.rlimits.get(RLIMIT_CORE)?.soft ?? 0) > 0;
  const f = info.fault;
  return { kind: 'signaled' as const, signal: info.signo, coreDumped: core, fault: f ? { address: f.address, rip: f.rip, instruction: instructionAt(task, f.rip) ?? f.instruction, kind: f.kind, where: describeAddress(task, f.rip) } : undefined };
}

/**
 * On the way back to user mode: delivers every pending, unblocked signal (each handler's frame on top of the
 * last, as the kernel's exit-to-user loop does). Returns false when the thread group died of one, or when a
 * debugger holds one (ptrace's signal-delivery stop: the task does not go back to user mode yet).
 */
export function deliverSignals(task: Task): boolean {
  for (;;) {
    if (task.state === 'dead' || task.group.exit) return false;
    if (task.state === 'blocked') return true; // still asleep (rt_sigsuspend): nothing is delivered yet
    const info = dequeue(task);
    if (!info) {
      // restore_saved_sigmask: no handler took the mask rt_sigsuspend saved, so it comes back now.
      const saved = savedMasks.get(task);
      if (saved !== undefined) {
        task.signals.blocked = saved;
        savedMasks.delete(task);
      }
      return true;
    }
    const sig = info.signo;
    if (askDebugger(info) && task.kernel.debugger?.signal?.(task, info)) return false;
    const action = actionOf(task, sig);
    if (action.handler === SIG_IGN) continue;
    if (action.handler === SIG_DFL) {
      const what = defaultAction(sig);
      if (what === 'ignore' || what === 'cont') continue;
      if (what === 'stop') {
        // (SIGTSTP/SIGTTIN/SIGTTOU would be dropped in an orphaned process group; picemu's processes are a job of
        // the shell that started picemu, so never orphaned.)
        stopGroup(task.group, sig, (to, i) => void sendSignal(to, i));
        return true;
      }
      task.kernel.exitGroup(task.group, dieOf(task, info));
      return false;
    }
    const alt = task.signals.altStack;
    // The frame saves the mask to restore on sigreturn: the one rt_sigsuspend replaced, if it did.
    const saved = savedMasks.get(task);
    const frame = setupRtFrame(task.cpu, task.space, action, info, saved ?? task.signals.blocked, alt, trapStateOf(task));
    if (!frame.ok) {
      // signal_setup_done's failure: force SIGSEGV (SI_KERNEL), which kills since its handler is reset.
      forceSignal(task, { signo: SIGSEGV, code: SI_KERNEL });
      continue;
    }
    if (action.flags & SA_ONSTACK && alt.flags & SS_AUTODISARM) Object.assign(alt, { sp: 0n, size: 0n, flags: SS_DISABLE });
    let mask = action.mask;
    if (!(action.flags & SA_NODEFER)) mask |= sigbit(sig);
    if (saved !== undefined) savedMasks.delete(task);
    task.signals.blocked = (task.signals.blocked | mask) & ~UNBLOCKABLE;
    if (action.flags & SA_RESETHAND) Object.assign(action, { handler: SIG_DFL, flags: action.flags & ~SA_SIGINFO });
  }
}

/** force_sig_info: an ignored or blocked signal is reset to SIG_DFL and unblocked, so it cannot be escaped. */
function forceSignal(task: Task, info: SigInfo): void {
  const action = actionOf(task, info.signo);
  const bit = sigbit(info.signo);
  if (action.handler === SIG_IGN || task.signals.blocked & bit) {
    action.handler = SIG_DFL;
    task.signals.blocked &= ~bit;
  }
  task.signals.pending.unshift(info);
}

/** A fault the CPU raised in `task`: the forced signal, delivered at once (to its handler, or the default action). */
export function forceSigFault(task: Task, fault: GuestFault | FaultSignal): void {
  Object.assign(trapStateOf(task), trapOf(task, fault));
  // SIGILL and SIGFPE report the faulting instruction's address (the kernel's error_get_trap_addr).
  const addr = fault.signal === SIGILL || fault.signal === SIGFPE ? fault.rip : fault.address;
  const info: SigInfo & { fault: FaultSignal } = {
    signo: fault.signal, code: fault.code, addr,
    fault: { signal: fault.signal, code: fault.code, address: fault.address, rip: fault.rip, instruction: fault.instruction, kind: fault.kind },
  };
  forceSignal(task, info);
  deliverSignals(task);
}

/**
 * A write that found no reader (EPIPE) also sends the writer SIGPIPE, as pipe_write and the socket layer do:
 * `result` (or what a sleeping write returns once woken) passes through.
 */
export function sigpipeOnEpipe(task: Task, result: SyscallResult): SyscallResult {
  if (result === -EPIPE || result === BigInt(-EPIPE)) sendSignal(task.group, { signo: SIGPIPE, code: SI_USER, pid: task.pid, uid: task.cred.uid });
  else if (typeof result === 'object' && result.kind === 'block') {
    const resume = result.resume;
    return { ...result, resume: () => sigpipeOnEpipe(task, resume()) };
  }
  return result;
}
