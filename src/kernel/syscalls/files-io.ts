// read, write, pread64, pwrite64, readv, writev, lseek, getdents64, ftruncate, fsync: data through open files.
// A read or write that would block sleeps on the file's wait queue and is retried when woken.
import { sigpipeOnEpipe } from '../signals/delivery.ts';
import { EBADF, EFAULT, EINVAL, EISDIR, ESPIPE } from '../errno.ts';
import { O_APPEND, S_IFDIR, S_IFIFO, S_IFMT, type FileDescription, type ReadResult, type WriteResult } from '../files/file.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { accessOk, copyFromUser, copyToUser, u64sFromUser } from '../user-memory.ts';
import { int, long, MAX_RW_COUNT, retrying, uint, ulong, StructWriter } from './helpers.ts';

const UIO_MAXIOV = 1024;

function readable(task: Task, fd: number): FileDescription | number {
  const f = task.files.get(fd);
  return f && f.readable ? f : -EBADF;
}

function writable(task: Task, fd: number): FileDescription | number {
  const f = task.files.get(fd);
  return f && f.writable ? f : -EBADF;
}

/** A read's bytes copied out: the count, or -EFAULT when nothing could be copied. */
function deliver(task: Task, va: number, r: ReadResult): SyscallResult | { wouldBlock: NonNullable<Extract<ReadResult, { wouldBlock: unknown }>>['wouldBlock'] } {
  if (typeof r === 'number') return r;
  if (!(r instanceof Uint8Array)) return r;
  if (r.length === 0) return 0;
  const n = copyToUser(task.space, va, r);
  return n > 0 ? n : -EFAULT;
}

function doRead(task: Task, fd: number, va: number, count: number, offset?: number): SyscallResult {
  const f = readable(task, fd);
  if (typeof f === 'number') return f;
  if ((f.stat().mode & S_IFMT) === S_IFDIR) return -EISDIR;
  const n = Math.min(count, MAX_RW_COUNT);
  if (!accessOk(va, n)) return -EFAULT;
  if (n === 0) return 0;
  return retrying(() => deliver(task, va, offset === undefined ? f.read(n) : f.pread(n, offset)));
}

function doWrite(task: Task, fd: number, va: number, count: number, offset?: number): SyscallResult {
  const f = writable(task, fd);
  if (typeof f === 'number') return f;
  const n = Math.min(count, MAX_RW_COUNT);
  if (!accessOk(va, n)) return -EFAULT;
  if (n === 0) return 0;
  const bytes = copyFromUser(task.space, va, n);
  if (bytes.length === 0) return -EFAULT;
  return retrying((): SyscallResult | { wouldBlock: import('../wait-queue.ts').WaitQueue } => {
    const r: WriteResult = offset === undefined ? f.write(bytes) : f.pwrite(bytes, offset);
    return r;
  });
}

function positional(task: Task, fd: number, offset: number): number {
  const f = task.files.get(fd);
  if (!f) return -EBADF;
  if ((f.stat().mode & S_IFMT) === S_IFIFO || !canSeek(f)) return -ESPIPE;
  if (offset < 0) return -EINVAL;
  return 0;
}

function canSeek(f: FileDescription): boolean {
  return f.seek(f.position, 0) >= 0;
}

/** The iovecs at `va`: [base, len] pairs; -EINVAL for a bad count or total, -EFAULT when unreadable. */
function iovecs(task: Task, va: number, count: number): [number, number][] | number {
  if (count < 0 || count > UIO_MAXIOV) return -EINVAL;
  const words = u64sFromUser(task.space, va, count * 2);
  if (!words) return -EFAULT;
  const out: [number, number][] = [];
  let total = 0n;
  for (let k = 0; k < count; k++) {
    const len = words[2 * k + 1]!;
    if (BigInt.asIntN(64, len) < 0n) return -EINVAL;
    total += len;
    if (total > BigInt(Number.MAX_SAFE_INTEGER)) return -EINVAL;
    out.push([Number(words[2 * k]!), Number(len)]);
  }
  return out;
}

