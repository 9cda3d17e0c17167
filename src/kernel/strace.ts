// strace's view of system calls: one line per completed call, `name(args) = result`, errors as
// `= -1 ENOENT (No such file or directory)`, `[pid N] ` before lines of processes other than the first.
// Arguments print by their kind in the table (paths quoted, flags by name, buffers as strace abbreviates them).
import { errnoName, strerror } from './errno.ts';
import { syscallDef, syscallName, type ArgKind, type SyscallArgs } from './syscall-table.ts';
import type { Task } from './task.ts';
import { copyFromUser, stringFromUser } from './user-memory.ts';

/** Receives each system call as it enters and completes (result undefined: it did not return, as exit). */
export interface SyscallTracer {
  enter(task: Task, nr: number, args: SyscallArgs): void;
  exit(task: Task, nr: number, result: bigint | undefined): void;
}

/** How many bytes of a buffer strace shows (its -s default). */
const STRING_LIMIT = 32;

const AT_FDCWD = -100;
const FLAG_SETS: Partial<Record<ArgKind, readonly (readonly [number, string])[]>> = {
  'open-flags': [[0o100, 'O_CREAT'], [0o200, 'O_EXCL'], [0o400, 'O_NOCTTY'], [0o1000, 'O_TRUNC'], [0o2000, 'O_APPEND'], [0o4000, 'O_NONBLOCK'], [0o10000, 'O_DSYNC'], [0o200000, 'O_DIRECTORY'], [0o400000, 'O_NOFOLLOW'], [0o1000000, 'O_NOATIME'], [0o2000000, 'O_CLOEXEC'], [0o10000000, 'O_PATH']],
  prot: [[1, 'PROT_READ'], [2, 'PROT_WRITE'], [4, 'PROT_EXEC']],
  'mmap-flags': [[0x10, 'MAP_FIXED'], [0x20, 'MAP_ANONYMOUS'], [0x100, 'MAP_GROWSDOWN'], [0x800, 'MAP_DENYWRITE'], [0x4000, 'MAP_NORESERVE'], [0x8000, 'MAP_POPULATE'], [0x20000, 'MAP_STACK'], [0x100000, 'MAP_FIXED_NOREPLACE']],
  'at-flags': [[0x100, 'AT_SYMLINK_NOFOLLOW'], [0x200, 'AT_EACCESS'], [0x400, 'AT_SYMLINK_FOLLOW'], [0x800, 'AT_NO_AUTOMOUNT'], [0x1000, 'AT_EMPTY_PATH']],
  'access-mode': [[4, 'R_OK'], [2, 'W_OK'], [1, 'X_OK']],
};

const ARCH_PRCTL: Record<number, string> = { 0x1001: 'ARCH_SET_GS', 0x1002: 'ARCH_SET_FS', 0x1003: 'ARCH_GET_FS', 0x1004: 'ARCH_GET_GS', 0x1011: 'ARCH_GET_CPUID', 0x1012: 'ARCH_SET_CPUID' };
const RESOURCES = ['RLIMIT_CPU', 'RLIMIT_FSIZE', 'RLIMIT_DATA', 'RLIMIT_STACK', 'RLIMIT_CORE', 'RLIMIT_RSS', 'RLIMIT_NPROC', 'RLIMIT_NOFILE', 'RLIMIT_MEMLOCK', 'RLIMIT_AS', 'RLIMIT_LOCKS', 'RLIMIT_SIGPENDING', 'RLIMIT_MSGQUEUE', 'RLIMIT_NICE', 'RLIMIT_RTPRIO', 'RLIMIT_RTTIME'];
const FILE_TYPES: Record<number, string> = { 1: 'S_IFIFO', 2: 'S_IFCHR', 4: 'S_IFDIR', 6: 'S_IFBLK', 8: 'S_IFREG', 10: 'S_IFLNK', 12: 'S_IFSOCK' };
/** O_CREAT | O_TMPFILE: only then does open's mode argument mean something (and strace print it). */
const OPEN_WITH_MODE = 0o100 | 0o20000000;

