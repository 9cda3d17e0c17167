// The guest's view of files: the host's files read-only, an in-memory overlay for everything the guest creates
// or changes (copy-up on first write, as overlayfs does; discarded at exit), host directories the user made
// writable (--rw), and virtual file systems (/proc, /sys) mounted at a prefix. Paths resolve from the task's cwd.
import { constants, lstatSync, mkdirSync, openSync, readFileSync, readlinkSync, renameSync, rmdirSync, statSync, unlinkSync, accessSync } from 'node:fs';
import { posix } from 'node:path';
import type { PageCache } from '../../mm/page-cache.ts';
import { EACCES, EEXIST, EINVAL, EISDIR, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR, ENOTEMPTY, EXDEV, EIO } from '../errno.ts';
import type { Task } from '../task.ts';
import { O_ACCMODE, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_PATH, O_RDONLY, O_TRUNC, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, type DirEntry, type FileDescription, type FileStat } from './file.ts';
import { errnoOf } from './host-errors.ts';
import { hostStatfs, type Statfs } from './statfs.ts';
import { HostDirectory, HostFile, statOf } from './host-file.ts';
import { MemoryDirectory, MemoryFile, MemoryInode } from './memory-file.ts';
import { VirtualDirectory, VirtualFile } from './virtual-file.ts';
import type { VirtualFs, VirtualNode } from './virtual.ts';
import { DeviceFile, deviceAt } from './devices.ts';
import type { Kernel } from '../kernel.ts';

export interface VfsOptions {
  /** Host directories the guest may write (--rw). */
  rw?: readonly string[];
}

/** What a path names. */
export type Resolved =
  | { kind: 'host'; path: string; hostPath: string }
  | { kind: 'memory'; path: string; inode: MemoryInode }
  | { kind: 'virtual'; path: string; node: VirtualNode };

const PATH_MAX = 4096;
const MAX_SYMLINKS = 40;

export class Vfs {
  private readonly overlay = new Map<string, MemoryInode | 'deleted'>();
  private readonly mounts = new Map<string, VirtualFs>();
  private readonly rw: string[];
  pageCache: PageCache | undefined;
  /** The kernel whose random bytes /dev/urandom gives. */
  kernel: Kernel | undefined;

  constructor(options: VfsOptions) {
    this.rw = (options.rw ?? []).map((d) => posix.resolve(d));
  }

  /** Mounts a virtual file system at `prefix` (/proc, /sys). */
  mount(prefix: string, fs: VirtualFs): void {
    this.mounts.set(prefix, fs);
  }

  /** `path` made absolute against the task's cwd, `.` and `..` removed lexically. */
  absolute(task: Task, path: string): string {
    return posix.resolve(task.fs.cwd, path);
  }

  private writableHost(abs: string): boolean {
    return this.rw.some((d) => abs === d || abs.startsWith(d.endsWith('/') ? d : d + '/'));
  }

  private mountOf(abs: string): [VirtualFs, string] | undefined {
    for (const [prefix, fs] of this.mounts) {
      if (abs === prefix) return [fs, ''];
      if (abs.startsWith(prefix + '/')) return [fs, abs.slice(prefix.length + 1)];
    }
    return undefined;
  }

  /** Resolves `path` (following a final symlink when `follow`); -errno when nothing is there. */
  resolve(task: Task, path: string, follow = true, depth = 0): Resolved | number {
    if (path.length === 0) return -ENOENT;
    if (path.length >= PATH_MAX) return -ENAMETOOLONG;
    if (depth > MAX_SYMLINKS) return -ELOOP;
    const abs = this.absolute(task, path);
    const mounted = this.mountOf(abs);
    if (mounted) {
      const node = mounted[0].lookup(task, mounted[1]);
      if (!node) return -ENOENT;
      if (node.kind === 'symlink' && follow) return this.resolve(task, node.target.startsWith('/') ? node.target : posix.join(posix.dirname(abs), node.target), true, depth + 1);
      return { kind: 'virtual', path: abs, node };
    }
    const over = this.overlay.get(abs);
    if (over === 'deleted') return -ENOENT;
    if (over) return { kind: 'memory', path: abs, inode: over };
    // A deleted or overlay ancestor hides the host below it.
    for (let dir = posix.dirname(abs); dir !== '/'; dir = posix.dirname(dir)) {
      const o = this.overlay.get(dir);
      if (o === 'deleted') return -ENOENT;
      if (o) return o.kind === 'dir' ? -ENOENT : -ENOTDIR;
    }
    try {
      const st = lstatSync(abs);
      if (st.isSymbolicLink() && follow) {
        const target = readlinkSync(abs);
        return this.resolve(task, target.startsWith('/') ? target : posix.join(posix.dirname(abs), target), true, depth + 1);
      }
      return { kind: 'host', path: abs, hostPath: abs };
    } catch (e) {
      return -(errnoOf(e) ?? ENOENT);
    }
  }

