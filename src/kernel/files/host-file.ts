// Host files seen by the guest: regular files read through a host descriptor (read-only, or read-write under a
// --rw directory) and mapped through the page cache; host directories listed for getdents64.
import { closeSync, fstatSync, ftruncateSync, lstatSync, readdirSync, readSync, writeSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import type { OpenFile, PageCache } from '../../mm/page-cache.ts';
import { EIO } from '../errno.ts';
import { DirectoryFile, FileDescription, S_IFMT, S_IFREG, type DirEntry, type FileStat, type ReadResult, type WriteResult } from './file.ts';
import { errnoOf } from './host-errors.ts';

export function statOf(st: BigIntStats): FileStat {
  const ts = (ns: bigint): [number, number] => [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
  return {
    dev: st.dev, ino: st.ino, mode: Number(st.mode), nlink: Number(st.nlink), uid: Number(st.uid), gid: Number(st.gid), rdev: st.rdev,
    size: Number(st.size), blksize: Number(st.blksize), blocks: Number(st.blocks), atime: ts(st.atimeNs), mtime: ts(st.mtimeNs), ctime: ts(st.ctimeNs),
  };
}

/** A regular host file open through host descriptor `fd` (closed when the last guest descriptor closes). */
export class HostFile extends FileDescription {
  constructor(
    path: string,
    flags: number,
    private readonly hostPath: string,
    private readonly fd: number,
    private readonly pageCache: PageCache,
  ) {
    super(path, flags);
  }

  override pread(length: number, offset: number): ReadResult {
    const st = this.stat();
    const regular = (st.mode & S_IFMT) === S_IFREG;
    // A regular file: at most what is left of it (reads of 1 GiB get only that); a device or FIFO: as it gives.
    const buf = Buffer.alloc(regular ? Math.max(0, Math.min(length, st.size - offset)) : Math.min(length, 1 << 20));
    if (buf.length === 0) return buf;
    try {
      const n = readSync(this.fd, buf, 0, buf.length, regular ? offset : null);
      return buf.subarray(0, n);
    } catch (e) {
      return -(errnoOf(e) ?? EIO);
    }
  }

  override pwrite(bytes: Uint8Array, offset: number): WriteResult {
    try {
      return writeSync(this.fd, bytes, 0, bytes.length, offset);
    } catch (e) {
      return -(errnoOf(e) ?? EIO);
    }
  }

  override stat(): FileStat {
    return statOf(fstatSync(this.fd, { bigint: true }));
  }

  override mappable(): OpenFile {
    return this.pageCache.open(this.hostPath, { writable: this.writable });
  }

  override truncate(length: number): number {
    try {
      ftruncateSync(this.fd, length);
      return 0;
    } catch (e) {
      return -(errnoOf(e) ?? EIO);
    }
  }

  override release(): void {
    closeSync(this.fd);
  }
}

/** DT_* values by host entry kind. */
export function direntType(d: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isFIFO(): boolean; isSocket(): boolean }): number {
  return d.isFile() ? 8 : d.isDirectory() ? 4 : d.isSymbolicLink() ? 10 : d.isCharacterDevice() ? 2 : d.isBlockDevice() ? 6 : d.isFIFO() ? 1 : d.isSocket() ? 12 : 0;
}

/** A host directory, listed once when first read (plus overlay changes merged in by the Vfs). */
export class HostDirectory extends DirectoryFile {
  private listed: DirEntry[] | undefined;

  constructor(
    path: string,
    flags: number,
    private readonly hostPath: string,
    private readonly adjust: (entries: DirEntry[]) => DirEntry[],
  ) {
    super(path, flags);
  }

  override entries(): DirEntry[] {
    if (!this.listed) {
      const self = lstatSync(this.hostPath, { bigint: true });
      const parent = lstatSync(join(this.hostPath, '..'), { bigint: true });
      const out: DirEntry[] = [{ name: '.', ino: self.ino, type: 4 }, { name: '..', ino: parent.ino, type: 4 }];
      for (const d of readdirSync(this.hostPath, { withFileTypes: true })) {
        let ino = 0n;
        try {
          ino = lstatSync(join(this.hostPath, d.name), { bigint: true }).ino;
        } catch {
          continue; // vanished meanwhile
        }
        out.push({ name: d.name, ino, type: direntType(d) });
      }
      this.listed = this.adjust(out);
    }
    return this.listed;
  }

  override stat(): FileStat {
    return statOf(lstatSync(this.hostPath, { bigint: true }));
  }
}
