// The few Linux system calls picemu performs for a guest (number in rax, result back in rax); any other is
// reported by number and name so a person can see what a function needed.

/** x86-64 syscall numbers picemu can name in a message. */
const NAMES: Record<number, string> = {
  0: 'read', 1: 'write', 2: 'open', 3: 'close', 5: 'fstat', 9: 'mmap', 10: 'mprotect', 11: 'munmap', 12: 'brk',
  13: 'rt_sigaction', 14: 'rt_sigprocmask', 16: 'ioctl', 20: 'writev', 39: 'getpid', 60: 'exit', 62: 'kill',
  186: 'gettid', 201: 'time', 202: 'futex', 228: 'clock_gettime', 231: 'exit_group', 257: 'openat', 318: 'getrandom',
};

export function syscallName(nr: number): string {
  return NAMES[nr] ?? `#${nr}`;
}

/** Performs the system call, returning rax; undefined when picemu does not provide it. */
export function performSyscall(nr: number, pid: number): bigint | undefined {
  switch (nr) {
    case 39: // getpid: one thread per process, so the thread id is the pid too
    case 186: // gettid
      return BigInt(pid);
    default:
      return undefined;
  }
}