/** Formats one argument as strace does (values it cannot read print as the address). */
export function formatArg(task: Task, kind: ArgKind, value: bigint, next: bigint | undefined, result?: bigint): string {
  const s64 = BigInt.asIntN(64, value);
  const s32 = Number(BigInt.asIntN(32, value));
  switch (kind) {
    case 'int': case 'fd': return String(s32);
    case 'uint': return String(value);
    case 'dirfd': return s32 === AT_FDCWD ? 'AT_FDCWD' : String(s32);
    case 'octal': return '0' + value.toString(8);
    case 'ptr': case 'struct': return value === 0n ? 'NULL' : '0x' + value.toString(16);
    case 'path': case 'string': {
      if (value === 0n) return 'NULL';
      const bytes = stringFromUser(task.space, Number(value), 4096);
      return bytes instanceof Uint8Array ? quote(bytes, Infinity) : '0x' + value.toString(16);
    }
    case 'inbuf': case 'outbuf': {
      const length = kind === 'outbuf' ? (result !== undefined && BigInt.asIntN(64, result) >= 0n ? Number(result) : -1) : Number(next ?? 0n);
      if (length < 0) return '0x' + value.toString(16);
      const bytes = copyFromUser(task.space, Number(value), Math.min(length, STRING_LIMIT));
      return quote(bytes, STRING_LIMIT) + (length > STRING_LIMIT ? '...' : '');
    }
    case 'open-flags': {
      const mode = ['O_RDONLY', 'O_WRONLY', 'O_RDWR', '3'][Number(value & 3n)]!;
      return flags(FLAG_SETS['open-flags']!, Number(value) & ~3 & ~0o100000, mode);
    }
    case 'mmap-flags': {
      const type = ['0', 'MAP_SHARED', 'MAP_PRIVATE', 'MAP_SHARED_VALIDATE'][Number(value & 0xfn)] ?? '0x' + (value & 0xfn).toString(16);
      return flags(FLAG_SETS['mmap-flags']!, Number(value) & ~0xf, type);
    }
    case 'prot': return value === 0n ? 'PROT_NONE' : flags(FLAG_SETS.prot!, Number(value), undefined);
    case 'at-flags': return value === 0n ? '0' : flags(FLAG_SETS['at-flags']!, Number(value), undefined);
    case 'access-mode': return value === 0n ? 'F_OK' : flags(FLAG_SETS['access-mode']!, Number(value), undefined);
    case 'arch-prctl': return ARCH_PRCTL[Number(value)] ?? '0x' + value.toString(16);
    case 'resource': return RESOURCES[Number(value)] ?? String(value);
    case 'stat-out': {
      if (result === undefined || BigInt.asIntN(64, result) < 0n) return '0x' + value.toString(16);
      const b = copyFromUser(task.space, Number(value), 56);
      if (b.length < 56) return '0x' + value.toString(16);
      const v = new DataView(b.buffer, b.byteOffset);
      const mode = v.getUint32(24, true);
      const type = FILE_TYPES[(mode >> 12) & 15] ?? '0';
      const special = type === 'S_IFCHR' || type === 'S_IFBLK';
      const rdev = v.getBigUint64(40, true);
      const tail = special ? `st_rdev=makedev(0x${((rdev >> 8n) & 0xfffn).toString(16)}, 0x${(rdev & 0xffn).toString(16)})` : `st_size=${v.getBigInt64(48, true)}`;
      return `{st_mode=${type}|0${(mode & 0o7777).toString(8).padStart(3, '0')}, ${tail}, ...}`;
    }
    case 'address-family': return ADDRESS_FAMILIES[s32] ?? String(s32);
    case 'socket-type': {
      const type = SOCKET_TYPES[s32 & 0xf] ?? String(s32 & 0xf);
      return flags([[0o2000000, 'SOCK_CLOEXEC'], [0o4000, 'SOCK_NONBLOCK']], s32 & ~0xf, type);
    }
    case 'sockaddr': return formatSockaddr(task, value, Number(next ?? 0n));
    case 'pollfds': return value === 0n ? 'NULL' : (formatPollfds(task, value, Number(next ?? 0n), 'events') ?? '0x' + value.toString(16));
    case 'epoll-flags': return value === 0n ? '0' : s32 & 0o2000000 ? flags([[0o2000000, 'EPOLL_CLOEXEC']], s32, undefined) : `0x${s32.toString(16)} /* EPOLL_??? */`;
    case 'epoll-op': return ['', 'EPOLL_CTL_ADD', 'EPOLL_CTL_DEL', 'EPOLL_CTL_MOD'][s32] || `0x${(s32 >>> 0).toString(16)} /* EPOLL_CTL_??? */`;
    case 'epoll-event': return value === 0n ? 'NULL' : (formatEpollEvents(task, value, 1, false) ?? '0x' + value.toString(16));
    case 'epoll-events-out': {
      const n = result === undefined ? -1 : Number(BigInt.asIntN(64, result));
      return n < 0 ? '0x' + value.toString(16) : (formatEpollEvents(task, value, n, true) ?? '0x' + value.toString(16));
    }
    case 'whence': return ['SEEK_SET', 'SEEK_CUR', 'SEEK_END', 'SEEK_DATA', 'SEEK_HOLE'][Number(value)] ?? String(value);
    case 'ignored': return '';
    default: return s64 < 0n || s64 > 0xffffn ? '0x' + value.toString(16) : String(s64);
  }
}

