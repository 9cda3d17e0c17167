// getxattr, lgetxattr, fgetxattr, listxattr, llistxattr, flistxattr: the name checked as import_xattr_name does, the
// file found as the path walk finds it, then what files/xattr.ts learns of the file's attributes (none).
import { EBADF, EFAULT, ERANGE } from '../errno.ts';
import { O_PATH } from '../files/file.ts';
import { fsTypeOf, getxattrErrno } from '../files/xattr.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { stringFromUser } from '../user-memory.ts';
import { int, pathArg, ulong } from './helpers.ts';

/** XATTR_NAME_MAX: a name of 255 bytes at most, not empty. */
const XATTR_NAME_MAX = 255;

function nameArg(task: Task, va: bigint): string | number {
  const bytes = stringFromUser(task.space, ulong(va), XATTR_NAME_MAX + 1);
  if (bytes === null) return -EFAULT;
  if (bytes === 'too-long' || bytes.length === 0) return -ERANGE;
  return Buffer.from(bytes).toString('latin1');
}

/** The file a path or descriptor names: its absolute path (for the mount) and stat, or -errno. */
function target(task: Task, how: { path: bigint; follow: boolean } | { fd: number }): { path: string; st: import('../files/file.ts').FileStat } | number {
  if ('fd' in how) {
    const f = task.files.get(how.fd);
    if (!f || f.flags & O_PATH) return -EBADF;
    return { path: f.path, st: f.stat() };
  }
  const path = pathArg(task, how.path);
  if (typeof path === 'number') return path;
  const r = task.kernel.vfs.resolve(task, path, how.follow);
  if (typeof r === 'number') return r;
  const st = task.kernel.vfs.statResolved(task, r);
  if (typeof st === 'number') return st;
  return { path: r.path, st };
}

function getxattr(task: Task, how: { path: bigint; follow: boolean } | { fd: number }, nameVa: bigint): SyscallResult {
  const name = nameArg(task, nameVa);
  if (typeof name === 'number') return name;
  const t = target(task, how);
  if (typeof t === 'number') return t;
  return getxattrErrno(fsTypeOf(t.path), t.st, name, task.cred);
}

/** listxattr: the list of names is empty (no attributes, no security module listing one). */
function listxattr(task: Task, how: { path: bigint; follow: boolean } | { fd: number }): SyscallResult {
  const t = target(task, how);
  return typeof t === 'number' ? t : 0;
}

defineSyscalls([
  { nr: 191, name: 'getxattr', args: ['path', 'string', 'ptr', 'uint'], handler: (t, a) => getxattr(t, { path: a[0], follow: true }, a[1]) },
  { nr: 192, name: 'lgetxattr', args: ['path', 'string', 'ptr', 'uint'], handler: (t, a) => getxattr(t, { path: a[0], follow: false }, a[1]) },
  { nr: 193, name: 'fgetxattr', args: ['fd', 'string', 'ptr', 'uint'], handler: (t, a) => getxattr(t, { fd: int(a[0]) }, a[1]) },
  { nr: 194, name: 'listxattr', args: ['path', 'ptr', 'uint'], handler: (t, a) => listxattr(t, { path: a[0], follow: true }) },
  { nr: 195, name: 'llistxattr', args: ['path', 'ptr', 'uint'], handler: (t, a) => listxattr(t, { path: a[0], follow: false }) },
  { nr: 196, name: 'flistxattr', args: ['fd', 'ptr', 'uint'], handler: (t, a) => listxattr(t, { fd: int(a[0]) }) },
]);
