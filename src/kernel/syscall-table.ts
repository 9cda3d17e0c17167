// The system-call table: number → {name, argument kinds (how strace prints them), handler}. Each group of calls
// lives in its own file under syscalls/ and registers itself with `defineSyscalls`; syscalls/index.ts lists the
// files (one line each). A number with no entry is -ENOSYS, noted once per process.
import type { Task } from './task.ts';
import type { WaitQueue } from './wait-queue.ts';

/**
 * How strace prints an argument (and so what it is): numbers as `int`/`uint`/`hex`/`octal`; `fd` and `dirfd`
 * (AT_FDCWD); guest pointers as `ptr`; a NUL-terminated `path`; `inbuf` (bytes the call reads, length in the
 * next argument) and `outbuf` (bytes it writes, shown after the call, length = the result); flag sets by
 * family (`open-flags`, `prot`, `mmap-flags`, ...); socket's `address-family` and `socket-type`, a `sockaddr` whose
 * length is the next argument; `ignored` for unused registers.
 */
export type ArgKind =
  | 'int' | 'uint' | 'hex' | 'octal' | 'fd' | 'dirfd' | 'ptr' | 'path' | 'string' | 'inbuf' | 'outbuf' | 'iovec-in' | 'iovec-out'
  | 'open-flags' | 'at-flags' | 'prot' | 'mmap-flags' | 'signal' | 'clock' | 'whence' | 'ioctl' | 'fcntl' | 'arch-prctl'
  | 'resource' | 'personality' | 'access-mode' | 'struct' | 'stat-out' | 'ignored'
  | 'address-family' | 'socket-type' | 'sockaddr' | 'epoll-flags' | 'pollfds' | 'epoll-op' | 'epoll-event' | 'epoll-events-out';

/**
 * How strace prints the result: `int` (default; -errno as `-1 ENOENT (…)`), `hex` (addresses: mmap, brk), `none`
 * (exit), `poll` (the count, then the pollfds with events, or `(Timeout)`).
 */
export type ResultKind = 'int' | 'hex' | 'none' | 'poll';

/** The six argument registers rdi, rsi, rdx, r10, r8, r9, unsigned 64-bit. */
export type SyscallArgs = readonly [bigint, bigint, bigint, bigint, bigint, bigint];

/**
 * What a handler gives back:
 * - a number or bigint: the value for rax (negative = -errno), as the kernel returns it;
 * - `block`: the task sleeps on `queue` (one wait queue, or several at once: poll, select, epoll) and/or until
 *   `untilMs`, a wall-clock deadline; when woken, `resume` is called and its result is taken instead (it may block
 *   again);
 * - `exit`: the task (or, with `group`, its whole thread group) ends with `status` (exit code 0-255);
 * - `registers-set`: the handler set rax and whatever else itself (execve, rt_sigreturn): the loop writes nothing.
 */
export type SyscallResult =
  | bigint
  | number
  | { kind: 'block'; queue?: WaitQueue | readonly WaitQueue[]; untilMs?: number; resume: () => SyscallResult }
  | { kind: 'exit'; status: number; group: boolean }
  | { kind: 'registers-set' };

export type SyscallHandler = (task: Task, args: SyscallArgs) => SyscallResult;

export interface SyscallDef {
  nr: number;
  name: string;
  args: readonly ArgKind[];
  result?: ResultKind;
  handler: SyscallHandler;
}

/** Names of x86-64 system calls without a handler here, so -ENOSYS notes and strace can name them. */
const KNOWN_NAMES: Record<number, string> = {
  6: 'lstat', 7: 'poll', 13: 'rt_sigaction', 14: 'rt_sigprocmask', 15: 'rt_sigreturn', 23: 'select', 25: 'mremap',
  28: 'madvise', 34: 'pause', 35: 'nanosleep', 37: 'alarm', 41: 'socket', 42: 'connect', 56: 'clone', 57: 'fork',
  58: 'vfork', 59: 'execve', 61: 'wait4', 62: 'kill', 63: 'uname', 72: 'fcntl', 82: 'rename', 83: 'mkdir',
  87: 'unlink', 96: 'gettimeofday', 99: 'sysinfo', 131: 'sigaltstack', 157: 'prctl', 158: 'arch_prctl',
  200: 'tkill', 202: 'futex', 204: 'sched_getaffinity', 218: 'set_tid_address', 234: 'tgkill', 247: 'waitid',
  273: 'set_robust_list', 274: 'get_robust_list', 302: 'prlimit64', 322: 'execveat', 332: 'statx', 334: 'rseq',
  435: 'clone3', 439: 'faccessat2',
};

const table = new Map<number, SyscallDef>();

/** Adds a file's system calls to the table (each number once: a second definition is a programming error). */
export function defineSyscalls(defs: readonly SyscallDef[]): void {
  for (const def of defs) {
    const had = table.get(def.nr);
    if (had) throw new Error(`system call ${def.nr} defined twice (${had.name}, ${def.name})`);
    table.set(def.nr, def);
  }
}

export function syscallDef(nr: number): SyscallDef | undefined {
  return table.get(nr);
}

/** Every defined system call, by number. */
export function definedSyscalls(): SyscallDef[] {
  return [...table.values()].sort((a, b) => a.nr - b.nr);
}

/** `write` for 1; a known name for calls without a handler; `syscall_N` (strace's form) otherwise. */
export function syscallName(nr: number): string {
  return table.get(nr)?.name ?? KNOWN_NAMES[nr] ?? `syscall_0x${nr.toString(16)}`;
}
