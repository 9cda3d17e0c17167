// An open file description (struct file): what read/write/lseek/fstat/getdents/mmap do on one kind of file.
// Kinds live in their own files (host files, overlay files, directories, pipes, the console); /proc's files are
// VirtualFile. Results follow the kernel: a byte count or bytes, -errno, or `wouldBlock` with the queue to sleep on.
import type { OpenFile } from '../../mm/page-cache.ts';
import { EBADF, EINVAL, ENOTTY, ESPIPE, EISDIR } from '../errno.ts';
import type { WaitQueue } from '../wait-queue.ts';
import { ALWAYS_READY, type PollState } from './poll.ts';

export const O_ACCMODE = 0o3, O_RDONLY = 0, O_WRONLY = 0o1, O_RDWR = 0o2;
export const O_CREAT = 0o100, O_EXCL = 0o200, O_NOCTTY = 0o400, O_TRUNC = 0o1000, O_APPEND = 0o2000, O_NONBLOCK = 0o4000;
export const O_DIRECTORY = 0o200000, O_NOFOLLOW = 0o400000, O_CLOEXEC = 0o2000000, O_PATH = 0o10000000, O_LARGEFILE = 0o100000;
export const S_IFMT = 0o170000, S_IFREG = 0o100000, S_IFDIR = 0o040000, S_IFLNK = 0o120000, S_IFCHR = 0o020000, S_IFIFO = 0o010000;

/** struct stat's fields (times as seconds and nanoseconds). */
export interface FileStat {
  dev: bigint;
  ino: bigint;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: bigint;
  size: number;
  blksize: number;
  blocks: number;
  atime: [number, number];
  mtime: [number, number];
  ctime: [number, number];
}

/** A directory entry as getdents64 returns it (d_type: DT_REG 8, DT_DIR 4, DT_LNK 10, DT_CHR 2, DT_FIFO 1). */
export interface DirEntry {
  name: string;
  ino: bigint;
  type: number;
}

export type WouldBlock = { wouldBlock: WaitQueue };
export type ReadResult = Uint8Array | number | WouldBlock;
export type WriteResult = number | WouldBlock;

export abstract class FileDescription {
  /** Status flags: access mode, O_APPEND, O_NONBLOCK (what F_GETFL shows). */
  flags: number;
  /** The file position (f_pos). */
  position = 0;
  /** Descriptors referring to this description (dup shares it; the last close releases it). */
  refs = 0;

  constructor(
    /** The path it was opened by, as /proc/PID/fd shows it. */
    readonly path: string,
    flags: number,
  ) {
    this.flags = flags;
  }

  get readable(): boolean {
    return (this.flags & O_ACCMODE) !== O_WRONLY && !(this.flags & O_PATH);
  }

  get writable(): boolean {
    return (this.flags & O_ACCMODE) !== O_RDONLY && !(this.flags & O_PATH);
  }

  /** read at the file position (advancing it). */
  read(length: number): ReadResult {
    const r = this.pread(length, this.position);
    if (r instanceof Uint8Array) this.position += r.length;
    return r;
  }

  /** write at the file position (or at the end with O_APPEND), advancing it. */
  write(bytes: Uint8Array): WriteResult {
    if (this.flags & O_APPEND) this.position = this.stat().size;
    const r = this.pwrite(bytes, this.position);
    if (typeof r === 'number' && r > 0) this.position += r;
    return r;
  }

  pread(_length: number, _offset: number): ReadResult {
    return -EINVAL;
  }

  pwrite(_bytes: Uint8Array, _offset: number): WriteResult {
    return -EINVAL;
  }

  /** lseek: the new position or -errno (whence SEEK_SET 0, SEEK_CUR 1, SEEK_END 2). */
  seek(offset: number, whence: number): number {
    const base = whence === 0 ? 0 : whence === 1 ? this.position : whence === 2 ? this.stat().size : NaN;
    if (Number.isNaN(base)) return -EINVAL;
    const at = base + offset;
    if (at < 0) return -EINVAL;
    this.position = at;
    return at;
  }

  abstract stat(): FileStat;

  /** getdents64: entries from `this.position` on (a directory's position counts entries). */
  readdir(): DirEntry[] | number {
    return -EBADF;
  }

  /** The page-cache file mmap maps, or -errno (ENODEV for files that cannot be mapped). */
  mappable(): OpenFile | number {
    return -19; // ENODEV
  }

  /** ioctl: -ENOTTY unless the file is a terminal. */
  ioctl(_request: number, _arg: bigint, _copyOut: (bytes: Uint8Array) => boolean): number {
    return -ENOTTY;
  }

  /** Whether the file has a poll method (f_op->poll): epoll_ctl refuses a file without one (EPERM). */
  get canPoll(): boolean {
    return false;
  }

  /** vfs_poll: the events ready now and the queues to wait on; a file without a poll method is always ready. */
  poll(): PollState {
    return ALWAYS_READY;
  }

  /** Truncates to `length` (ftruncate, O_TRUNC). */
  truncate(_length: number): number {
    return -EINVAL;
  }

  /** Called when the last descriptor closes. */
  release(): void {}
}

/** Files with no position of their own (pipes, terminals): lseek is ESPIPE. */
export abstract class StreamFile extends FileDescription {
  override read(length: number): ReadResult {
    return this.pread(length, 0);
  }
  override write(bytes: Uint8Array): WriteResult {
    return this.pwrite(bytes, 0);
  }
  override seek(): number {
    return -ESPIPE;
  }
}

/** A directory opened for getdents64 (read gives EISDIR). */
export abstract class DirectoryFile extends FileDescription {
  override pread(): ReadResult {
    return -EISDIR;
  }
  abstract entries(): DirEntry[];
  override readdir(): DirEntry[] {
    return this.entries().slice(this.position);
  }
  override seek(offset: number, whence: number): number {
    if (whence !== 0 || offset < 0) return -EINVAL;
    this.position = offset;
    return offset;
  }
}
