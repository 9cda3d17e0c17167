// The Linux system calls picemu performs for a guest: process identity, memory (brk, anonymous mmap,
// munmap, mprotect) and getrandom — enough for libc's malloc. Any other is reported by number and name.
import type { AddressSpace } from '../mm/address-space.ts';
import { MmError, type MmErrno } from '../mm/errors.ts';
import { PAGE_SIZE, PROT_READ, PROT_WRITE } from '../mm/types.ts';

/** x86-64 syscall numbers picemu can name in a message. */
const NAMES: Record<number, string> = {
  0: 'read', 1: 'write', 2: 'open', 3: 'close', 5: 'fstat', 9: 'mmap', 10: 'mprotect', 11: 'munmap', 12: 'brk',
  13: 'rt_sigaction', 14: 'rt_sigprocmask', 16: 'ioctl', 20: 'writev', 39: 'getpid', 60: 'exit', 62: 'kill',
  186: 'gettid', 201: 'time', 202: 'futex', 228: 'clock_gettime', 231: 'exit_group', 257: 'openat', 318: 'getrandom',
};

export function syscallName(nr: number): string {
  return NAMES[nr] ?? `#${nr}`;
}

/** What a system call may touch of its process. */
export interface SyscallHost {
  pid: number;
  space: AddressSpace;
  /** The program break: start of [heap] and the current break (mapped addresses). */
  heap: { start: number; brk: number };
  /** Deterministic random bytes (seeded by the machine). */
  randomBytes(n: number): Uint8Array;
}

const ERRNO: Record<MmErrno, number> = { EPERM: 1, ENOMEM: 12, EACCES: 13, EEXIST: 17, EINVAL: 22 };
const EBADF = 9;
const MAP_SHARED = 0x01, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000;

const pageUp = (v: number): number => Math.ceil(v / PAGE_SIZE) * PAGE_SIZE;
const neg = (errno: number): bigint => BigInt(-errno);

/** Performs system call `nr` with arguments rdi, rsi, rdx, r10, r8, r9; returns rax, or undefined when picemu does not provide it. */
export function performSyscall(host: SyscallHost, nr: number, a: readonly bigint[]): bigint | undefined {
  const n = (k: number): number => Number(BigInt.asUintN(64, a[k]!));
  try {
    switch (nr) {
      case 39: // getpid: one thread per process, so the thread id is the pid too
      case 186: // gettid
        return BigInt(host.pid);
      case 12: { // brk: the kernel returns the new break, or the old one when it cannot move
        const want = n(0);
        if (want < host.heap.start) return BigInt(host.heap.brk);
        const [oldTop, newTop] = [pageUp(host.heap.brk), pageUp(want)];
        if (newTop > oldTop) host.space.mmap({ addr: oldTop, length: newTop - oldTop, prot: PROT_READ | PROT_WRITE, fixed: true, anonymous: true, name: '[heap]' });
        else if (newTop < oldTop) host.space.munmap(newTop, oldTop - newTop);
        host.heap.brk = want;
        return BigInt(want);
      }
      case 9: { // mmap: anonymous memory only (picemu has no file descriptors)
        const [addr, length, prot, flags] = [n(0), n(1), n(2), n(3)];
        if (!(flags & MAP_ANONYMOUS)) return neg(EBADF);
        const va = host.space.mmap({
          addr: addr || undefined, length, prot, anonymous: true, shared: (flags & MAP_SHARED) !== 0,
          fixed: (flags & MAP_FIXED) !== 0, noReplace: (flags & MAP_FIXED_NOREPLACE) !== 0,
        });
        return BigInt(va);
      }
      case 11: // munmap
        host.space.munmap(n(0), n(1));
        return 0n;
      case 10: // mprotect
        host.space.mprotect(n(0), n(1), n(2));
        return 0n;
      case 318: { // getrandom(buf, len, flags)
        const len = Math.min(n(1), 1 << 20);
        host.space.write(n(0), host.randomBytes(len));
        return BigInt(len);
      }
      default:
        return undefined;
    }
  } catch (e) {
    if (e instanceof MmError) return neg(ERRNO[e.code] ?? 22);
    throw e;
  }
}
