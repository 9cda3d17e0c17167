// What a file says to poll, select and epoll (vfs_poll): the events ready now and the wait queues on which a
// change will be announced. The event bits are the kernel's (uapi/asm-generic/poll.h).
import type { WaitQueue } from '../wait-queue.ts';

export const POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;
export const POLLRDNORM = 0x40, POLLRDBAND = 0x80, POLLWRNORM = 0x100, POLLWRBAND = 0x200, POLLMSG = 0x400, POLLRDHUP = 0x2000;

/** What a file without a poll method always reports (regular files, /dev/null): ready to read and to write. */
export const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

export interface PollState {
  /** The events ready now. */
  mask: number;
  /** Where a change of `mask` is announced (a waiter sleeps on all of them). */
  queues: readonly WaitQueue[];
  /**
   * Set when no queue can announce a change (a host descriptor picemu cannot watch): the waiter looks again after
   * this many milliseconds.
   */
  recheckMs?: number;
}

/** A file without a poll method: always ready, nothing to wait on. */
export const ALWAYS_READY: PollState = { mask: DEFAULT_POLLMASK, queues: [] };
