// Who and where the process is: pids, user and group ids, uname, sysinfo, resource limits, personality,
// scheduling (one CPU), getrandom.
import { hostname, loadavg, release, totalmem, freemem, uptime, version } from 'node:os';
import { EFAULT, EINVAL, EPERM, ESRCH } from '../errno.ts';
import { PERSONALITY_QUERY } from '../personality.ts';
import { RLIM_NLIMITS } from '../rlimits.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Rlimit, Task } from '../task.ts';
import { accessOk, copyFromUser, copyToUser } from '../user-memory.ts';
import { int, putUser, StructWriter, uint, ulong } from './helpers.ts';

const RLIM_INFINITY = 0xffffffffffffffffn;
const GRND_NONBLOCK = 0x1, GRND_RANDOM = 0x2, GRND_INSECURE = 0x4;
const GETRANDOM_MAX = 1 << 20;

function prlimit(task: Task, pid: number, resource: number, newVa: bigint, oldVa: bigint): SyscallResult {
  if (resource < 0 || resource >= RLIM_NLIMITS) return -EINVAL;
  const target = pid === 0 ? task.group : task.kernel.groups.get(pid);
  if (!target || target.exit) return -ESRCH;
  let wanted: Rlimit | undefined;
  if (newVa !== 0n) {
    const raw = copyFromUser(task.space, ulong(newVa), 16);
    if (raw.length < 16) return -EFAULT;
    const v = new DataView(raw.buffer, raw.byteOffset);
    const lim = (x: bigint) => (x === RLIM_INFINITY ? Infinity : Number(x));
    wanted = { soft: lim(v.getBigUint64(0, true)), hard: lim(v.getBigUint64(8, true)) };
    if (wanted.soft > wanted.hard) return -EINVAL;
  }
  const current = target.rlimits.get(resource)!;
  if (wanted && wanted.hard > current.hard && task.cred.euid !== 0) return -EPERM;
  if (oldVa !== 0n) {
    const enc = (x: number) => (Number.isFinite(x) ? BigInt(x) : RLIM_INFINITY);
    if (putUser(task, oldVa, new StructWriter(16).u64(0, enc(current.soft)).u64(8, enc(current.hard)).bytes) < 0) return -EFAULT;
  }
  if (wanted) target.rlimits.set(resource, wanted);
  return 0;
}

function uname(task: Task, va: bigint): SyscallResult {
  const w = new StructWriter(6 * 65);
  ['Linux', hostname(), release(), version(), 'x86_64', '(none)'].forEach((s, k) => w.str(65 * k, s, 65));
  return putUser(task, va, w.bytes);
}

function sysinfo(task: Task, va: bigint): SyscallResult {
  const load = loadavg().map((l) => Math.round(l * 65536));
  const w = new StructWriter(112)
    .u64(0, Math.floor(uptime())).u64(8, load[0]!).u64(16, load[1]!).u64(24, load[2]!)
    .u64(32, totalmem()).u64(40, freemem()).u64(48, 0).u64(56, 0).u64(64, 0).u64(72, 0)
    .u16(80, task.kernel.liveTasks().length).u64(88, 0).u64(96, 0).u32(104, 1);
  return putUser(task, va, w.bytes);
}

function getrandom(task: Task, va: bigint, length: bigint, flags: number): SyscallResult {
  if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) return -EINVAL;
  if ((flags & (GRND_INSECURE | GRND_RANDOM)) === (GRND_INSECURE | GRND_RANDOM)) return -EINVAL;
  const len = length > 0x7ffff000n ? 0x7ffff000 : Number(length);
  if (!accessOk(BigInt.asUintN(64, va), len)) return -EFAULT;
  if (len === 0) return 0;
  const written = copyToUser(task.space, ulong(va), task.kernel.randomBytes(Math.min(len, GETRANDOM_MAX)));
  return written > 0 ? written : -EFAULT;
}

/** An id pair or triple written as u32s (getresuid, getresgid). */
function ids(task: Task, vas: bigint[], values: number[]): SyscallResult {
  for (const [k, va] of vas.entries()) if (putUser(task, va, new StructWriter(4).u32(0, values[k]!).bytes) < 0) return -EFAULT;
  return 0;
}

