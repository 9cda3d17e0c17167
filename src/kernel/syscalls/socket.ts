// socket and connect: AF_UNIX sockets (files/socket.ts) with the kernel's checks in order; connect looks the path up
// as unix_find_bsd does (ENOENT and friends from the path walk, EACCES without write permission, ECONNREFUSED for
// a file that is not a socket, or a socket nobody here listens on). Every other family is EAFNOSUPPORT: picemu
// has no network, and that is what this kernel answers for a family it was built without (AF_BLUETOOTH, AF_ALG).
import { EACCES, EAFNOSUPPORT, EBADF, ECONNREFUSED, EFAULT, EINVAL, ENOTSOCK, EPROTONOSUPPORT, ESOCKTNOSUPPORT } from '../errno.ts';
import { S_IFMT } from '../files/file.ts';
import { S_IFSOCK, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET, SOCK_STREAM, UnixSocket } from '../files/socket.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { copyFromUser } from '../user-memory.ts';
import { nofile } from './files-descriptors.ts';
import { int, ulong } from './helpers.ts';

const AF_UNSPEC = 0, AF_UNIX = 1, NPROTO = 46;
const SOCK_NONBLOCK = 0o4000, SOCK_CLOEXEC = 0o2000000, SOCK_TYPE_MASK = 0xf, SOCK_MAX = 11;
/** sizeof(struct sockaddr_storage), and of struct sockaddr_un (sun_family + 108 bytes of path). */
const SOCKADDR_STORAGE = 128, SOCKADDR_UN = 110;

function socket(task: Task, family: number, typeArg: number, protocol: number): SyscallResult {
  const flags = typeArg & ~SOCK_TYPE_MASK;
  if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -EINVAL;
  let type = typeArg & SOCK_TYPE_MASK;
  if (family < 0 || family >= NPROTO) return -EAFNOSUPPORT;
  if (type < 0 || type >= SOCK_MAX) return -EINVAL;
  if (family !== AF_UNIX) return -EAFNOSUPPORT;
  // unix_create
  if (protocol && protocol !== AF_UNIX) return -EPROTONOSUPPORT;
  if (type === SOCK_RAW) type = SOCK_DGRAM;
  if (type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_SEQPACKET) return -ESOCKTNOSUPPORT;
  return task.files.install(new UnixSocket(type, (flags & SOCK_NONBLOCK) !== 0), (flags & SOCK_CLOEXEC) !== 0, 0, nofile(task));
}

/** unix_find_other for a path (abstract names: none exist here). */
function findPeer(task: Task, addr: Uint8Array): number {
  if (addr[2] === 0) return -ECONNREFUSED; // the abstract namespace: nobody listens in picemu's
  const end = addr.indexOf(0, 2);
  const path = Buffer.from(addr.subarray(2, end < 0 ? addr.length : end)).toString('utf8');
  const st = task.kernel.vfs.stat(task, path, true);
  if (typeof st === 'number') return st;
  // path_permission(MAY_WRITE): owner, group or other write bit (root needs none).
  const c = task.cred;
  if (c.euid !== 0) {
    const bit = c.euid === st.uid ? 0o200 : c.egid === st.gid || c.groups.includes(st.gid) ? 0o020 : 0o002;
    if (!(st.mode & bit)) return -EACCES;
  }
  if ((st.mode & S_IFMT) !== S_IFSOCK) return -ECONNREFUSED;
  return -ECONNREFUSED; // a socket file, but no picemu socket listens on it (the host's are not reached)
}

function connect(task: Task, fd: number, addrVa: bigint, lenArg: number): SyscallResult {
  const file = task.files.get(fd);
  if (!file) return -EBADF;
  if (!(file instanceof UnixSocket)) return -ENOTSOCK;
  // move_addr_to_kernel
  if (lenArg < 0 || lenArg > SOCKADDR_STORAGE) return -EINVAL;
  const addr = copyFromUser(task.space, ulong(addrVa), lenArg);
  if (addr.length < lenArg) return -EFAULT;
  const family = lenArg >= 2 ? addr[0]! | (addr[1]! << 8) : -1;
  if (file.type === SOCK_DGRAM && lenArg >= 2 && family === AF_UNSPEC) return 0; // dissolves an association: there is none
  // unix_validate_addr
  if (lenArg <= 2 || lenArg > SOCKADDR_UN || family !== AF_UNIX) return -EINVAL;
  return findPeer(task, addr);
}

defineSyscalls([
  { nr: 41, name: 'socket', args: ['address-family', 'socket-type', 'int'], handler: (t, a) => socket(t, int(a[0]), int(a[1]), int(a[2])) },
  { nr: 42, name: 'connect', args: ['fd', 'sockaddr', 'int'], handler: (t, a) => connect(t, int(a[0]), a[1], int(a[2])) },
]);
