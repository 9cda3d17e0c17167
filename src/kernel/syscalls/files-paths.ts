// System calls that name files by path: open/openat/creat, the stat family and statx, readlink, access,
// getcwd/chdir/fchdir, unlink/rmdir/mkdir/rename (within the overlay or --rw directories), umask.
import { posix } from 'node:path';
import { EBADF, EFAULT, EINVAL, ENOENT, ENOTDIR, ERANGE } from '../errno.ts';
import { O_CLOEXEC, O_CREAT, O_TRUNC, O_WRONLY, S_IFDIR, S_IFMT } from '../files/file.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { copyToUser } from '../user-memory.ts';
import { AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, atPath, int, pathArg, putUser, uint, ulong } from './helpers.ts';
import { statBytes, statxBytes } from './stat-structs.ts';

/** Open flags the kernel accepts from user space (others are ignored by open, EINVAL for openat2). */
const VALID_OPEN_FLAGS = 0o37777777;

function open(task: Task, dirfd: number, pathVa: bigint, flags: number, mode: number): SyscallResult {
  const path = pathArg(task, pathVa);
  if (typeof path === 'number') return path;
  const full = atPath(task, dirfd, path);
  if (typeof full === 'number') return full;
  const file = task.kernel.vfs.open(task, full, flags & VALID_OPEN_FLAGS, mode & 0o7777);
  if (typeof file === 'number') return file;
  const fd = task.files.install(file, (flags & O_CLOEXEC) !== 0);
  if (fd < 0 && file.refs === 0) file.release();
  return fd;
}

/** stat/lstat/newfstatat/statx: the stat of a path (or, with AT_EMPTY_PATH and "", of dirfd itself). */
function statOf(task: Task, dirfd: number, pathVa: bigint, flags: number): ReturnType<Task['kernel']['vfs']['stat']> {
  const path = pathArg(task, pathVa, (flags & AT_EMPTY_PATH) !== 0);
  if (typeof path === 'number') return path;
  if (path === '') {
    if (dirfd === AT_FDCWD) return task.kernel.vfs.stat(task, '.', true);
    const f = task.files.get(dirfd);
    return f ? f.stat() : -EBADF;
  }
  const full = atPath(task, dirfd, path);
  if (typeof full === 'number') return full;
  return task.kernel.vfs.stat(task, full, (flags & AT_SYMLINK_NOFOLLOW) === 0);
}

function stat(task: Task, dirfd: number, pathVa: bigint, out: bigint, flags: number): SyscallResult {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800)) return -EINVAL;
  const st = statOf(task, dirfd, pathVa, flags);
  if (typeof st === 'number') return st;
  return putUser(task, out, statBytes(st));
}

function readlink(task: Task, dirfd: number, pathVa: bigint, buf: bigint, size: number): SyscallResult {
  if (size <= 0) return -EINVAL;
  const path = pathArg(task, pathVa, true);
  if (typeof path === 'number') return path;
  if (path === '' && dirfd === AT_FDCWD) return -ENOENT;
  const full = atPath(task, dirfd, path);
  if (typeof full === 'number') return full;
  const target = task.kernel.vfs.readlink(task, full);
  if (typeof target === 'number') return target;
  const bytes = Buffer.from(target, 'utf8').subarray(0, size);
  return copyToUser(task.space, ulong(buf), bytes) === bytes.length ? bytes.length : -EFAULT;
}

function access(task: Task, dirfd: number, pathVa: bigint, mode: number, flags: number): SyscallResult {
  if (mode & ~7) return -EINVAL;
  if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const path = pathArg(task, pathVa, (flags & AT_EMPTY_PATH) !== 0);
  if (typeof path === 'number') return path;
  const full = atPath(task, dirfd, path);
  if (typeof full === 'number') return full;
  return task.kernel.vfs.access(task, full, mode, (flags & AT_SYMLINK_NOFOLLOW) === 0);
}

function pathThen(task: Task, dirfd: number, pathVa: bigint, then: (path: string) => number): SyscallResult {
  const path = pathArg(task, pathVa);
  if (typeof path === 'number') return path;
  const full = atPath(task, dirfd, path);
  return typeof full === 'number' ? full : then(full);
}

function rename(task: Task, olddir: number, oldVa: bigint, newdir: number, newVa: bigint, flags: number): SyscallResult {
  if (flags !== 0) return -EINVAL;
  return pathThen(task, olddir, oldVa, (from) => {
    const to = pathArg(task, newVa);
    if (typeof to === 'number') return to;
    const full = atPath(task, newdir, to);
    return typeof full === 'number' ? full : task.kernel.vfs.rename(task, from, full);
  });
}

function chdir(task: Task, path: string): number {
  const st = task.kernel.vfs.stat(task, path, true);
  if (typeof st === 'number') return st;
  if ((st.mode & S_IFMT) !== S_IFDIR) return -ENOTDIR;
  task.fs.cwd = task.kernel.vfs.absolute(task, path);
  return 0;
}

