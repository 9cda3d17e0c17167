// What /proc reads of an emulated task: identity, credentials, the address space and where exec put
// argv/envp/auxv, open files, signal masks. The kernel's task object provides it; procfs never changes it.
import type { AddressSpace } from '../../mm/address-space.ts';
import type { VirtAddr } from '../../mm/types.ts';

/** A task's state letter as /proc prints it (R running, S sleeping, T stopped, Z zombie, ...). */
export type TaskStateLetter = 'R' | 'S' | 'D' | 'T' | 't' | 'Z' | 'X';

export const TASK_STATE_NAMES: Record<TaskStateLetter, string> = {
  R: 'R (running)',
  S: 'S (sleeping)',
  D: 'D (disk sleep)',
  T: 'T (stopped)',
  t: 't (tracing stop)',
  Z: 'Z (zombie)',
  X: 'X (dead)',
};

/** include/linux/sched.h PF_* bits /proc shows for user tasks. */
export const PF_FORKNOEXEC = 0x40;
export const PF_RANDOMIZE = 0x400000;

export interface Credentials {
  uid: number; euid: number; suid: number; fsuid: number;
  gid: number; egid: number; sgid: number; fsgid: number;
  groups: readonly number[];
}

/** The mm fields exec sets (mm->start_code, arg_start, ...), mapped addresses. */
export interface ExecLayout {
  startCode: VirtAddr; endCode: VirtAddr;
  startData: VirtAddr; endData: VirtAddr;
  startBrk: VirtAddr; brk: VirtAddr;
  startStack: VirtAddr;
  argStart: VirtAddr; argEnd: VirtAddr;
  envStart: VirtAddr; envEnd: VirtAddr;
}

/** Signal sets as 64-bit masks (bit n-1 = signal n). */
export interface SignalMasks {
  pending: bigint;
  sharedPending: bigint;
  blocked: bigint;
  ignored: bigint;
  caught: bigint;
}

export interface ProcTask {
  /** The thread's id, and its thread group's (the process id). */
  tid: number;
  tgid: number;
  ppid: number;
  pgrp: number;
  session: number;
  /** The command name: the executable's basename, truncated to 15 bytes as TASK_COMM_LEN keeps it. */
  comm: string;
  /** PR_SET_NO_NEW_PRIVS (status NoNewPrivs). */
  noNewPrivs: boolean;
  state: TaskStateLetter;
  /** PF_* task flags as stat prints them (PF_RANDOMIZE after an exec with ASLR on, PF_FORKNOEXEC after fork). */
  pfFlags: number;
  umask: number;
  creds: Credentials;
  /** null once the address space is gone (a zombie). */
  space: AddressSpace | null;
  layout: ExecLayout;
  /** The auxiliary vector exec put on the stack, as the kernel keeps it (mm->saved_auxv): pairs of u64 ending in AT_NULL. */
  auxv: Uint8Array;
  /** /proc/PID/exe's target, the canonical path of the executable. */
  exe: string | null;
  /** /proc/PID/cwd's target. */
  cwd: string;
  /** Open file descriptors and what /proc/PID/fd/N links to (a path, `pipe:[N]`, `/dev/pts/0`...). */
  fds: ReadonlyMap<number, string>;
  /** Threads in the thread group. */
  threads: number;
  signals: SignalMasks;
  /** Peak resident set (VmHWM) and peak size (VmPeak) in bytes, as the kernel keeps hiwater marks. */
  peakRss: number;
  peakVm: number;
  /** Page faults so far (minflt, majflt). */
  minorFaults: number;
  majorFaults: number;
  /** Clock ticks since boot when the task started (stat field 22). */
  startTime: number;
  /** Exit code once a zombie (stat field 52), else 0. */
  exitCode: number;
  /** The signal sent to the parent at exit (SIGCHLD for fork, 0 for threads). */
  exitSignal: number;
}
