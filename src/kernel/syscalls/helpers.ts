// Argument decoding shared by the system-call files: C int/long views of the registers, user strings as the
// kernel's getname() reads them, *at() path resolution against a directory descriptor, and struct output.
import { EBADF, EFAULT, ENAMETOOLONG, ENOENT, ENOTDIR } from '../errno.ts';
import { S_IFDIR, S_IFMT } from '../files/file.ts';
import type { SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { copyToUser, stringFromUser } from '../user-memory.ts';

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EACCESS = 0x200, AT_SYMLINK_FOLLOW = 0x400, AT_EMPTY_PATH = 0x1000;
/** The kernel's cap on one read/write-like transfer (INT_MAX rounded down to a page). */
export const MAX_RW_COUNT = 0x7ffff000;
const PATH_MAX = 4096;

/** The register as a C int. */
export const int = (v: bigint): number => Number(BigInt.asIntN(32, v));
/** The register as a C unsigned int. */
export const uint = (v: bigint): number => Number(BigInt.asUintN(32, v));
/** The register as an address or size (unsigned long; beyond 2^53 it is no valid address anyway). */
export const ulong = (v: bigint): number => Number(BigInt.asUintN(64, v));
/** The register as a C long. */
export const long = (v: bigint): number => Number(BigInt.asIntN(64, v));

/** getname(): the path string at `va`; -EFAULT, -ENAMETOOLONG, or (empty, unless allowed) -ENOENT. */
export function pathArg(task: Task, va: bigint, allowEmpty = false): string | number {
  const bytes = stringFromUser(task.space, ulong(va), PATH_MAX);
  if (bytes === null) return -EFAULT;
  if (bytes === 'too-long') return -ENAMETOOLONG;
  if (bytes.length === 0 && !allowEmpty) return -ENOENT;
  return Buffer.from(bytes).toString('utf8');
}

/** The path an *at() call names: absolute as given, else relative to `dirfd` (AT_FDCWD: the cwd). */
export function atPath(task: Task, dirfd: number, path: string): string | number {
  if (path.startsWith('/')) return path;
  if (dirfd === AT_FDCWD) return path;
  const dir = task.files.get(dirfd);
  if (!dir) return -EBADF;
  if (path === '') return dir.path;
  if ((dir.stat().mode & S_IFMT) !== S_IFDIR) return -ENOTDIR;
  return dir.path.replace(/\/$/, '') + '/' + path;
}

/** Writes `bytes` to user memory: 0, or -EFAULT when any of it cannot be written. */
export function putUser(task: Task, va: bigint | number, bytes: Uint8Array): number {
  return copyToUser(task.space, typeof va === 'bigint' ? ulong(va) : va, bytes) === bytes.length ? 0 : -EFAULT;
}

/** A little-endian struct being filled in. */
export class StructWriter {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u16(at: number, v: number): this {
    this.view.setUint16(at, v, true);
    return this;
  }
  u32(at: number, v: number): this {
    this.view.setUint32(at, v >>> 0, true);
    return this;
  }
  u64(at: number, v: number | bigint): this {
    this.view.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), true);
    return this;
  }
  str(at: number, s: string, max: number): this {
    this.bytes.set(Buffer.from(s, 'utf8').subarray(0, max - 1), at);
    return this;
  }
}

/** A handler that blocks: when `attempt` says the call would block, sleep on its queue and try again when woken. */
export function retrying(attempt: () => SyscallResult | { wouldBlock: import('../wait-queue.ts').WaitQueue }): SyscallResult {
  const r = attempt();
  if (typeof r === 'object' && 'wouldBlock' in r) return { kind: 'block', queue: r.wouldBlock, resume: () => retrying(attempt) };
  return r;
}
