// Signal names by number (x86-64), for messages and strace.
const NAMES = ['', 'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGKILL', 'SIGUSR1', 'SIGSEGV', 'SIGUSR2',
  'SIGPIPE', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCHLD', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGURG', 'SIGXCPU',
  'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGWINCH', 'SIGIO', 'SIGPWR', 'SIGSYS'];

export function signalName(signo: number): string {
  if (NAMES[signo]) return NAMES[signo]!;
  if (signo >= 32 && signo <= 64) return signo === 34 ? 'SIGRTMIN' : signo === 64 ? 'SIGRTMAX' : `SIGRT_${signo - 32}`;
  return `signal ${signo}`;
}