const ADDRESS_FAMILIES: Record<number, string> = { 0: 'AF_UNSPEC', 1: 'AF_UNIX', 2: 'AF_INET', 10: 'AF_INET6', 16: 'AF_NETLINK', 17: 'AF_PACKET' };
const SOCKET_TYPES: Record<number, string> = { 1: 'SOCK_STREAM', 2: 'SOCK_DGRAM', 3: 'SOCK_RAW', 4: 'SOCK_RDM', 5: 'SOCK_SEQPACKET', 6: 'SOCK_DCCP', 10: 'SOCK_PACKET' };

/** A socket address as strace prints it: AF_UNIX paths (`@` for the abstract namespace), else the family alone. */
function formatSockaddr(task: Task, va: bigint, length: number): string {
  const bytes = length >= 2 && length <= 128 ? copyFromUser(task.space, Number(va), length) : new Uint8Array(0);
  if (bytes.length < 2 || bytes.length < length) return '0x' + va.toString(16);
  const family = bytes[0]! | (bytes[1]! << 8);
  const name = ADDRESS_FAMILIES[family] ?? String(family);
  if (family !== 1 || length <= 2) return `{sa_family=${name}}`;
  const path = bytes.subarray(2);
  if (path[0] === 0) return `{sa_family=AF_UNIX, sun_path=@${quote(path.subarray(1), Infinity)}}`;
  const end = path.indexOf(0);
  return `{sa_family=AF_UNIX, sun_path=${quote(end < 0 ? path : path.subarray(0, end), Infinity)}}`;
}

const POLL_EVENTS: readonly (readonly [number, string])[] = [
  [0x1, 'POLLIN'], [0x2, 'POLLPRI'], [0x4, 'POLLOUT'], [0x8, 'POLLERR'], [0x10, 'POLLHUP'], [0x20, 'POLLNVAL'], [0x40, 'POLLRDNORM'],
  [0x80, 'POLLRDBAND'], [0x100, 'POLLWRNORM'], [0x200, 'POLLWRBAND'], [0x400, 'POLLMSG'], [0x2000, 'POLLRDHUP'],
];