function doReadv(task: Task, fd: number, va: number, count: number): SyscallResult {
  const f = readable(task, fd);
  if (typeof f === 'number') return f;
  const iov = iovecs(task, va, count);
  if (typeof iov === 'number') return iov;
  for (const [base, len] of iov) if (len > 0 && !accessOk(base, len)) return -EFAULT;
  const total = Math.min(iov.reduce((n, [, len]) => n + len, 0), MAX_RW_COUNT);
  if (total === 0) return 0;
  return retrying(() => {
    const r = f.read(total);
    if (!(r instanceof Uint8Array)) return r;
    let done = 0;
    for (const [base, len] of iov) {
      if (done >= r.length) break;
      const part = r.subarray(done, done + len);
      const n = copyToUser(task.space, base, part);
      done += n;
      if (n < part.length) return done > 0 ? done : -EFAULT;
    }
    return done;
  });
}

function doWritev(task: Task, fd: number, va: number, count: number): SyscallResult {
  const f = writable(task, fd);
  if (typeof f === 'number') return f;
  const iov = iovecs(task, va, count);
  if (typeof iov === 'number') return iov;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const [base, len] of iov) {
    if (len === 0) continue;
    if (!accessOk(base, len)) return -EFAULT;
    const want = Math.min(len, MAX_RW_COUNT - total);
    const bytes = copyFromUser(task.space, base, want);
    parts.push(bytes);
    total += bytes.length;
    if (bytes.length < want) {
      if (total === 0) return -EFAULT;
      break;
    }
    if (total >= MAX_RW_COUNT) break;
  }
  if (total === 0) return 0;
  const all = Buffer.concat(parts);
  return retrying(() => f.write(all));
}

/** getdents64: as many linux_dirent64 records as fit; -EINVAL when not even one does. */
function getdents64(task: Task, fd: number, va: number, count: number): SyscallResult {
  const f = task.files.get(fd);
  if (!f) return -EBADF;
  const entries = f.readdir();
  if (typeof entries === 'number') return (f.stat().mode & S_IFMT) === S_IFDIR ? entries : -20; // ENOTDIR
  const out: Uint8Array[] = [];
  let used = 0;
  let taken = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const reclen = Math.ceil((19 + name.length + 1) / 8) * 8;
    if (used + reclen > count) break;
    const w = new StructWriter(reclen).u64(0, e.ino).u64(8, f.position + taken + 1).u16(16, reclen);
    w.bytes[18] = e.type;
    w.bytes.set(name, 19);
    out.push(w.bytes);
    used += reclen;
    taken++;
  }
  if (taken === 0 && entries.length > 0) return -EINVAL;
  const bytes = Buffer.concat(out);
  if (bytes.length && copyToUser(task.space, va, bytes) < bytes.length) return -EFAULT;
  f.position += taken;
  return bytes.length;
}

/** copy_file_range: between two regular files (EINVAL otherwise), at the given offsets or the file positions. */
function copyFileRange(task: Task, a: readonly bigint[]): SyscallResult {
  if (a[5] !== 0n) return -EINVAL;
  const src = readable(task, int(a[0]!));
  const dst = writable(task, int(a[2]!));
  if (typeof src === 'number') return src;
  if (typeof dst === 'number') return dst;
  if (dst.flags & O_APPEND) return -EBADF;
  const isDir = (f: FileDescription) => (f.stat().mode & S_IFMT) === S_IFDIR;
  if (isDir(src) || isDir(dst)) return -EISDIR;
  const regular = (f: FileDescription) => (f.stat().mode & S_IFMT) === 0o100000;
  if (!regular(src) || !regular(dst)) return -EINVAL;
  const offset = (va: bigint): number | undefined | null => {
    if (va === 0n) return undefined;
    const raw = u64sFromUser(task.space, ulong(va), 1);
    return raw ? Number(BigInt.asIntN(64, raw[0]!)) : null;
  };
  const inOff = offset(a[1]!), outOff = offset(a[3]!);
  if (inOff === null || outOff === null) return -EFAULT;
  if ((inOff ?? 0) < 0 || (outOff ?? 0) < 0) return -EINVAL;
  const len = Math.min(ulong(a[4]!), MAX_RW_COUNT, 1 << 20);
  const data = src.pread(len, inOff ?? src.position);
  if (!(data instanceof Uint8Array)) return typeof data === 'number' ? data : -EINVAL;
  if (data.length === 0) return 0;
  const n = dst.pwrite(data, outOff ?? dst.position);
  if (typeof n !== 'number') return -EINVAL;
  if (n < 0) return n;
  const advance = (va: bigint, was: number | undefined, f: FileDescription) => {
    if (was === undefined) f.position += n;
    else void copyToUser(task.space, ulong(va), new StructWriter(8).u64(0, was + n).bytes);
  };
  advance(a[1]!, inOff, src);
  advance(a[3]!, outOff, dst);
  return n;
}

