// poll, ppoll, select and pselect6 over open file descriptions: each file's poll (files/poll.ts) filtered by the
// events asked for, waiting on every file's queues at once (poll-wait.ts), with the kernel's argument checks and
// order (nfds beyond RLIMIT_NOFILE: EINVAL; unreadable arrays: EFAULT; select on a closed descriptor: EBADF).
import { EBADF, EFAULT, EINVAL } from '../errno.ts';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND, POLLRDNORM, POLLWRBAND, POLLWRNORM } from '../files/poll.ts';
import { RLIMIT_NOFILE } from '../rlimits.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import type { WaitQueue } from '../wait-queue.ts';
import { copyFromUser, copyToUser } from '../user-memory.ts';
import { int, putUser, StructWriter, uint, ulong } from './helpers.ts';
import { deadlineOf, readTimespec, setUserSigmask, waitForEvents, type Scan } from './poll-wait.ts';
import { restoreSavedMask } from '../signals/delivery.ts';

/** One struct pollfd: int fd, short events, short revents. */
const POLLFD_SIZE = 8;

/** Looks at each pollfd once: revents filled in, the count of entries with any, the queues of every file. */
function scanPollfds(task: Task, fds: { fd: number; events: number; revents: number }[]): Scan {
  const queues: WaitQueue[] = [];
  let count = 0;
  let recheckMs: number | undefined;
  for (const p of fds) {
    p.revents = 0;
    if (p.fd < 0) continue;
    const file = task.files.get(p.fd);
    if (!file) p.revents = POLLNVAL;
    else {
      const state = file.poll();
      // POLLERR and POLLHUP are reported whether asked for or not.
      p.revents = state.mask & (p.events | POLLERR | POLLHUP);
      queues.push(...state.queues);
      if (state.recheckMs !== undefined) recheckMs = Math.min(recheckMs ?? Infinity, state.recheckMs);
    }
    if (p.revents) count++;
  }
  return { count, queues, recheckMs };
}

/** do_sys_poll: the pollfd array in, revents out; `deadlineMs` as waitForEvents takes it. */
function doPoll(task: Task, va: bigint, nfds: number, deadlineMs: number | undefined, finish: (r: number) => SyscallResult = (r) => r): SyscallResult {
  if (nfds > (task.group.rlimits.get(RLIMIT_NOFILE)?.soft ?? Infinity)) return finish(-EINVAL);
  const raw = copyFromUser(task.space, ulong(va), nfds * POLLFD_SIZE);
  if (raw.length < nfds * POLLFD_SIZE) return finish(-EFAULT);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const fds = Array.from({ length: nfds }, (_, k) => ({ fd: view.getInt32(k * 8, true), events: view.getUint16(k * 8 + 4, true), revents: 0 }));
  return waitForEvents(task, () => scanPollfds(task, fds), deadlineMs, (count) => {
    if (count < 0) return finish(count);
    for (let k = 0; k < nfds; k++) view.setUint16(k * 8 + 6, fds[k]!.revents, true);
    return finish(copyToUser(task.space, ulong(va), raw) === raw.length ? count : -EFAULT);
  });
}

/** poll(2): timeout in milliseconds, negative for none. */
function poll(task: Task, va: bigint, nfds: number, timeoutMs: number): SyscallResult {
  return doPoll(task, va, nfds, timeoutMs < 0 ? undefined : Date.now() + timeoutMs);
}

/**
 * poll_select_finish: a call given a timeout writes back the time left (not for a zero timeout; a write that faults
 * is ignored, as the kernel's comment says); `timeval` for select's struct.
 */
function writeTimeLeft(task: Task, va: bigint, deadlineMs: number | undefined, zero: boolean, timeval: boolean): void {
  if (va === 0n || deadlineMs === undefined || zero) return;
  const leftNs = BigInt(Math.max(0, Math.round((deadlineMs - Date.now()) * 1e6)));
  const sec = leftNs / 1_000_000_000n, nsec = leftNs % 1_000_000_000n;
  void putUser(task, va, new StructWriter(16).u64(0, sec).u64(8, timeval ? nsec / 1000n : nsec).bytes);
}

/** A struct timespec timeout at `tsp` (0: none): its deadline, and whether it was zero (no time written back); or -errno. */
function timespecTimeout(task: Task, tsp: bigint): { deadlineMs: number | undefined; zero: boolean } | number {
  if (!tsp) return { deadlineMs: undefined, zero: false };
  const ts = readTimespec(task, tsp);
  if (typeof ts === 'number') return ts;
  const d = deadlineOf(ts[0], ts[1]);
  if (typeof d === 'object') return d.error;
  return { deadlineMs: d, zero: ts[0] === 0n && ts[1] === 0n };
}

/** ppoll: a timespec timeout (NULL: none) and a signal mask for the wait. */
function ppoll(task: Task, [va, nfdsArg, tsp, maskVa, maskSize]: readonly bigint[]): SyscallResult {
  const timeout = timespecTimeout(task, tsp!);
  if (typeof timeout === 'number') return timeout;
  const { deadlineMs, zero } = timeout;
  const m = setUserSigmask(task, maskVa!, maskSize!);
  if (m < 0) return m;
  return doPoll(task, va!, uint(nfdsArg!), deadlineMs, (r) => {
    restoreSavedMask(task);
    writeTimeLeft(task, tsp!, deadlineMs, zero, false);
    return r;
  });
}

