// epoll_create/epoll_create1, epoll_ctl and epoll_wait/epoll_pwait/epoll_pwait2 over files/epoll.ts, with
// do_epoll_ctl's and do_epoll_wait's checks in the kernel's order. (Nested epoll loops are not looked for: ELOOP
// is never returned.)
import { EBADF, EEXIST, EFAULT, EINVAL, ENOENT, EPERM } from '../errno.ts';
import { EpollFile, EPOLLERR, EPOLLET, EPOLLEXCLUSIVE, EPOLLHUP, EPOLLWAKEUP } from '../files/epoll.ts';
import { O_CLOEXEC, O_RDWR } from '../files/file.ts';
import { POLLIN, POLLOUT } from '../files/poll.ts';
import { restoreSavedMask } from '../signals/delivery.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { accessOk, copyFromUser, copyToUser } from '../user-memory.ts';
import { nofile } from './files-descriptors.ts';
import { int, StructWriter, ulong } from './helpers.ts';
import { deadlineOf, readTimespec, setUserSigmask, waitForEvents } from './poll-wait.ts';

const EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;
/** struct epoll_event is packed on x86-64: u32 events, u64 data. */
const EVENT_SIZE = 12;
const EP_MAX_EVENTS = Math.floor(0x7fffffff / EVENT_SIZE);
const EPOLLEXCLUSIVE_OK_BITS = POLLIN | POLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;

function create(task: Task, flags: number): SyscallResult {
  if (flags & ~O_CLOEXEC) return -EINVAL;
  return task.files.install(new EpollFile(O_RDWR), (flags & O_CLOEXEC) !== 0, 0, nofile(task));
}

function ctl(task: Task, epfd: number, op: number, fd: number, eventVa: bigint): SyscallResult {
  let events = 0, data = 0n;
  if (op !== EPOLL_CTL_DEL) {
    const raw = copyFromUser(task.space, ulong(eventVa), EVENT_SIZE);
    if (raw.length < EVENT_SIZE) return -EFAULT;
    const v = new DataView(raw.buffer, raw.byteOffset, EVENT_SIZE);
    events = v.getUint32(0, true);
    data = v.getBigUint64(4, true);
  }
  const ep = task.files.get(epfd);
  if (!ep) return -EBADF;
  const target = task.files.get(fd);
  if (!target) return -EBADF;
  if (!target.canPoll) return -EPERM;
  if (ep === target || !(ep instanceof EpollFile)) return -EINVAL;
  if (op !== EPOLL_CTL_DEL && events & EPOLLEXCLUSIVE) {
    if (op === EPOLL_CTL_MOD) return -EINVAL;
    if (op === EPOLL_CTL_ADD && (target instanceof EpollFile || events & ~EPOLLEXCLUSIVE_OK_BITS)) return -EINVAL;
  }
  const item = ep.find(target, fd);
  switch (op) {
    case EPOLL_CTL_ADD:
      if (item) return -EEXIST;
      ep.add(fd, target, (events | EPOLLERR | EPOLLHUP) >>> 0, data);
      return 0;
    case EPOLL_CTL_DEL:
      if (!item) return -ENOENT;
      ep.remove(item);
      return 0;
    case EPOLL_CTL_MOD:
      if (!item) return -ENOENT;
      if (!(item.events & EPOLLEXCLUSIVE)) ep.modify(item, (events | EPOLLERR | EPOLLHUP) >>> 0, data);
      return 0;
    default:
      return -EINVAL;
  }
}

/** do_epoll_wait: `deadlineMs` as waitForEvents takes it. */
function wait(task: Task, epfd: number, eventsVa: bigint, max: number, deadlineMs: number | undefined, finish: (r: number) => SyscallResult = (r) => r): SyscallResult {
  if (max <= 0 || max > EP_MAX_EVENTS) return finish(-EINVAL);
  if (!accessOk(eventsVa, max * EVENT_SIZE)) return finish(-EFAULT);
  const ep = task.files.get(epfd);
  if (!ep) return finish(-EBADF);
  if (!(ep instanceof EpollFile)) return finish(-EINVAL);
  let harvested: { events: number; data: bigint }[] = [];
  return waitForEvents(task, () => {
    harvested = ep.harvest(max);
    if (harvested.length > 0) return { count: harvested.length, queues: [] };
    const state = ep.poll();
    return { count: 0, queues: state.queues, recheckMs: state.recheckMs };
  }, deadlineMs, (count) => {
    if (count <= 0) return finish(count);
    const out = new StructWriter(count * EVENT_SIZE);
    harvested.forEach((e, k) => out.u32(k * EVENT_SIZE, e.events).u64(k * EVENT_SIZE + 4, e.data));
    const written = Math.floor(copyToUser(task.space, ulong(eventsVa), out.bytes) / EVENT_SIZE);
    return finish(written > 0 ? written : -EFAULT);
  });
}

const msDeadline = (timeout: number): number | undefined => (timeout < 0 ? undefined : Date.now() + timeout);

/** epoll_pwait and epoll_pwait2: the wait with a signal mask of its own (restored unless a signal ended it). */
function pwait(task: Task, a: readonly bigint[], deadlineMs: number | undefined): SyscallResult {
  const m = setUserSigmask(task, a[4]!, a[5]!);
  if (m < 0) return m;
  return wait(task, int(a[0]!), a[1]!, int(a[2]!), deadlineMs, (r) => {
    restoreSavedMask(task);
    return r;
  });
}

defineSyscalls([
  { nr: 213, name: 'epoll_create', args: ['int'], handler: (t, a) => (int(a[0]) <= 0 ? -EINVAL : create(t, 0)) },
  { nr: 291, name: 'epoll_create1', args: ['epoll-flags'], handler: (t, a) => create(t, int(a[0])) },
  { nr: 233, name: 'epoll_ctl', args: ['fd', 'epoll-op', 'fd', 'epoll-event'], handler: (t, a) => ctl(t, int(a[0]), int(a[1]), int(a[2]), a[3]) },
  { nr: 232, name: 'epoll_wait', args: ['fd', 'epoll-events-out', 'int', 'int'], handler: (t, a) => wait(t, int(a[0]), a[1], int(a[2]), msDeadline(int(a[3]))) },
  { nr: 281, name: 'epoll_pwait', args: ['fd', 'epoll-events-out', 'int', 'int', 'ptr', 'uint'], handler: (t, a) => pwait(t, a, msDeadline(int(a[3]))) },
  {
    nr: 441, name: 'epoll_pwait2', args: ['fd', 'epoll-events-out', 'int', 'struct', 'ptr', 'uint'],
    handler: (t, a) => {
      let deadline: number | undefined;
      if (a[3] !== 0n) {
        const ts = readTimespec(t, a[3]);
        if (typeof ts === 'number') return ts;
        const d = deadlineOf(ts[0], ts[1]);
        if (typeof d === 'object') return d.error;
        deadline = d;
      }
      return pwait(t, a, deadline);
    },
  },
]);