defineSyscalls([
  { nr: 39, name: 'getpid', args: [], handler: (t) => t.pid },
  { nr: 186, name: 'gettid', args: [], handler: (t) => t.tid },
  { nr: 110, name: 'getppid', args: [], handler: (t) => t.group.parent?.tgid ?? 0 },
  { nr: 102, name: 'getuid', args: [], handler: (t) => t.cred.uid },
  { nr: 107, name: 'geteuid', args: [], handler: (t) => t.cred.euid },
  { nr: 104, name: 'getgid', args: [], handler: (t) => t.cred.gid },
  { nr: 108, name: 'getegid', args: [], handler: (t) => t.cred.egid },
  { nr: 118, name: 'getresuid', args: ['ptr', 'ptr', 'ptr'], handler: (t, a) => ids(t, [a[0], a[1], a[2]], [t.cred.uid, t.cred.euid, t.cred.suid]) },
  { nr: 120, name: 'getresgid', args: ['ptr', 'ptr', 'ptr'], handler: (t, a) => ids(t, [a[0], a[1], a[2]], [t.cred.gid, t.cred.egid, t.cred.sgid]) },
  {
    nr: 115, name: 'getgroups', args: ['int', 'ptr'],
    handler: (t, a) => {
      const size = int(a[0]);
      const groups = t.cred.groups;
      if (size < 0) return -EINVAL;
      if (size === 0) return groups.length;
      if (size < groups.length) return -EINVAL;
      const w = new StructWriter(4 * groups.length);
      groups.forEach((g, k) => w.u32(4 * k, g));
      return putUser(t, a[1], w.bytes) || groups.length;
    },
  },
  { nr: 111, name: 'getpgrp', args: [], handler: (t) => t.pid },
  { nr: 121, name: 'getpgid', args: ['int'], handler: (t, a) => (int(a[0]) === 0 || t.kernel.groups.has(int(a[0])) ? (int(a[0]) || t.pid) : -ESRCH) },
  { nr: 124, name: 'getsid', args: ['int'], handler: (t, a) => (int(a[0]) === 0 || t.kernel.groups.has(int(a[0])) ? 1 : -ESRCH) },
  { nr: 63, name: 'uname', args: ['struct'], handler: (t, a) => uname(t, a[0]) },
  { nr: 99, name: 'sysinfo', args: ['struct'], handler: (t, a) => sysinfo(t, a[0]) },
  { nr: 302, name: 'prlimit64', args: ['int', 'resource', 'struct', 'struct'], handler: (t, a) => prlimit(t, int(a[0]), uint(a[1]), a[2], a[3]) },
  { nr: 97, name: 'getrlimit', args: ['resource', 'struct'], handler: (t, a) => prlimit(t, 0, uint(a[0]), 0n, a[1]) },
  { nr: 160, name: 'setrlimit', args: ['resource', 'struct'], handler: (t, a) => prlimit(t, 0, uint(a[0]), a[1], 0n) },
  {
    nr: 135, name: 'personality', args: ['personality'],
    handler: (t, a) => {
      const old = t.group.personality;
      if (uint(a[0]) !== PERSONALITY_QUERY) t.group.personality = uint(a[0]);
      return old;
    },
  },
  { nr: 24, name: 'sched_yield', args: [], handler: () => 0 },
  {
    nr: 204, name: 'sched_getaffinity', args: ['int', 'uint', 'ptr'],
    handler: (t, a) => {
      // One CPU: mask bit 0. The kernel copies nr_cpu_ids rounded up to longs, so the size must hold 8 bytes.
      const size = uint(a[1]);
      if (size < 8 || size % 8) return -EINVAL;
      if (int(a[0]) !== 0 && !t.kernel.tasks.has(int(a[0]))) return -ESRCH;
      return putUser(t, a[2], new StructWriter(8).u64(0, 1).bytes) || 8;
    },
  },
  {
    nr: 309, name: 'getcpu', args: ['ptr', 'ptr', 'ptr'],
    handler: (t, a) => {
      const zero = new Uint8Array(4);
      if (a[0] !== 0n && putUser(t, a[0], zero) < 0) return -EFAULT;
      if (a[1] !== 0n && putUser(t, a[1], zero) < 0) return -EFAULT;
      return 0;
    },
  },
  { nr: 318, name: 'getrandom', args: ['outbuf', 'uint', 'hex'], handler: (t, a) => getrandom(t, a[0], BigInt.asUintN(64, a[1]), uint(a[2])) },
]);
