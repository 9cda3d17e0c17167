// wait4 and waitid: find an ended (or, when asked, stopped or continued) child that matches, report its status
// (the kernel's status word, or a siginfo for waitid) and release it; WNOHANG returns at once; otherwise the caller
// sleeps until a child changes state.
import { ECHILD, EFAULT, EINVAL, ESRCH } from '../errno.ts';
import { childCode, exitSignalOf, reap, waitStatus } from '../lifecycle.ts';
import { CLD_CONTINUED, CLD_STOPPED, SIGCHLD, SIGCONT } from '../signals/constants.ts';
import { jobState } from '../signals/job-control.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task, ThreadGroup } from '../task.ts';
import { int, putUser, StructWriter } from './helpers.ts';

const WNOHANG = 1, WUNTRACED = 2, WSTOPPED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x01000000;
const __WNOTHREAD = 0x20000000, __WALL = 0x40000000, __WCLONE = 0x80000000;
const P_ALL = 0, P_PID = 1, P_PGID = 2, P_PIDFD = 3;
const RUSAGE_SIZE = 144;

/** The children `which` selects (null: every child: one process group holds them all), eligible by exit signal. */
function candidates(task: Task, pid: number | null, options: number): ThreadGroup[] {
  return task.group.children.filter((c) => {
    if (pid !== null && c.tgid !== pid) return false;
    if (options & __WALL) return true;
    // A child whose exit signal is not SIGCHLD is a "clone" child: only __WCLONE waits for it.
    return (exitSignalOf(c) === SIGCHLD) !== ((options & __WCLONE) !== 0);
  });
}

/** Runs `attempt` now and, while it says "not yet", again each time a child of the caller changes state. */
function waitFor(task: Task, attempt: () => SyscallResult | 'not-yet'): SyscallResult {
  const r = attempt();
  if (r !== 'not-yet') return r;
  const retry = (): SyscallResult => {
    const again = attempt();
    return again === 'not-yet' ? { kind: 'block', queue: task.group.childEvents, resume: retry } : again;
  };
  return { kind: 'block', queue: task.group.childEvents, resume: retry };
}

function wait4(task: Task, [pidArg, statusPtr, optArg, rusagePtr]: readonly bigint[]): SyscallResult {
  const options = int(optArg!) >>> 0;
  if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) return -EINVAL;
  const raw = int(pidArg!);
  if (raw === -2147483648) return -ESRCH; // -INT_MIN has no process group
  const pid = raw > 0 ? raw : null;
  return waitFor(task, () => {
    const kids = candidates(task, pid, options);
    if (!kids.length) return -ECHILD;
    // wait_consider_task, child by child: an ended one, else a stop not yet reported (WUNTRACED), else a continue (WCONTINUED).
    const done = kids.find((c) => (c.exit && !c.reaped) || jobReport(c, options & WUNTRACED ? 'stopped' : undefined) || jobReport(c, options & WCONTINUED ? 'continued' : undefined));
    if (!done) return options & WNOHANG ? 0 : 'not-yet';
    let status: number;
    if (done.exit) {
      status = waitStatus(done.exit);
      reap(done);
    } else {
      const job = jobState(done);
      status = job.report === 'stopped' ? (job.signal << 8) | 0x7f : 0xffff;
      job.report = undefined;
    }
    if (statusPtr && putUser(task, statusPtr, new StructWriter(4).u32(0, status).bytes) < 0) return -EFAULT;
    if (rusagePtr && putUser(task, rusagePtr, new Uint8Array(RUSAGE_SIZE)) < 0) return -EFAULT;
    return done.tgid;
  });
}

/** Whether `child` has a job-control transition of kind `kind` its parent has not collected yet. */
function jobReport(child: ThreadGroup, kind: 'stopped' | 'continued' | undefined): boolean {
  if (!kind || child.exit) return false;
  const job = jobState(child);
  return job.report === kind && job.stopped === (kind === 'stopped');
}

/** The siginfo waitid writes (signo, errno, code, pid, uid, status); all zero when nothing was waited for. */
function waitidInfo(group: ThreadGroup | undefined): Uint8Array {
  const w = new StructWriter(128);
  if (group) {
    const job = jobState(group);
    const { code, status } = group.exit ? childCode(group.exit) : job.report === 'stopped' ? { code: CLD_STOPPED, status: job.signal } : { code: CLD_CONTINUED, status: SIGCONT };
    w.u32(0, SIGCHLD).u32(8, code).u32(16, group.tgid).u32(20, group.leader.cred.uid).u32(24, status);
  }
  return w.bytes;
}

function waitid(task: Task, [typeArg, idArg, infop, optArg, rusagePtr]: readonly bigint[]): SyscallResult {
  const options = int(optArg!) >>> 0;
  if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL)) return -EINVAL;
  if (!(options & (WEXITED | WSTOPPED | WCONTINUED))) return -EINVAL;
  const type = int(typeArg!);
  const id = int(idArg!);
  let pid: number | null;
  switch (type) {
    case P_ALL: pid = null; break;
    case P_PID: if (id <= 0) return -EINVAL; pid = id; break;
    case P_PGID: if (id < 0) return -EINVAL; pid = null; break;
    case P_PIDFD: return -EINVAL; // no pidfds here
    default: return -EINVAL;
  }
  return waitFor(task, () => {
    const kids = candidates(task, pid, options);
    if (!kids.length) return -ECHILD;
    const done = kids.find((c) => (options & WEXITED && c.exit && !c.reaped) || jobReport(c, options & WSTOPPED ? 'stopped' : undefined) || jobReport(c, options & WCONTINUED ? 'continued' : undefined));
    if (!done) {
      if (!(options & WNOHANG)) return 'not-yet';
      if (infop && putUser(task, infop, waitidInfo(undefined).subarray(0, 28)) < 0) return -EFAULT;
      return 0;
    }
    const info = waitidInfo(done);
    if (!(options & WNOWAIT)) {
      if (done.exit) reap(done);
      else jobState(done).report = undefined;
    }
    if (rusagePtr && putUser(task, rusagePtr, new Uint8Array(RUSAGE_SIZE)) < 0) return -EFAULT;
    if (infop && putUser(task, infop, info.subarray(0, 28)) < 0) return -EFAULT;
    return 0;
  });
}

defineSyscalls([
  { nr: 61, name: 'wait4', args: ['int', 'ptr', 'int', 'ptr'], handler: (t, a) => wait4(t, a) },
  { nr: 247, name: 'waitid', args: ['int', 'int', 'ptr', 'int', 'ptr'], handler: (t, a) => waitid(t, a) },
]);
