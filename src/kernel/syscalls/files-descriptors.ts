// Descriptor-table calls: close, dup/dup2/dup3, fcntl, ioctl (terminal queries go to the file), pipe/pipe2.
import { EBADF, EFAULT, EINVAL, ENOTTY } from '../errno.ts';
import { O_APPEND, O_CLOEXEC, O_NONBLOCK } from '../files/file.ts';
import { createPipe } from '../files/pipe.ts';
import { RLIMIT_NOFILE } from '../rlimits.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { copyToUser } from '../user-memory.ts';
import { int, putUser, StructWriter, uint, ulong } from './helpers.ts';

const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_GETLK = 5, F_SETLK = 6, F_SETLKW = 7;
const F_DUPFD_CLOEXEC = 1030, F_GETPIPE_SZ = 1032, F_ADD_SEALS = 1033, F_GET_SEALS = 1034;
const FD_CLOEXEC = 1;
const FIONBIO = 0x5421, FIOCLEX = 0x5451, FIONCLEX = 0x5450;

export function nofile(task: Task): number {
  const soft = task.group.rlimits.get(RLIMIT_NOFILE)?.soft ?? 1024;
  return Number.isFinite(soft) ? soft : 1 << 20;
}

function dup3(task: Task, oldfd: number, newfd: number, flags: number): SyscallResult {
  if (flags & ~O_CLOEXEC) return -EINVAL;
  if (oldfd === newfd) return -EINVAL;
  const f = task.files.get(oldfd);
  if (!f) return -EBADF;
  if (newfd < 0 || newfd >= nofile(task)) return -EBADF;
  task.files.installAt(newfd, f, (flags & O_CLOEXEC) !== 0);
  return newfd;
}

function fcntl(task: Task, fd: number, cmd: number, arg: bigint): SyscallResult {
  const entry = task.files.entry(fd);
  if (!entry) return -EBADF;
  switch (cmd) {
    case F_DUPFD: case F_DUPFD_CLOEXEC: {
      const min = int(arg);
      if (min < 0 || min >= nofile(task)) return -EINVAL;
      return task.files.install(entry.file, cmd === F_DUPFD_CLOEXEC, min, nofile(task));
    }
    case F_GETFD: return entry.cloexec ? FD_CLOEXEC : 0;
    case F_SETFD:
      entry.cloexec = (int(arg) & FD_CLOEXEC) !== 0;
      return 0;
    case F_GETFL: return entry.file.flags;
    case F_SETFL: {
      // Only O_APPEND, O_NONBLOCK (and O_ASYNC, O_DIRECT, O_NOATIME, ignored here) can change.
      const settable = O_APPEND | O_NONBLOCK;
      entry.file.flags = (entry.file.flags & ~settable) | (int(arg) & settable);
      return 0;
    }
    case F_GETLK: {
      // No other process holds a lock here: l_type becomes F_UNLCK (2).
      const lock = new Uint8Array(2);
      lock[0] = 2;
      return copyToUser(task.space, ulong(arg), lock) === 2 ? 0 : -EFAULT;
    }
    case F_SETLK: case F_SETLKW: return 0;
    case F_GETPIPE_SZ: return 65536;
    case F_ADD_SEALS: case F_GET_SEALS: return -EINVAL;
    default: return -EINVAL;
  }
}

function ioctl(task: Task, fd: number, request: number, arg: bigint): SyscallResult {
  const entry = task.files.entry(fd);
  if (!entry) return -EBADF;
  switch (request) {
    case FIOCLEX: entry.cloexec = true; return 0;
    case FIONCLEX: entry.cloexec = false; return 0;
    case FIONBIO: {
      const on = new DataView(new ArrayBuffer(4));
      void on;
      entry.file.flags |= O_NONBLOCK;
      return 0;
    }
    default:
      return entry.file.ioctl(request, arg, (bytes) => copyToUser(task.space, ulong(arg), bytes) === bytes.length) ?? -ENOTTY;
  }
}

function pipe2(task: Task, va: bigint, flags: number): SyscallResult {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | 0o40000 /* O_DIRECT */)) return -EINVAL;
  const [r, w] = createPipe((flags & O_NONBLOCK) !== 0);
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const rfd = task.files.install(r, cloexec, 0, nofile(task));
  if (rfd < 0) return rfd;
  const wfd = task.files.install(w, cloexec, 0, nofile(task));
  if (wfd < 0) {
    task.files.close(rfd);
    return wfd;
  }
  const out = new StructWriter(8).u32(0, rfd).u32(4, wfd).bytes;
  if (putUser(task, va, out) < 0) {
    task.files.close(rfd);
    task.files.close(wfd);
    return -EFAULT;
  }
  return 0;
}

const CLOSE_RANGE_UNSHARE = 1 << 1, CLOSE_RANGE_CLOEXEC = 1 << 2;

/** close_range(first, last, flags): UNSHARE gives the caller its own table first when another task shares it. */
function closeRange(task: Task, first: number, last: number, flags: number): SyscallResult {
  if (flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) return -EINVAL;
  if (first > last) return -EINVAL;
  if (flags & CLOSE_RANGE_UNSHARE && [...task.kernel.tasks.values()].some((o) => o !== task && o.state !== 'dead' && o.files === task.files)) task.files = task.files.clone();
  task.files.closeRange(first, last, (flags & CLOSE_RANGE_CLOEXEC) !== 0);
  return 0;
}

defineSyscalls([
  { nr: 3, name: 'close', args: ['fd'], handler: (t, a) => t.files.close(int(a[0])) },
  { nr: 436, name: 'close_range', args: ['uint', 'uint', 'hex'], handler: (t, a) => closeRange(t, uint(a[0]), uint(a[1]), uint(a[2])) },
  {
    nr: 32, name: 'dup', args: ['fd'],
    handler: (t, a) => {
      const f = t.files.get(int(a[0]));
      return f ? t.files.install(f, false, 0, nofile(t)) : -EBADF;
    },
  },
  {
    nr: 33, name: 'dup2', args: ['fd', 'fd'],
    handler: (t, a) => {
      const [oldfd, newfd] = [int(a[0]), int(a[1])];
      if (oldfd === newfd) return t.files.get(oldfd) ? newfd : -EBADF;
      return dup3(t, oldfd, newfd, 0);
    },
  },
  { nr: 292, name: 'dup3', args: ['fd', 'fd', 'open-flags'], handler: (t, a) => dup3(t, int(a[0]), int(a[1]), int(a[2])) },
  { nr: 72, name: 'fcntl', args: ['fd', 'fcntl', 'hex'], handler: (t, a) => fcntl(t, int(a[0]), int(a[1]), a[2]) },
  { nr: 16, name: 'ioctl', args: ['fd', 'ioctl', 'hex'], handler: (t, a) => ioctl(t, int(a[0]), uint(a[1]), a[2]) },
  { nr: 22, name: 'pipe', args: ['ptr'], handler: (t, a) => pipe2(t, a[0], 0) },
  { nr: 293, name: 'pipe2', args: ['ptr', 'open-flags'], handler: (t, a) => pipe2(t, a[0], int(a[1])) },
]);