/** select's three sets: what they ask (POLLIN_SET, POLLOUT_SET, POLLEX_SET in fs/select.c). */
const SELECT_SETS = [POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR, POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR, POLLPRI] as const;

/** core_sys_select: n descriptors (at most the table's size), three bit sets in and out; the count of set bits. */
function coreSelect(task: Task, n: number, setVas: readonly bigint[], deadlineMs: number | undefined, finish: (r: number) => SyscallResult): SyscallResult {
  if (n < 0) return finish(-EINVAL);
  n = Math.min(n, task.files.maxFds);
  const bytes = Math.ceil(n / 64) * 8;
  const sets: (Uint8Array | null)[] = [];
  for (const va of setVas) {
    if (va === 0n) sets.push(null);
    else {
      const b = copyFromUser(task.space, ulong(va), bytes);
      if (b.length < bytes) return finish(-EFAULT);
      sets.push(b);
    }
  }
  const isSet = (set: Uint8Array | null, fd: number) => set !== null && (set[fd >> 3]! & (1 << (fd & 7))) !== 0;
  const wanted: number[] = [];
  for (let fd = 0; fd < n; fd++) {
    if (!sets.some((s) => isSet(s, fd))) continue;
    if (!task.files.get(fd)) return finish(-EBADF); // max_select_fd: a set bit for a descriptor not open
    wanted.push(fd);
  }
  const results = sets.map(() => new Uint8Array(bytes));
  const scan = (): Scan => {
    results.forEach((r) => r.fill(0));
    const queues: WaitQueue[] = [];
    let count = 0;
    let recheckMs: number | undefined;
    for (const fd of wanted) {
      const file = task.files.get(fd);
      if (!file) return { count: -EBADF, queues: [] };
      const state = file.poll();
      queues.push(...state.queues);
      if (state.recheckMs !== undefined) recheckMs = Math.min(recheckMs ?? Infinity, state.recheckMs);
      for (let k = 0; k < 3; k++) {
        if (isSet(sets[k]!, fd) && state.mask & SELECT_SETS[k]!) {
          results[k]![fd >> 3]! |= 1 << (fd & 7);
          count++;
        }
      }
    }
    return { count, queues, recheckMs };
  };
  return waitForEvents(task, () => {
    const s = scan();
    return s.count < 0 ? s.count : s;
  }, deadlineMs, (count) => {
    if (count < 0) return finish(count);
    for (let k = 0; k < 3; k++) if (setVas[k] !== 0n && copyToUser(task.space, ulong(setVas[k]!), results[k]!) < bytes) return finish(-EFAULT);
    return finish(count);
  });
}

/** select: a struct timeval timeout; tv_usec beyond a second carries into the seconds, as the kernel normalizes it. */
function select(task: Task, [nArg, inp, outp, exp, tvp]: readonly bigint[]): SyscallResult {
  let deadlineMs: number | undefined;
  let zero = false;
  if (tvp) {
    const tv = readTimespec(task, tvp);
    if (typeof tv === 'number') return tv;
    const [sec, usec] = tv;
    const d = deadlineOf(sec + usec / 1_000_000n, (usec % 1_000_000n) * 1000n);
    if (typeof d === 'object') return d.error;
    deadlineMs = d;
    zero = sec === 0n && usec === 0n;
  }
  return coreSelect(task, int(nArg!), [inp!, outp!, exp!], deadlineMs, (r) => {
    writeTimeLeft(task, tvp!, deadlineMs, zero, true);
    return r;
  });
}

/** pselect6: a timespec timeout and, in the sixth argument, {sigset pointer, its size}. */
function pselect6(task: Task, [nArg, inp, outp, exp, tsp, sig]: readonly bigint[]): SyscallResult {
  let maskVa = 0n, maskSize = 0n;
  if (sig) {
    const pack = copyFromUser(task.space, ulong(sig), 16);
    if (pack.length < 16) return -EFAULT;
    const v = new DataView(pack.buffer, pack.byteOffset, 16);
    maskVa = v.getBigUint64(0, true);
    maskSize = v.getBigUint64(8, true);
  }
  const timeout = timespecTimeout(task, tsp!);
  if (typeof timeout === 'number') return timeout;
  const { deadlineMs, zero } = timeout;
  const m = setUserSigmask(task, maskVa, maskSize);
  if (m < 0) return m;
  return coreSelect(task, int(nArg!), [inp!, outp!, exp!], deadlineMs, (r) => {
    restoreSavedMask(task);
    writeTimeLeft(task, tsp!, deadlineMs, zero, false);
    return r;
  });
}

defineSyscalls([
  { nr: 7, name: 'poll', args: ['pollfds', 'uint', 'int'], result: 'poll', handler: (t, a) => poll(t, a[0], uint(a[1]), int(a[2])) },
  { nr: 271, name: 'ppoll', args: ['ptr', 'uint', 'struct', 'ptr', 'uint'], handler: (t, a) => ppoll(t, a) },
  { nr: 23, name: 'select', args: ['int', 'ptr', 'ptr', 'ptr', 'struct'], handler: (t, a) => select(t, a) },
  { nr: 270, name: 'pselect6', args: ['int', 'ptr', 'ptr', 'ptr', 'struct', 'ptr'], handler: (t, a) => pselect6(t, a) },
]);
