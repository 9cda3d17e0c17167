// A task: what the kernel keeps for one thread (task_struct) and the objects threads may share — the address
// space with its brk and exec facts (mm), open files, cwd/umask (fs), signal handlers and the thread group
// (pid, exit status, rlimits, parent and children).
import type { Cpu } from '../cpu/index.ts';
import type { AddressSpace } from '../mm/address-space.ts';
import type { FdTable } from './files/fd-table.ts';
import type { Kernel } from './kernel.ts';
import { hostIdentity } from './procfs/host-identity.ts';
import { SignalHandlers, SignalState } from './signal-state.ts';
import type { SyscallResult } from './syscall-table.ts';
import { leaveQueues, WaitQueue } from './wait-queue.ts';

/** The kernel's mm_struct beyond the VMAs: brk and the facts exec records (for /proc and brk). */
export class MmContext {
  /** Program break: start_brk and brk. */
  brk = { start: 0, current: 0 };
  /** The executable's canonical path (/proc/PID/exe, maps). */
  exe = '';
  /** Where argv and envp strings lie on the stack (/proc/PID/cmdline, environ). */
  argStart = 0;
  argEnd = 0;
  envStart = 0;
  envEnd = 0;
  /** The auxv as exec laid it out (/proc/PID/auxv): pairs of type, value. */
  auxv: [bigint, bigint][] = [];
  /** The initial stack pointer (start_stack). */
  startStack = 0;
  /** Base of [vdso] (AT_SYSINFO_EHDR), 0 when none. */
  vdso = 0;
  /** prctl PR_SET_DUMPABLE's value (SUID_DUMP_USER 1 after exec, SUID_DUMP_DISABLE 0); fork copies it. */
  dumpable = 1;

  constructor(
    readonly space: AddressSpace,
    /** Top of the [stack] VMA (exclusive): TASK_SIZE less the stack randomization. */
    readonly stackTop: number,
  ) {}
}

/** cwd and umask (fs_struct). */
export class FsContext {
  constructor(
    public cwd: string,
    public umask = 0o022,
  ) {}

  clone(): FsContext {
    return new FsContext(this.cwd, this.umask);
  }
}

/** uid/gid sets (struct cred). A guest sees the host user's ids. */
export interface Credentials {
  uid: number;
  euid: number;
  suid: number;
  gid: number;
  egid: number;
  sgid: number;
  groups: number[];
}

/** A resource limit: soft and hard, Infinity for RLIM_INFINITY. */
export interface Rlimit {
  soft: number;
  hard: number;
}

/** How a thread group ended: an exit code, or a signal (with the fault that raised it, when one did). */
export type ExitReason =
  | { kind: 'exited'; code: number }
  /** `fault`: where and by which instruction, when a fault raised the signal. */
  | { kind: 'signaled'; signal: number; coreDumped: boolean; fault?: { address?: number; rip: number; instruction: string; kind: string; where: string } };

/** The thread group (signal_struct + the process-wide parts): one per process. */
export class ThreadGroup {
  readonly threads: Task[] = [];
  /** Child processes (thread groups), for wait4. */
  readonly children: ThreadGroup[] = [];
  parent: ThreadGroup | undefined;
  /** Set once the group has ended; a zombie until the parent reaps it. */
  exit: ExitReason | undefined;
  reaped = false;
  /** Wakes a parent waiting in wait4 (children exiting or stopping). */
  readonly childEvents = new WaitQueue();
  readonly rlimits: Map<number, Rlimit>;
  /** personality(2) flags (ADDR_NO_RANDOMIZE = 0x0040000, ...). */
  personality = 0;
  /** The process name: the leader thread's comm (/proc/PID/comm, status Name). */
  get comm(): string {
    return this.threads[0]?.comm ?? '';
  }
  /** system calls that returned -ENOSYS already (noted once). */
  readonly notedNosys = new Set<number>();

  constructor(
    readonly tgid: number,
    public sighand: SignalHandlers,
    rlimits: Map<number, Rlimit>,
  ) {
    this.rlimits = new Map([...rlimits].map(([k, v]) => [k, { ...v }]));
  }

  get leader(): Task {
    return this.threads[0]!;
  }
}

export type TaskState = 'runnable' | 'blocked' | 'dead';

export class Task {
  state: TaskState = 'runnable';
  /** Run by the scheduler (false: a Process's CPU, driven by its calls, only borrows the system calls). */
  scheduled = true;
  /** While blocked in a system call: what to call when woken, and the wake-up deadline (ms since epoch). */
  blockedIn: { resume: () => SyscallResult; untilMs?: number; nr: number } | undefined;
  readonly signals = new SignalState();
  /** set_tid_address / CLONE_CHILD_CLEARTID: zeroed and futex-woken when the thread exits. */
  clearChildTid = 0;
  /** set_robust_list head and length. */
  robustList = { head: 0, len: 0 };
  /** The rseq area registered (address, length, signature); 0 when none. */
  rseq = { addr: 0, len: 0, sig: 0 };
  /** The thread's name (comm), 15 bytes at most: the basename of the program exec'ed, or what PR_SET_NAME set. */
  comm = '';
  /** set_mempolicy's task policy (null: the default policy); fork copies it, exec keeps it. */
  mempolicy: { mode: number; flags: number; nodes: bigint } | null = null;
  /** PR_SET_PDEATHSIG: the signal this thread gets when the thread that forked it exits (0: none); fork clears it. */
  pdeathSignal = 0;
  /** PR_SET_NO_NEW_PRIVS: inherited by children and kept across exec; once set, never cleared. Starts as picemu's own. */
  noNewPrivs = hostIdentity().lines.get('NoNewPrivs') === '1';

  constructor(
    readonly kernel: Kernel,
    readonly tid: number,
    readonly group: ThreadGroup,
    public cpu: Cpu,
    public mm: MmContext,
    public files: FdTable,
    public fs: FsContext,
    public cred: Credentials,
  ) {
    group.threads.push(this);
  }

  /** The process id (thread group id). */
  get pid(): number {
    return this.group.tgid;
  }

  get space(): AddressSpace {
    return this.mm.space;
  }

  /** Made runnable by a wait queue or a deadline; the scheduler calls blockedIn.resume. */
  wake(): void {
    leaveQueues(this);
    if (this.state === 'blocked') this.state = 'runnable';
  }
}
