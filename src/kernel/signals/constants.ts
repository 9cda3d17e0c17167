// Signal numbers, names, default actions, sigaction flags and si_code values of x86-64 Linux.

export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8;
export const SIGKILL = 9, SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15;
export const SIGSTKFLT = 16, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22;
export const SIGURG = 23, SIGXCPU = 24, SIGXFSZ = 25, SIGVTALRM = 26, SIGPROF = 27, SIGWINCH = 28, SIGIO = 29;
export const SIGPWR = 30, SIGSYS = 31, SIGRTMIN = 32, NSIG = 64;

const NAMES = [
  '', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV',
  'SIGUSR2', 'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN',
  'SIGTTOU', 'SIGURG', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS',
];

/** SIGSEGV, SIGRTMIN+3 (as strace names real-time signals), or the number. */
export function signalName(sig: number): string {
  if (sig > 0 && sig < SIGRTMIN) return NAMES[sig]!;
  if (sig === SIGRTMIN) return 'SIGRTMIN';
  if (sig > SIGRTMIN && sig <= NSIG) return `SIGRTMIN+${sig - SIGRTMIN}`;
  return String(sig);
}

/** What a signal does when its handler is SIG_DFL (signal(7)). */
export type DefaultAction = 'term' | 'core' | 'ignore' | 'stop' | 'cont';

export function defaultAction(sig: number): DefaultAction {
  switch (sig) {
    case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE: case SIGSEGV:
    case SIGXCPU: case SIGXFSZ: case SIGSYS:
      return 'core';
    case SIGCHLD: case SIGURG: case SIGWINCH:
      return 'ignore';
    case SIGCONT:
      return 'cont';
    case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
      return 'stop';
    default:
      return 'term'; // the rest, real-time signals included
  }
}

/** A signal set bit (bit n-1 for signal n). */
export const sigbit = (sig: number): bigint => 1n << BigInt(sig - 1);
/** SIGKILL and SIGSTOP can be neither caught, blocked nor ignored. */
export const UNBLOCKABLE = sigbit(SIGKILL) | sigbit(SIGSTOP);
/** Signals the kernel delivers first when several are pending (SYNCHRONOUS_MASK: the fault signals). */
export const SYNCHRONOUS = sigbit(SIGSEGV) | sigbit(SIGBUS) | sigbit(SIGILL) | sigbit(SIGTRAP) | sigbit(SIGFPE) | sigbit(SIGSYS);

export const SA_NOCLDSTOP = 0x1n, SA_NOCLDWAIT = 0x2n, SA_SIGINFO = 0x4n, SA_UNSUPPORTED = 0x400n;
export const SA_EXPOSE_TAGBITS = 0x800n, SA_RESTORER = 0x04000000n, SA_ONSTACK = 0x08000000n;
export const SA_RESTART = 0x10000000n, SA_NODEFER = 0x40000000n, SA_RESETHAND = 0x80000000n;

export const SIG_DFL = 0n, SIG_IGN = 1n;
export const SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
export const SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 1 << 31;
/** MINSIGSTKSZ the kernel checks in sigaltstack (2048; AT_MINSIGSTKSZ reports the real need). */
export const MINSIGSTKSZ = 2048;

/** si_code values. */
export const SI_USER = 0, SI_KERNEL = 0x80, SI_QUEUE = -1, SI_TKILL = -6;
export const CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_TRAPPED = 4, CLD_STOPPED = 5, CLD_CONTINUED = 6;
