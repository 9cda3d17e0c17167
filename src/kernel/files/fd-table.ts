// The file descriptor table (files_struct): numbers → open file descriptions, with close-on-exec flags.
// dup shares a description; the last close releases it. The lowest free number is used, as the kernel does.
import { EBADF, EMFILE } from '../errno.ts';
import type { FileDescription } from './file.ts';

export interface FdEntry {
  file: FileDescription;
  cloexec: boolean;
}

/** RLIMIT_NOFILE's usual soft limit. */
export const DEFAULT_NOFILE = 1024;

/** The smallest descriptor table (NR_OPEN_DEFAULT: one long of bits). */
const NR_OPEN_DEFAULT = 64;

export class FdTable {
  private readonly fds = new Map<number, FdEntry>();
  /** The highest descriptor this table ever held (the kernel's table grows and never shrinks). */
  private highest = -1;

  /** fdt->max_fds: the table's size, as alloc_fdtable grows it (64, then 128 · 2^k); select looks no further. */
  get maxFds(): number {
    if (this.highest < NR_OPEN_DEFAULT) return NR_OPEN_DEFAULT;
    let units = 1;
    while (units * 128 <= this.highest) units *= 2;
    return units * 128;
  }

  get(fd: number): FileDescription | undefined {
    return this.fds.get(fd)?.file;
  }

  entry(fd: number): FdEntry | undefined {
    return this.fds.get(fd);
  }

  /** Installs `file` at the lowest free descriptor ≥ `min` below `limit`; -EMFILE when none. */
  install(file: FileDescription, cloexec: boolean, min = 0, limit = DEFAULT_NOFILE): number {
    let fd = min;
    while (this.fds.has(fd)) fd++;
    if (fd >= limit) return -EMFILE;
    file.refs++;
    this.fds.set(fd, { file, cloexec });
    this.highest = Math.max(this.highest, fd);
    return fd;
  }

  /** dup2/dup3: `fd` refers to `file` now (closing what it held). */
  installAt(fd: number, file: FileDescription, cloexec: boolean): void {
    file.refs++;
    this.close(fd);
    this.fds.set(fd, { file, cloexec });
    this.highest = Math.max(this.highest, fd);
  }

  close(fd: number): number {
    const e = this.fds.get(fd);
    if (!e) return -EBADF;
    this.fds.delete(fd);
    if (--e.file.refs === 0) e.file.release();
    return 0;
  }

  /** A copy sharing every description (fork without CLONE_FILES). */
  clone(): FdTable {
    const copy = new FdTable();
    for (const [fd, e] of this.fds) copy.installAt(fd, e.file, e.cloexec);
    return copy;
  }

  /** close_range: closes (or, with `cloexec`, marks close-on-exec) every open descriptor in [first, last]. */
  closeRange(first: number, last: number, cloexec: boolean): void {
    for (const [fd, e] of [...this.fds]) {
      if (fd < first || fd > last) continue;
      if (cloexec) e.cloexec = true;
      else this.close(fd);
    }
  }

  /** execve: descriptors marked close-on-exec are closed. */
  closeOnExec(): void {
    for (const [fd, e] of [...this.fds]) if (e.cloexec) this.close(fd);
  }

  /** Closes everything (the process exits). */
  closeAll(): void {
    for (const fd of [...this.fds.keys()]) this.close(fd);
  }

  /** Open descriptors in order (/proc/PID/fd). */
  list(): [number, FdEntry][] {
    return [...this.fds].sort((a, b) => a[0] - b[0]);
  }
}