/** An array of struct pollfd as strace prints it: `[{fd=3, events=POLLIN}]`; with `revents`, only entries that have some. */
function formatPollfds(task: Task, va: bigint, count: number, field: 'events' | 'revents'): string | undefined {
  const shown = Math.min(count, STRING_LIMIT);
  const bytes = copyFromUser(task.space, Number(va), shown * 8);
  if (bytes.length < shown * 8) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const items: string[] = [];
  for (let k = 0; k < shown; k++) {
    const bits = v.getUint16(k * 8 + (field === 'events' ? 4 : 6), true);
    if (field === 'revents' && !bits) continue;
    const fd = v.getInt32(k * 8, true);
    // strace leaves out the events of an entry it will not poll (a negative fd).
    items.push(fd < 0 && field === 'events' ? `{fd=${fd}}` : `{fd=${fd}, ${field}=${bits ? flags(POLL_EVENTS, bits, undefined) : '0'}}`);
  }
  return `[${items.join(', ')}${count > shown && field === 'events' ? ', ...' : ''}]`;
}

const EPOLL_EVENTS: readonly (readonly [number, string])[] = [
  [0x1, 'EPOLLIN'], [0x2, 'EPOLLPRI'], [0x4, 'EPOLLOUT'], [0x8, 'EPOLLERR'], [0x10, 'EPOLLHUP'], [0x20, 'EPOLLNVAL'], [0x40, 'EPOLLRDNORM'],
  [0x80, 'EPOLLRDBAND'], [0x100, 'EPOLLWRNORM'], [0x200, 'EPOLLWRBAND'], [0x400, 'EPOLLMSG'], [0x2000, 'EPOLLRDHUP'],
  [1 << 28, 'EPOLLEXCLUSIVE'], [1 << 29, 'EPOLLWAKEUP'], [1 << 30, 'EPOLLONESHOT'], [-0x80000000, 'EPOLLET'],
];

/** struct epoll_event (packed: u32 events, u64 data) as strace prints it; `count` of them as an array when `array`. */
function formatEpollEvents(task: Task, va: bigint, count: number, array: boolean): string | undefined {
  const shown = Math.min(count, STRING_LIMIT);
  const bytes = copyFromUser(task.space, Number(va), shown * 12);
  if (bytes.length < shown * 12) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const items = Array.from({ length: shown }, (_, k) => {
    const events = v.getInt32(k * 12, true);
    const data = v.getBigUint64(k * 12 + 4, true);
    return `{events=${events ? flags(EPOLL_EVENTS, events, undefined) : '0'}, data={u32=${data & 0xffffffffn}, u64=${data}}}`;
  });
  return array ? `[${items.join(', ')}${count > shown ? ', ...' : ''}]` : items[0];
}

/** poll's result as strace adds to it: ` ([{fd=5, revents=POLLHUP}])`, or ` (Timeout)` for 0. */
function pollDetail(task: Task, raw: SyscallArgs, result: bigint): string {
  const n = BigInt.asIntN(64, result);
  if (n === 0n) return ' (Timeout)';
  if (n < 0n) return '';
  const list = formatPollfds(task, raw[0], Number(raw[1] & 0xffffffffn), 'revents');
  return list ? ` (${list})` : '';
}

function flags(set: readonly (readonly [number, string])[], value: number, first: string | undefined): string {
  const names = first !== undefined ? [first] : [];
  let rest = value;
  for (const [bit, name] of set) {
    if (rest & bit) {
      names.push(name);
      rest &= ~bit;
    }
  }
  if (rest) names.push('0x' + rest.toString(16));
  return names.join('|') || '0';
}