  stat(task: Task, path: string, follow: boolean): FileStat | number {
    const r = this.resolve(task, path, follow);
    if (typeof r === 'number') return r;
    return this.statResolved(task, r);
  }

  statResolved(task: Task, r: Resolved): FileStat | number {
    switch (r.kind) {
      case 'host':
        try {
          return statOf(lstatSync(r.hostPath, { bigint: true }));
        } catch (e) {
          return -(errnoOf(e) ?? EIO);
        }
      case 'memory': return r.inode.stat(task.cred.uid, task.cred.gid);
      case 'virtual': return virtualStat(r.node, task);
    }
  }

  /**
   * statfs of a path: a host file's file system as the host's statfs gives it; an overlay file's is that of the
   * host directory it lies in (the overlay is a view over it); /proc and /sys are the host's own proc and sysfs.
   */
  statfs(task: Task, path: string): Statfs | number {
    const r = this.resolve(task, path, true);
    if (typeof r === 'number') return r;
    if (r.kind === 'host') return hostStatfs(r.hostPath);
    if (r.kind === 'virtual') {
      for (const prefix of this.mounts.keys()) if (r.path === prefix || r.path.startsWith(prefix + '/')) return hostStatfs(prefix);
    }
    let dir = posix.dirname(r.path);
    for (let up = this.resolve(task, dir); dir !== '/' && (typeof up === 'number' || up.kind !== 'host'); up = this.resolve(task, dir)) dir = posix.dirname(dir);
    return hostStatfs(dir);
  }

  readlink(task: Task, path: string): string | number {
    const r = this.resolve(task, path, false);
    if (typeof r === 'number') return r;
    if (r.kind === 'virtual') return r.node.kind === 'symlink' ? r.node.target : -EINVAL;
    if (r.kind === 'memory') return -EINVAL;
    try {
      return readlinkSync(r.hostPath);
    } catch (e) {
      return -(errnoOf(e) ?? EINVAL);
    }
  }

  /** access/faccessat: mode R_OK 4, W_OK 2, X_OK 1 (F_OK 0), as the host user; overlay paths count as writable. */
  access(task: Task, path: string, mode: number, follow = true): number {
    const r = this.resolve(task, path, follow);
    if (typeof r === 'number') return r;
    if (r.kind !== 'host') return 0;
    try {
      // Writes outside --rw go to the overlay, so W_OK is what the host would answer for reading.
      accessSync(r.hostPath, this.writableHost(r.path) ? mode : mode & ~constants.W_OK);
      return 0;
    } catch (e) {
      return -(errnoOf(e) ?? EACCES);
    }
  }

