// statfs/fstatfs: the file system a path or descriptor is on, as the host's statfs gives it (files/statfs.ts).
import { EBADF } from '../errno.ts';
import { PIPEFS_STATFS, statfsBytes } from '../files/statfs.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { int, pathArg, putUser } from './helpers.ts';

function statfs(task: Task, pathVa: bigint, out: bigint): SyscallResult {
  const path = pathArg(task, pathVa);
  if (typeof path === 'number') return path;
  const s = task.kernel.vfs.statfs(task, path);
  return typeof s === 'number' ? s : putUser(task, out, statfsBytes(s));
}

function fstatfs(task: Task, fd: number, out: bigint): SyscallResult {
  const f = task.files.get(fd);
  if (!f) return -EBADF;
  // A description opened by path is on that path's file system; pipes, sockets and the console are pipefs',
  // whose f_fsid is its device number, as statfs makes it for a file system without its own (the st_dev fstat shows).
  const s = f.path.startsWith('/') ? task.kernel.vfs.statfs(task, f.path) : { ...PIPEFS_STATFS, fsid: [Number(BigInt.asUintN(32, f.stat().dev)), 0] as [number, number] };
  return typeof s === 'number' ? s : putUser(task, out, statfsBytes(s));
}

defineSyscalls([
  { nr: 137, name: 'statfs', args: ['path', 'struct'], handler: (t, a) => statfs(t, a[0], a[1]) },
  { nr: 138, name: 'fstatfs', args: ['fd', 'struct'], handler: (t, a) => fstatfs(t, int(a[0]), a[1]) },
]);
