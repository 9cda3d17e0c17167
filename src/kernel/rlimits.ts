// Resource limits (getrlimit/prlimit64): numbers and the defaults a login shell's process has on Debian.
import type { Rlimit } from './task.ts';

export const RLIMIT_CPU = 0, RLIMIT_FSIZE = 1, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_CORE = 4, RLIMIT_RSS = 5;
export const RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_AS = 9, RLIMIT_LOCKS = 10;
export const RLIMIT_SIGPENDING = 11, RLIMIT_MSGQUEUE = 12, RLIMIT_NICE = 13, RLIMIT_RTPRIO = 14, RLIMIT_RTTIME = 15;
export const RLIM_NLIMITS = 16;

/** The limits a new process starts with: 8 MiB stack, 1024/4096 files (picemu's own caps on processes). */
export function defaultRlimits(): Map<number, Rlimit> {
  const inf = { soft: Infinity, hard: Infinity };
  const m = new Map<number, Rlimit>();
  for (let r = 0; r < RLIM_NLIMITS; r++) m.set(r, { ...inf });
  m.set(RLIMIT_STACK, { soft: 8 * 1024 * 1024, hard: Infinity });
  m.set(RLIMIT_CORE, { soft: 0, hard: Infinity });
  m.set(RLIMIT_NOFILE, { soft: 1024, hard: 4096 });
  m.set(RLIMIT_NPROC, { soft: 256, hard: 256 });
  m.set(RLIMIT_SIGPENDING, { soft: 63459, hard: 63459 });
  m.set(RLIMIT_MSGQUEUE, { soft: 819200, hard: 819200 });
  m.set(RLIMIT_MEMLOCK, { soft: 8 * 1024 * 1024, hard: 8 * 1024 * 1024 });
  m.set(RLIMIT_NICE, { soft: 0, hard: 0 });
  m.set(RLIMIT_RTPRIO, { soft: 0, hard: 0 });
  return m;
}