defineSyscalls([
  { nr: 326, name: 'copy_file_range', args: ['fd', 'ptr', 'fd', 'ptr', 'uint', 'hex'], handler: (t, a) => copyFileRange(t, a) },
  { nr: 0, name: 'read', args: ['fd', 'outbuf', 'uint'], handler: (t, a) => doRead(t, int(a[0]), ulong(a[1]), ulong(a[2])) },
  { nr: 1, name: 'write', args: ['fd', 'inbuf', 'uint'], handler: (t, a) => sigpipeOnEpipe(t, doWrite(t, int(a[0]), ulong(a[1]), ulong(a[2]))) },
  {
    nr: 17, name: 'pread64', args: ['fd', 'outbuf', 'uint', 'int'],
    handler: (t, a) => positional(t, int(a[0]), long(a[3])) || doRead(t, int(a[0]), ulong(a[1]), ulong(a[2]), long(a[3])),
  },
  {
    nr: 18, name: 'pwrite64', args: ['fd', 'inbuf', 'uint', 'int'],
    handler: (t, a) => positional(t, int(a[0]), long(a[3])) || doWrite(t, int(a[0]), ulong(a[1]), ulong(a[2]), long(a[3])),
  },
  { nr: 19, name: 'readv', args: ['fd', 'ptr', 'int'], handler: (t, a) => doReadv(t, int(a[0]), ulong(a[1]), int(a[2])) },
  { nr: 20, name: 'writev', args: ['fd', 'ptr', 'int'], handler: (t, a) => sigpipeOnEpipe(t, doWritev(t, int(a[0]), ulong(a[1]), int(a[2]))) },
  {
    nr: 8, name: 'lseek', args: ['fd', 'int', 'whence'],
    handler: (t, a) => {
      const f = t.files.get(int(a[0]));
      if (!f) return -EBADF;
      const whence = uint(a[2]);
      if (whence > 4) return -EINVAL;
      if (whence > 2) return -EINVAL; // SEEK_DATA/SEEK_HOLE: not on these files
      return f.seek(long(a[1]), whence);
    },
  },
  { nr: 217, name: 'getdents64', args: ['fd', 'ptr', 'uint'], handler: (t, a) => getdents64(t, int(a[0]), ulong(a[1]), uint(a[2])) },
  {
    nr: 77, name: 'ftruncate', args: ['fd', 'int'],
    handler: (t, a) => {
      const f = t.files.get(int(a[0]));
      if (!f) return -EBADF;
      if (long(a[1]) < 0) return -EINVAL;
      if (!f.writable || f.flags & O_APPEND) return -EINVAL;
      return f.truncate(long(a[1]));
    },
  },
  { nr: 74, name: 'fsync', args: ['fd'], handler: (t, a) => (t.files.get(int(a[0])) ? 0 : -EBADF) },
  { nr: 75, name: 'fdatasync', args: ['fd'], handler: (t, a) => (t.files.get(int(a[0])) ? 0 : -EBADF) },
  { nr: 221, name: 'fadvise64', args: ['fd', 'int', 'int', 'int'], handler: (t, a) => (t.files.get(int(a[0])) ? 0 : -EBADF) },
]);

