// Files of the in-memory overlay (what the guest creates or changes outside --rw directories): bytes held here,
// discarded when picemu exits. mmap maps a snapshot of the bytes through the page cache.
import type { OpenFile, PageCache } from '../../mm/page-cache.ts';
const EFBIG = 27;
import { DirectoryFile, FileDescription, S_IFDIR, S_IFREG, type DirEntry, type FileStat, type ReadResult, type WriteResult } from './file.ts';

/** The most one overlay file may hold (a guest cannot exhaust the host's memory through one file). */
export const OVERLAY_FILE_MAX = 1 << 30;

let nextInode = 1n << 40n;

/** An overlay inode: a regular file's bytes or a directory's existence. */
export class MemoryInode {
  readonly ino = nextInode++;
  data = new Uint8Array(0);
  size = 0;
  mtime: [number, number];
  constructor(
    readonly kind: 'file' | 'dir',
    public mode: number,
  ) {
    const now = Date.now();
    this.mtime = [Math.floor(now / 1000), (now % 1000) * 1_000_000];
  }

  stat(uid: number, gid: number): FileStat {
    return {
      dev: 0x2an, ino: this.ino, mode: (this.kind === 'dir' ? S_IFDIR : S_IFREG) | (this.mode & 0o7777), nlink: this.kind === 'dir' ? 2 : 1, uid, gid,
      rdev: 0n, size: this.kind === 'dir' ? 4096 : this.size, blksize: 4096, blocks: Math.ceil(this.size / 512), atime: this.mtime, mtime: this.mtime, ctime: this.mtime,
    };
  }

  write(bytes: Uint8Array, offset: number): number {
    const end = offset + bytes.length;
    if (end > OVERLAY_FILE_MAX) return -EFBIG;
    if (end > this.data.length) {
      const grown = new Uint8Array(Math.min(OVERLAY_FILE_MAX, Math.max(end, this.data.length * 2, 4096)));
      grown.set(this.data.subarray(0, this.size));
      this.data = grown;
    }
    this.data.set(bytes, offset);
    this.size = Math.max(this.size, end);
    this.touch();
    return bytes.length;
  }

  truncate(length: number): void {
    if (length < this.size) this.data.fill(0, length, this.size);
    else if (length > this.data.length) {
      const grown = new Uint8Array(length);
      grown.set(this.data.subarray(0, this.size));
      this.data = grown;
    }
    this.size = length;
    this.touch();
  }

  private touch(): void {
    const now = Date.now();
    this.mtime = [Math.floor(now / 1000), (now % 1000) * 1_000_000];
  }
}

export class MemoryFile extends FileDescription {
  constructor(
    path: string,
    flags: number,
    readonly inode: MemoryInode,
    private readonly owner: { uid: number; gid: number },
    private readonly pageCache: PageCache,
  ) {
    super(path, flags);
  }

  override pread(length: number, offset: number): ReadResult {
    if (offset >= this.inode.size) return new Uint8Array(0);
    return this.inode.data.slice(offset, Math.min(this.inode.size, offset + length));
  }

  override pwrite(bytes: Uint8Array, offset: number): WriteResult {
    return this.inode.write(bytes, offset);
  }

  override stat(): FileStat {
    return this.inode.stat(this.owner.uid, this.owner.gid);
  }

  override truncate(length: number): number {
    if (length > OVERLAY_FILE_MAX) return -EFBIG;
    this.inode.truncate(length);
    return 0;
  }

  override mappable(): OpenFile {
    const bytes = this.inode.data.slice(0, this.inode.size);
    const [sec, nsec] = this.inode.mtime;
    return this.pageCache.openBytes({ path: this.path, dev: { major: 0, minor: 0x2a }, inode: Number(this.inode.ino), size: bytes.length, mtimeNs: BigInt(sec) * 1_000_000_000n + BigInt(nsec) }, bytes, { writable: this.writable });
  }
}

export class MemoryDirectory extends DirectoryFile {
  constructor(
    path: string,
    flags: number,
    private readonly inode: MemoryInode,
    private readonly list: () => DirEntry[],
    private readonly owner: { uid: number; gid: number },
  ) {
    super(path, flags);
  }
  override entries(): DirEntry[] {
    return this.list();
  }
  override stat(): FileStat {
    return this.inode.stat(this.owner.uid, this.owner.gid);
  }
}