defineSyscalls([
  { nr: 2, name: 'open', args: ['path', 'open-flags', 'octal'], handler: (t, a) => open(t, AT_FDCWD, a[0], int(a[1]), uint(a[2])) },
  { nr: 257, name: 'openat', args: ['dirfd', 'path', 'open-flags', 'octal'], handler: (t, a) => open(t, int(a[0]), a[1], int(a[2]), uint(a[3])) },
  { nr: 85, name: 'creat', args: ['path', 'octal'], handler: (t, a) => open(t, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, uint(a[1])) },
  { nr: 4, name: 'stat', args: ['path', 'stat-out'], handler: (t, a) => stat(t, AT_FDCWD, a[0], a[1], 0) },
  { nr: 6, name: 'lstat', args: ['path', 'stat-out'], handler: (t, a) => stat(t, AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW) },
  {
    nr: 5, name: 'fstat', args: ['fd', 'stat-out'],
    handler: (t, a) => {
      const f = t.files.get(int(a[0]));
      return f ? putUser(t, a[1], statBytes(f.stat())) : -EBADF;
    },
  },
  { nr: 262, name: 'newfstatat', args: ['dirfd', 'path', 'stat-out', 'at-flags'], handler: (t, a) => stat(t, int(a[0]), a[1], a[2], int(a[3])) },
  {
    nr: 332, name: 'statx', args: ['dirfd', 'path', 'at-flags', 'hex', 'struct'],
    handler: (t, a) => {
      const flags = int(a[2]);
      if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 | 0x6000)) return -EINVAL;
      if (uint(a[3]) & 0x80000000) return -EINVAL; // STATX__RESERVED
      const st = statOf(t, int(a[0]), a[1], flags);
      if (typeof st === 'number') return st;
      return putUser(t, a[4], statxBytes(st));
    },
  },
  { nr: 89, name: 'readlink', args: ['path', 'outbuf', 'int'], handler: (t, a) => readlink(t, AT_FDCWD, a[0], a[1], int(a[2])) },
  { nr: 267, name: 'readlinkat', args: ['dirfd', 'path', 'outbuf', 'int'], handler: (t, a) => readlink(t, int(a[0]), a[1], a[2], int(a[3])) },
  { nr: 21, name: 'access', args: ['path', 'access-mode'], handler: (t, a) => access(t, AT_FDCWD, a[0], int(a[1]), 0) },
  { nr: 269, name: 'faccessat', args: ['dirfd', 'path', 'access-mode'], handler: (t, a) => access(t, int(a[0]), a[1], int(a[2]), 0) },
  { nr: 439, name: 'faccessat2', args: ['dirfd', 'path', 'access-mode', 'at-flags'], handler: (t, a) => access(t, int(a[0]), a[1], int(a[2]), int(a[3])) },
  {
    nr: 79, name: 'getcwd', args: ['outbuf', 'uint'],
    handler: (t, a) => {
      const bytes = Buffer.from(t.fs.cwd + '\0', 'utf8');
      if (ulong(a[1]) < bytes.length) return -ERANGE;
      return copyToUser(t.space, ulong(a[0]), bytes) === bytes.length ? bytes.length : -EFAULT;
    },
  },
  { nr: 80, name: 'chdir', args: ['path'], handler: (t, a) => pathThen(t, AT_FDCWD, a[0], (p) => chdir(t, p)) },
  {
    nr: 81, name: 'fchdir', args: ['fd'],
    handler: (t, a) => {
      const f = t.files.get(int(a[0]));
      return f ? chdir(t, f.path) : -EBADF;
    },
  },
  { nr: 87, name: 'unlink', args: ['path'], handler: (t, a) => pathThen(t, AT_FDCWD, a[0], (p) => t.kernel.vfs.unlink(t, p, false)) },
  { nr: 84, name: 'rmdir', args: ['path'], handler: (t, a) => pathThen(t, AT_FDCWD, a[0], (p) => t.kernel.vfs.unlink(t, p, true)) },
  {
    nr: 263, name: 'unlinkat', args: ['dirfd', 'path', 'at-flags'],
    handler: (t, a) => (int(a[2]) & ~AT_REMOVEDIR ? -EINVAL : pathThen(t, int(a[0]), a[1], (p) => t.kernel.vfs.unlink(t, p, (int(a[2]) & AT_REMOVEDIR) !== 0))),
  },
  { nr: 83, name: 'mkdir', args: ['path', 'octal'], handler: (t, a) => pathThen(t, AT_FDCWD, a[0], (p) => t.kernel.vfs.mkdir(t, p, uint(a[1]))) },
  { nr: 258, name: 'mkdirat', args: ['dirfd', 'path', 'octal'], handler: (t, a) => pathThen(t, int(a[0]), a[1], (p) => t.kernel.vfs.mkdir(t, p, uint(a[2]))) },
  { nr: 82, name: 'rename', args: ['path', 'path'], handler: (t, a) => rename(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0) },
  { nr: 264, name: 'renameat', args: ['dirfd', 'path', 'dirfd', 'path'], handler: (t, a) => rename(t, int(a[0]), a[1], int(a[2]), a[3], 0) },
  { nr: 316, name: 'renameat2', args: ['dirfd', 'path', 'dirfd', 'path', 'hex'], handler: (t, a) => rename(t, int(a[0]), a[1], int(a[2]), a[3], uint(a[4])) },
  {
    nr: 95, name: 'umask', args: ['octal'],
    handler: (t, a) => {
      const old = t.fs.umask;
      t.fs.umask = uint(a[0]) & 0o777;
      return old;
    },
  },
]);

export { posix };