/** A C string literal as strace prints it: escapes for \t \n \v \f \r " \\, octal for other control bytes. */
export function quote(bytes: Uint8Array, limit: number): string {
  let out = '"';
  for (let k = 0; k < Math.min(bytes.length, limit); k++) {
    const b = bytes[k]!;
    const c = String.fromCharCode(b);
    if (c === '"' || c === '\\') out += '\\' + c;
    else if (b === 9) out += '\\t';
    else if (b === 10) out += '\\n';
    else if (b === 11) out += '\\v';
    else if (b === 12) out += '\\f';
    else if (b === 13) out += '\\r';
    else if (b >= 0x20 && b < 0x7f) out += c;
    else out += '\\' + b.toString(8);
  }
  return out + '"';
}

/** Arguments the call fills in: printed from memory after it returns. */
const isOutput = (kind: ArgKind): boolean => kind === 'outbuf' || kind === 'iovec-out' || kind === 'stat-out' || kind === 'epoll-events-out';

/** `= 3`, `= 0x5555…` (addresses), `= -1 ENOENT (No such file or directory)`, `= ?` (did not return). */
/** The kernel's internal restart codes, as strace shows a call a signal interrupted: `= ? ERESTARTSYS (…)`. */
const RESTART_CODES: Record<number, [string, string]> = {
  512: ['ERESTARTSYS', 'To be restarted if SA_RESTART is set'], 513: ['ERESTARTNOINTR', 'To be restarted'],
  514: ['ERESTARTNOHAND', 'To be restarted if no handler'], 516: ['ERESTART_RESTARTBLOCK', 'Interrupted by signal'],
};

export function formatResult(nr: number, result: bigint | undefined): string {
  if (result === undefined) return '?';
  const s = BigInt.asIntN(64, result);
  const restart = RESTART_CODES[Number(-s)];
  if (restart) return `? ${restart[0]} (${restart[1]})`;
  if (s < 0n && s >= -4095n) {
    const errno = Number(-s);
    return `-1 ${errnoName(errno)} (${strerror(errno)})`;
  }
  return syscallDef(nr)?.result === 'hex' ? '0x' + result.toString(16) : String(s);
}

/** strace as a SyscallTracer: lines to `out` (the first process's lines unprefixed). */
export class Strace implements SyscallTracer {
  private readonly entered = new Map<number, { args: string[] | undefined; raw: SyscallArgs }>();
  private firstPid: number | undefined;

  constructor(private readonly out: (line: string) => void) {}

  enter(task: Task, nr: number, args: SyscallArgs): void {
    this.firstPid ??= task.pid;
    const def = syscallDef(nr);
    // Inputs print as they were at entry (execve replaces the memory they lie in).
    const formatted = def?.args.map((kind, k) => (isOutput(kind) ? '' : formatArg(task, kind, args[k]!, args[k + 1])));
    this.entered.set(task.tid, { args: formatted, raw: args });
  }

  exit(task: Task, nr: number, result: bigint | undefined): void {
    const e = this.entered.get(task.tid);
    this.entered.delete(task.tid);
    const def = syscallDef(nr);
    let shown = def?.args ?? [];
    // open/openat print their mode only with O_CREAT or O_TMPFILE.
    const flagsAt = shown.indexOf('open-flags');
    if (flagsAt >= 0 && shown[flagsAt + 1] === 'octal' && e && !(Number(e.raw[flagsAt]! & 0xffffffffn) & OPEN_WITH_MODE)) shown = shown.slice(0, flagsAt + 1);
    const args = def && e ? shown.map((kind, k) => (isOutput(kind) ? formatArg(task, kind, e.raw[k]!, e.raw[k + 1], result) : e.args![k]!)).filter((a, k) => shown[k] !== 'ignored' || a !== '') : [];
    const prefix = task.tid !== this.firstPid ? `[pid ${task.tid}] ` : '';
    let value = def?.result === 'none' && result === undefined ? '?' : formatResult(nr, result);
    if (def?.result === 'poll' && e && result !== undefined) value += pollDetail(task, e.raw, result);
    this.out(`${prefix}${syscallName(nr)}(${args.join(', ')}) = ${value}`);
  }
}