  /** open/openat: a file description, or -errno as the kernel's path walk and may_open give. */
  open(task: Task, path: string, flags: number, mode: number): FileDescription | number {
    const pageCache = this.pageCache!;
    const owner = { uid: task.cred.euid, gid: task.cred.egid };
    let r = this.resolve(task, path, !(flags & O_NOFOLLOW));
    const abs = this.absolute(task, path);
    if (typeof r === 'number') {
      if (r !== -ENOENT || !(flags & O_CREAT)) return r;
      const parent = this.resolve(task, posix.dirname(abs));
      if (typeof parent === 'number') return parent;
      if (this.isDir(task, parent) !== true) return -ENOTDIR;
      if (parent.kind === 'host' && this.writableHost(abs)) {
        try {
          const fd = openSync(abs, hostFlags(flags), mode & ~task.fs.umask);
          return new HostFile(abs, flags & ~(O_CREAT | O_EXCL | O_TRUNC), abs, fd, pageCache);
        } catch (e) {
          return -(errnoOf(e) ?? EACCES);
        }
      }
      if (parent.kind === 'virtual') return -EACCES;
      const inode = new MemoryInode('file', mode & ~task.fs.umask & 0o7777);
      this.overlay.set(abs, inode);
      return new MemoryFile(abs, flags, inode, owner, pageCache);
    }
    if (flags & O_CREAT && flags & O_EXCL) return -EEXIST;
    if (r.kind !== 'virtual' && r.kind === 'host' && (flags & O_NOFOLLOW) && lstatSync(r.hostPath).isSymbolicLink()) return flags & O_PATH ? -ELOOP : -ELOOP;
    const isDir = this.isDir(task, r);
    if (flags & O_DIRECTORY && !isDir) return -ENOTDIR;
    const wantsWrite = (flags & O_ACCMODE) !== O_RDONLY || (flags & O_TRUNC) !== 0;
    if (isDir && wantsWrite) return -EISDIR;
    switch (r.kind) {
      case 'virtual': {
        if (r.node.kind === 'dir') { const node = r.node; return new VirtualDirectory(r.path, flags, () => node.list(), (n) => virtualStat(n, task), node); }
        if (r.node.kind !== 'file') return -ELOOP;
        if (wantsWrite) return -EACCES;
        return new VirtualFile(r.path, flags, r.node.read ?? r.node.content(), virtualStat(r.node, task) as FileStat);
      }
      case 'memory': {
        if (r.inode.kind === 'dir') return new MemoryDirectory(r.path, flags, r.inode, () => this.listDir(task, r.path, []), owner);
        if (flags & O_TRUNC) r.inode.truncate(0);
        return new MemoryFile(r.path, flags, r.inode, owner, pageCache);
      }
      case 'host': {
        const device = deviceAt(r.hostPath);
        if (device && this.kernel) return new DeviceFile(r.path, flags, device, this.kernel);
        if (isDir) return new HostDirectory(r.path, flags, r.hostPath, (entries) => this.listDir(task, r.path, entries));
        if (wantsWrite && !this.writableHost(r.path)) {
          // Copy-up: the overlay takes a private copy the guest may change.
          let bytes: Uint8Array;
          try {
            accessSync(r.hostPath, constants.R_OK);
            bytes = flags & O_TRUNC ? new Uint8Array(0) : readFileSync(r.hostPath);
          } catch (e) {
            return -(errnoOf(e) ?? EACCES);
          }
          const st = statSync(r.hostPath);
          const inode = new MemoryInode('file', st.mode & 0o7777);
          inode.write(bytes, 0);
          this.overlay.set(r.path, inode);
          return new MemoryFile(r.path, flags, inode, owner, pageCache);
        }
        try {
          const fd = openSync(r.hostPath, hostFlags(flags & ~O_CREAT));
          return new HostFile(r.path, flags & ~(O_CREAT | O_EXCL | O_TRUNC), r.hostPath, fd, pageCache);
        } catch (e) {
          return -(errnoOf(e) ?? EACCES);
        }
      }
    }
  }

  private isDir(task: Task, r: Resolved): boolean {
    const st = this.statResolved(task, r);
    return typeof st !== 'number' && (st.mode & S_IFMT) === S_IFDIR;
  }

  /** A directory's entries with the overlay's changes: deleted names removed, created ones added. */
  private listDir(task: Task, dir: string, host: DirEntry[]): DirEntry[] {
    const out = host.filter((e) => e.name === '.' || e.name === '..' || this.overlay.get(posix.join(dir, e.name)) !== 'deleted');
    if (out.length === 0) out.push({ name: '.', ino: 0n, type: 4 }, { name: '..', ino: 0n, type: 4 });
    for (const [path, inode] of this.overlay) {
      if (inode === 'deleted' || posix.dirname(path) !== dir || path === dir) continue;
      const name = posix.basename(path);
      if (!out.some((e) => e.name === name)) out.push({ name, ino: inode.ino, type: inode.kind === 'dir' ? 4 : 8 });
    }
    void task;
    return out;
  }

