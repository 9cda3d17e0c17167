// The Linux system calls picemu performs for a guest: process identity, memory (brk, anonymous mmap,
// munmap, mprotect) and getrandom — enough for libc's malloc. Any other is reported by number and name.
// Guest memory is touched only through copyToUser/copyFromUser (the kernel's copy_to_user): a bad pointer
// gives -EFAULT (or a short count), never a host exception.
import type { AddressSpace } from '../mm/address-space.ts';
import { MmError, type MmErrno } from '../mm/errors.ts';
import { TASK_SIZE } from '../mm/layout.ts';
import { PAGE_SIZE, PageFault, PROT_EXEC, PROT_READ, PROT_WRITE, type VirtAddr } from '../mm/types.ts';

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
const EBADF = 9, EFAULT = 14, EINVAL = 22, ENOMEM = 12;
const MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_SHARED_VALIDATE = 0x03, MAP_TYPE = 0x0f;
const MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000;
const GRND_NONBLOCK = 0x1, GRND_RANDOM = 0x2, GRND_INSECURE = 0x4;
/** The kernel's cap on one read/write-like transfer (INT_MAX rounded down to a page). */
const MAX_RW_COUNT = 0x7fffffff & ~(PAGE_SIZE - 1);
/** picemu's own cap on one getrandom (a short read, as getrandom may return). */
const GETRANDOM_MAX = 1 << 20;

const pageUp = (v: number): number => Math.ceil(v / PAGE_SIZE) * PAGE_SIZE;
const neg = (errno: number): bigint => BigInt(-errno);

/** A user pointer the kernel's access_ok refuses: the range [va, va+length) does not lie below TASK_SIZE. */
function accessOk(va: bigint, length: bigint): boolean {
  return va + length <= BigInt(TASK_SIZE);
}

/**
 * The kernel's copy_to_user for system calls: writes `bytes` at guest address `va` page by page, as the guest
 * would (PROT_WRITE required, copy-on-write broken), and stops at the first page it cannot write. Returns how
 * many bytes were written (less than `bytes.length` on a fault; 0 when the first byte faults), never throws
 * a PageFault. Every system call that writes guest memory goes through this (or copyFromUser to read), so a
 * bad pointer becomes -EFAULT or a short count, as in the kernel, never a host exception.
 */
export function copyToUser(space: AddressSpace, va: VirtAddr, bytes: Uint8Array): number {
  if (!accessOk(BigInt(va), BigInt(bytes.length))) return 0;
  let done = 0;
  while (done < bytes.length) {
    const at = va + done;
    const n = Math.min(PAGE_SIZE - (at % PAGE_SIZE), bytes.length - done);
    try {
      space.write(at, bytes.subarray(done, done + n));
    } catch (e) {
      if (e instanceof PageFault) return done;
      throw e;
    }
    done += n;
  }
  return done;
}

/** The kernel's copy_from_user: reads `length` bytes at `va` as the guest would; the bytes read before the first fault (shorter on a fault). */
export function copyFromUser(space: AddressSpace, va: VirtAddr, length: number): Uint8Array {
  if (!accessOk(BigInt(va), BigInt(length))) return new Uint8Array(0);
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const at = va + done;
    const n = Math.min(PAGE_SIZE - (at % PAGE_SIZE), length - done);
    try {
      out.set(space.read(at, n), done);
    } catch (e) {
      if (e instanceof PageFault) return out.subarray(0, done);
      throw e;
    }
    done += n;
  }
  return out;
}

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
      case 9: { // mmap: anonymous memory only (picemu has no file descriptors). Checks in the kernel's order.
        const [addr, length, flags] = [n(0), n(1), n(3)];
        if (BigInt.asUintN(64, a[5]!) % BigInt(PAGE_SIZE) !== 0n) return neg(EINVAL); // offset not page-aligned
        if (!(flags & MAP_ANONYMOUS)) return neg(EBADF);
        const len = BigInt.asUintN(64, a[1]!);
        if (len === 0n) return neg(EINVAL);
        // PAGE_ALIGN(len) wrapping to 0, or more than the address space holds: ENOMEM.
        const aligned = BigInt.asUintN(64, len + BigInt(PAGE_SIZE - 1)) & ~BigInt(PAGE_SIZE - 1);
        if (aligned === 0n || aligned > BigInt(TASK_SIZE)) return neg(ENOMEM);
        const type = flags & MAP_TYPE;
        if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return neg(EINVAL);
        // mmap (unlike mprotect) ignores protection bits it does not know: only read, write and exec count.
        const prot = n(2) & (PROT_READ | PROT_WRITE | PROT_EXEC);
        const va = host.space.mmap({
          addr: addr || undefined, length, prot, anonymous: true, shared: type !== MAP_PRIVATE,
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
        const flags = n(2);
        if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) return neg(EINVAL);
        if ((flags & (GRND_INSECURE | GRND_RANDOM)) === (GRND_INSECURE | GRND_RANDOM)) return neg(EINVAL);
        const len = BigInt.asUintN(64, a[1]!) > BigInt(MAX_RW_COUNT) ? MAX_RW_COUNT : n(1);
        if (!accessOk(BigInt.asUintN(64, a[0]!), BigInt(len))) return neg(EFAULT);
        if (len === 0) return 0n;
        const written = copyToUser(host.space, n(0), host.randomBytes(Math.min(len, GETRANDOM_MAX)));
        return written > 0 ? BigInt(written) : neg(EFAULT);
      }
      default:
        return undefined;
    }
  } catch (e) {
    if (e instanceof MmError) return neg(ERRNO[e.code] ?? EINVAL);
    // A guest-memory access not made through copyToUser/copyFromUser: still the kernel's answer, not a host exception.
    if (e instanceof PageFault) return neg(EFAULT);
    throw e;
  }
}
