// An epoll instance (fs/eventpoll.c): the interest list, keyed by (file description, descriptor number) as the
// kernel keys it, and the ready list in the order items became ready. Level-triggered items stay ready while their
// file is; edge-triggered ones report again only after a wake on one of their file's queues (ep_poll_callback);
// one-shot ones are disabled once reported until EPOLL_CTL_MOD. An item goes when its file's last descriptor closes.
import { FileDescription, type FileStat } from './file.ts';
import { POLLERR, POLLHUP, POLLIN, POLLRDNORM, type PollState } from './poll.ts';
import { WaitQueue } from '../wait-queue.ts';

export const EPOLLIN = POLLIN, EPOLLERR = POLLERR, EPOLLHUP = POLLHUP;
export const EPOLLEXCLUSIVE = 1 << 28, EPOLLWAKEUP = 1 << 29, EPOLLONESHOT = 1 << 30, EPOLLET = 1 << 31;
/** The bits an item keeps when a one-shot item fires (EP_PRIVATE_BITS). */
const EP_PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;

export interface EpollItem {
  fd: number;
  file: FileDescription;
  /** The events asked for (with EPOLLET/ONESHOT...), unsigned 32-bit. */
  events: number;
  data: bigint;
  /** Sum of the file's queues' wakeups when it was last reported (edge-triggered items). */
  seenWakeups: number;
  /** On the ready list (ep_is_linked). */
  ready: boolean;
}

let nextEpollInode = 1;

export class EpollFile extends FileDescription {
  readonly items: EpollItem[] = [];
  /** The ready list: items in the order they became ready. */
  private readyList: EpollItem[] = [];
  /** Woken when the interest list changes (a nested waiter re-scans). */
  readonly changed = new WaitQueue();
  private readonly ino = nextEpollInode++;

  constructor(flags: number) {
    super('anon_inode:[eventpoll]', flags);
  }

  find(file: FileDescription, fd: number): EpollItem | undefined {
    return this.items.find((i) => i.file === file && i.fd === fd);
  }

  /** ep_insert: a new item, put on the ready list at once when its file is ready. */
  add(fd: number, file: FileDescription, events: number, data: bigint): void {
    const item: EpollItem = { fd, file, events, data, seenWakeups: -1, ready: false };
    this.items.push(item);
    this.check(item, true);
    this.changed.wake();
  }

  /** ep_modify: new events and data; ready again at once if the file is. */
  modify(item: EpollItem, events: number, data: bigint): void {
    item.events = events;
    item.data = data;
    this.check(item, true);
    this.changed.wake();
  }

  remove(item: EpollItem): void {
    this.items.splice(this.items.indexOf(item), 1);
    this.readyList = this.readyList.filter((i) => i !== item);
    item.ready = false;
    this.changed.wake();
  }

  /** The events `item` would report now (masked by what it asks; ERR and HUP always). */
  private eventsOf(item: EpollItem, state: PollState): number {
    return state.mask & (item.events | EPOLLERR | EPOLLHUP) & ~EP_PRIVATE_BITS;
  }

  private wakeupsOf(state: PollState): number {
    return state.queues.reduce((n, q) => n + q.wakeups, 0);
  }

  /** Puts `item` on the ready list when its file is ready and (edge-triggered) a wake happened since it was reported. */
  private check(item: EpollItem, inserting: boolean): void {
    if (item.ready || (item.events & ~EP_PRIVATE_BITS) === 0) return;
    const state = item.file.poll();
    if (!this.eventsOf(item, state)) return;
    if (item.events & EPOLLET && !inserting && this.wakeupsOf(state) === item.seenWakeups) return;
    item.ready = true;
    this.readyList.push(item);
  }

  /** Drops items whose file is closed everywhere (eventpoll_release). */
  private prune(): void {
    for (const item of [...this.items]) if (item.file.refs === 0) this.remove(item);
  }

  /**
   * ep_send_events: up to `max` (events, data) pairs from the ready list; level-triggered items that are still
   * ready go back to its tail, edge-triggered ones wait for a wake, one-shot ones are disabled.
   */
  harvest(max: number): { events: number; data: bigint }[] {
    this.prune();
    // Items that became ready since the last look join the list in the order of their last wake.
    const newcomers = this.items.filter((i) => !i.ready);
    const lastWake = (i: EpollItem) => Math.max(-1, ...i.file.poll().queues.map((q) => q.lastWakeSeq));
    newcomers.sort((a, b) => lastWake(a) - lastWake(b));
    for (const item of newcomers) this.check(item, false);
    const out: { events: number; data: bigint }[] = [];
    const requeue: EpollItem[] = [];
    while (out.length < max && this.readyList.length > 0) {
      const item = this.readyList.shift()!;
      item.ready = false;
      const state = item.file.poll();
      const events = this.eventsOf(item, state);
      if (!events) continue;
      out.push({ events, data: item.data });
      item.seenWakeups = this.wakeupsOf(state);
      if (item.events & EPOLLONESHOT) item.events &= EP_PRIVATE_BITS;
      else if (!(item.events & EPOLLET)) requeue.push(item);
    }
    for (const item of requeue) {
      item.ready = true;
      this.readyList.push(item);
    }
    return out;
  }

  /** Whether any item is ready, without taking events (an epoll file polled itself: ep_eventpoll_poll). */
  override poll(): PollState {
    this.prune();
    for (const item of this.items) this.check(item, false);
    const queues = [this.changed, ...this.items.flatMap((i) => i.file.poll().queues)];
    const recheck = this.items.map((i) => i.file.poll().recheckMs).filter((ms): ms is number => ms !== undefined);
    return { mask: this.readyList.length > 0 ? POLLIN | POLLRDNORM : 0, queues, recheckMs: recheck.length ? Math.min(...recheck) : undefined };
  }

  override get canPoll(): boolean {
    return true;
  }

  override stat(): FileStat {
    // An anonymous inode: mode 0600 with no file type, as fstat shows it.
    return { dev: 0xfn, ino: BigInt(this.ino), mode: 0o600, nlink: 1, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, rdev: 0n, size: 0, blksize: 4096, blocks: 0, atime: [0, 0], mtime: [0, 0], ctime: [0, 0] };
  }
}