  unlink(task: Task, path: string, dir: boolean): number {
    const r = this.resolve(task, path, false);
    if (typeof r === 'number') return r;
    if (r.kind === 'virtual') return -EACCES;
    const isDir = this.isDir(task, r);
    if (dir && !isDir) return -ENOTDIR;
    if (!dir && isDir) return -EISDIR;
    if (r.kind === 'host' && this.writableHost(r.path)) {
      try {
        if (dir) rmdirSync(r.hostPath);
        else unlinkSync(r.hostPath);
        return 0;
      } catch (e) {
        return -(errnoOf(e) ?? EACCES);
      }
    }
    if (dir) {
      const st = this.statResolved(task, r);
      void st;
      const entries = r.kind === 'memory' ? this.listDir(task, r.path, []) : this.listDir(task, r.path, new HostDirectory(r.path, 0, r.hostPath, (e) => e).entries());
      if (entries.some((e) => e.name !== '.' && e.name !== '..')) return -ENOTEMPTY;
    }
    if (r.kind === 'host') this.overlay.set(r.path, 'deleted');
    else this.overlay.delete(r.path);
    return 0;
  }

  mkdir(task: Task, path: string, mode: number): number {
    const abs = this.absolute(task, path);
    const existing = this.resolve(task, abs, false);
    if (typeof existing !== 'number') return -EEXIST;
    const parent = this.resolve(task, posix.dirname(abs));
    if (typeof parent === 'number') return parent;
    if (!this.isDir(task, parent)) return -ENOTDIR;
    if (parent.kind === 'virtual') return -EACCES;
    if (parent.kind === 'host' && this.writableHost(abs)) {
      try {
        mkdirSync(abs, { mode: mode & ~task.fs.umask });
        return 0;
      } catch (e) {
        return -(errnoOf(e) ?? EACCES);
      }
    }
    this.overlay.set(abs, new MemoryInode('dir', mode & ~task.fs.umask & 0o7777));
    return 0;
  }

  rename(task: Task, from: string, to: string): number {
    const src = this.resolve(task, from, false);
    if (typeof src === 'number') return src;
    const dst = this.absolute(task, to);
    const dstParent = this.resolve(task, posix.dirname(dst));
    if (typeof dstParent === 'number') return dstParent;
    if (src.kind === 'virtual' || dstParent.kind === 'virtual') return -EXDEV;
    if (src.kind === 'host' && this.writableHost(src.path) && this.writableHost(dst)) {
      try {
        renameSync(src.hostPath, dst);
        return 0;
      } catch (e) {
        return -(errnoOf(e) ?? EACCES);
      }
    }
    if (src.kind === 'host' && this.writableHost(src.path) !== this.writableHost(dst)) return -EXDEV;
    let inode: MemoryInode;
    if (src.kind === 'memory') inode = src.inode;
    else {
      if (this.isDir(task, src)) return -EXDEV; // moving a host directory into the overlay: not supported
      const st = statSync(src.hostPath);
      inode = new MemoryInode('file', st.mode & 0o7777);
      inode.write(readFileSync(src.hostPath), 0);
    }
    if (src.kind === 'host') this.overlay.set(src.path, 'deleted');
    else this.overlay.delete(src.path);
    this.overlay.set(dst, inode);
    return 0;
  }

  /** The bytes and identity exec maps: a page-cache file for the program at `path`. */
  isRegular(task: Task, r: Resolved): boolean {
    const st = this.statResolved(task, r);
    return typeof st !== 'number' && (st.mode & S_IFMT) === S_IFREG;
  }
}

function hostFlags(flags: number): number {
  const map: [number, number][] = [[0o100, constants.O_CREAT], [0o200, constants.O_EXCL], [0o1000, constants.O_TRUNC], [0o2000, constants.O_APPEND]];
  let out = flags & O_ACCMODE;
  for (const [linux, host] of map) if (flags & linux) out |= host;
  return out;
}

function virtualStat(node: VirtualNode, task: Task): FileStat {
  const mode = node.kind === 'dir' ? S_IFDIR | (node.mode ?? 0o555) : node.kind === 'symlink' ? S_IFLNK | 0o777 : S_IFREG | (node.mode ?? 0o444);
  const now = Math.floor(Date.now() / 1000);
  return { dev: 0x16n, ino: 1n, mode, nlink: node.kind === 'dir' ? 2 : 1, uid: task.cred.uid, gid: task.cred.gid, rdev: 0n, size: 0, blksize: 1024, blocks: 0, atime: [now, 0], mtime: [now, 0], ctime: [now, 0] };
}
