// AF_UNIX sockets as far as programs here need them: created (stream, datagram, seqpacket), never connected — picemu
// has no listening sockets, and the host's are not reached — so reads and writes fail as on an unconnected socket,
// and poll reports what unix_poll/unix_dgram_poll report for one.
import { EAGAIN, EINVAL, ENOTCONN } from '../errno.ts';
import { O_NONBLOCK, O_RDWR, StreamFile, type FileStat, type ReadResult, type WriteResult } from './file.ts';
import { POLLHUP, POLLOUT, POLLWRBAND, POLLWRNORM, type PollState } from './poll.ts';
import { WaitQueue } from '../wait-queue.ts';

export const SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_SEQPACKET = 5;
export const S_IFSOCK = 0o140000;

let nextSocketInode = 1;

export class UnixSocket extends StreamFile {
  private readonly ino = nextSocketInode++;
  /** Nothing is ever received (no peer): a blocking datagram read sleeps here until a signal. */
  private readonly received = new WaitQueue();

  constructor(
    /** SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET (SOCK_RAW is a datagram socket, as unix_create makes it). */
    readonly type: number,
    nonblock: boolean,
  ) {
    // (`ino` takes this number as the field initializers run, right after super.)
    super(`socket:[${nextSocketInode}]`, O_RDWR | (nonblock ? O_NONBLOCK : 0));
  }

  /** An unconnected stream socket: EINVAL (unix_stream_recvmsg); a datagram socket waits for a datagram. */
  override pread(): ReadResult {
    if (this.type !== SOCK_DGRAM) return -EINVAL;
    return this.flags & O_NONBLOCK ? -EAGAIN : { wouldBlock: this.received };
  }

  /** No peer: ENOTCONN. */
  override pwrite(): WriteResult {
    return -ENOTCONN;
  }

  override get canPoll(): boolean {
    return true;
  }

  /** Writable (its send buffer is empty); a stream socket in TCP_CLOSE is also HUP. */
  override poll(): PollState {
    const mask = POLLOUT | POLLWRNORM | POLLWRBAND | (this.type !== SOCK_DGRAM ? POLLHUP : 0);
    return { mask, queues: [this.received] };
  }

  override stat(): FileStat {
    return { dev: 0x8n, ino: BigInt(this.ino), mode: S_IFSOCK | 0o777, nlink: 1, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, rdev: 0n, size: 0, blksize: 4096, blocks: 0, atime: [0, 0], mtime: [0, 0], ctime: [0, 0] };
  }
}
