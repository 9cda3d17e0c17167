// Job control (kernel/signal.c's group stop): a stop signal's default action stops every thread of the process
// (not scheduled until continued); SIGCONT continues it when sent, whatever its handler; each transition is told to
// the parent (SIGCHLD with CLD_STOPPED/CLD_CONTINUED, unless its SIGCHLD action has SA_NOCLDSTOP) and reported
// once by wait4 (WUNTRACED, WCONTINUED) or waitid (WSTOPPED, WCONTINUED).
import type { SigInfo } from './siginfo.ts';
import type { ThreadGroup } from '../task.ts';
import { CLD_CONTINUED, CLD_STOPPED, SA_NOCLDSTOP, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU } from './constants.ts';

export const isStopSignal = (sig: number): boolean => sig === SIGSTOP || sig === SIGTSTP || sig === SIGTTIN || sig === SIGTTOU;

/** What a group's parent may still collect with wait: the stop (and its signal) or the continue, once. */
export interface JobState {
  stopped: boolean;
  signal: number;
  report: 'stopped' | 'continued' | undefined;
}

const states = new WeakMap<ThreadGroup, JobState>();

export function jobState(group: ThreadGroup): JobState {
  let s = states.get(group);
  if (!s) states.set(group, (s = { stopped: false, signal: 0, report: undefined }));
  return s;
}

/** Whether the group is stopped (its threads are not scheduled). */
export function isStopped(group: ThreadGroup): boolean {
  return states.get(group)?.stopped ?? false;
}

/** do_notify_parent_cldstop: SIGCHLD to the parent (unless it asked SA_NOCLDSTOP), and wake its waits. */
function notifyParent(group: ThreadGroup, code: number, status: number, send: (to: ThreadGroup, info: SigInfo) => void): void {
  const parent = group.parent;
  if (!parent || parent.exit) return;
  if (!(parent.sighand.actions[SIGCHLD]!.flags & SA_NOCLDSTOP)) send(parent, { signo: SIGCHLD, code, pid: group.tgid, uid: group.leader.cred.uid, status, utime: 0, stime: 0 });
  parent.childEvents.wake();
}

/**
 * prepare_signal's job-control part, when `sig` is sent to `group`: a stop signal drops a pending SIGCONT; SIGCONT
 * drops pending stop signals and continues a stopped group at once.
 */
export function prepareJobSignal(group: ThreadGroup, sig: number, send: (to: ThreadGroup, info: SigInfo) => void): void {
  const drop = (which: (s: number) => boolean) => {
    for (const t of group.threads) {
      const q = t.signals.pending as SigInfo[];
      for (let i = q.length - 1; i >= 0; i--) if (which(q[i]!.signo)) q.splice(i, 1);
    }
  };
  if (isStopSignal(sig)) drop((s) => s === SIGCONT);
  else if (sig === SIGCONT) {
    drop(isStopSignal);
    const s = jobState(group);
    if (s.stopped) {
      s.stopped = false;
      s.report = 'continued';
      notifyParent(group, CLD_CONTINUED, SIGCONT, send);
    }
  }
}

/** do_signal_stop: a stop signal's default action stops the whole group and tells the parent. */
export function stopGroup(group: ThreadGroup, sig: number, send: (to: ThreadGroup, info: SigInfo) => void): void {
  const s = jobState(group);
  if (s.stopped) return;
  Object.assign(s, { stopped: true, signal: sig, report: 'stopped' });
  notifyParent(group, CLD_STOPPED, sig, send);
}
