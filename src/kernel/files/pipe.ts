// pipe2: a 64 KiB buffer between a read end and a write end; readers block while it is empty and a writer is
// open, writers block while it is full; EOF when every writer has closed, EPIPE (and SIGPIPE) when every reader has.
import { EAGAIN, EPIPE } from '../errno.ts';
import { WaitQueue } from '../wait-queue.ts';
import { POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, type PollState } from './poll.ts';
import { O_NONBLOCK, O_RDONLY, O_WRONLY, S_IFIFO, StreamFile, type FileStat, type ReadResult, type WriteResult } from './file.ts';

/** The kernel's default pipe capacity (16 pages). */
export const PIPE_BUF_SIZE = 65536;

let nextPipeInode = 1;

class PipeBuffer {
  readonly ino = nextPipeInode++;
  chunks: Uint8Array[] = [];
  size = 0;
  readers = 0;
  writers = 0;
  readonly readable = new WaitQueue();
  readonly writable = new WaitQueue();
}

class PipeEnd extends StreamFile {
  constructor(
    readonly pipe: PipeBuffer,
    flags: number,
  ) {
    super(`pipe:[${pipe.ino}]`, flags);
  }

  override pread(length: number): ReadResult {
    const p = this.pipe;
    if (p.size === 0) {
      if (p.writers === 0) return new Uint8Array(0);
      return this.flags & O_NONBLOCK ? -EAGAIN : { wouldBlock: p.readable };
    }
    const out = new Uint8Array(Math.min(length, p.size));
    let got = 0;
    while (got < out.length) {
      const c = p.chunks[0]!;
      const n = Math.min(c.length, out.length - got);
      out.set(c.subarray(0, n), got);
      got += n;
      if (n === c.length) p.chunks.shift();
      else p.chunks[0] = c.subarray(n);
    }
    p.size -= got;
    p.writable.wake();
    return out;
  }

  override pwrite(bytes: Uint8Array): WriteResult {
    const p = this.pipe;
    if (p.readers === 0) return -EPIPE;
    const room = PIPE_BUF_SIZE - p.size;
    if (room === 0) return this.flags & O_NONBLOCK ? -EAGAIN : { wouldBlock: p.writable };
    const n = Math.min(room, bytes.length);
    p.chunks.push(bytes.slice(0, n));
    p.size += n;
    p.readable.wake();
    return n;
  }

  override get canPoll(): boolean {
    return true;
  }

  /** pipe_poll: readable while it holds data, HUP once every writer closed; writable while not full, ERR once every reader closed. */
  override poll(): PollState {
    const p = this.pipe;
    let mask = 0;
    if (this.readable) {
      if (p.size > 0) mask |= POLLIN | POLLRDNORM;
      if (p.writers === 0) mask |= POLLHUP;
    }
    if (this.writable) {
      if (p.size < PIPE_BUF_SIZE) mask |= POLLOUT | POLLWRNORM;
      if (p.readers === 0) mask |= POLLERR;
    }
    return { mask, queues: [p.readable, p.writable] };
  }

  override stat(): FileStat {
    return { dev: 0xdn, ino: BigInt(this.pipe.ino), mode: S_IFIFO | 0o600, nlink: 1, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, rdev: 0n, size: 0, blksize: 4096, blocks: 0, atime: [0, 0], mtime: [0, 0], ctime: [0, 0] };
  }
}

class ReadEnd extends PipeEnd {
  override release(): void {
    this.pipe.readers--;
    this.pipe.writable.wake();
  }
}

class WriteEnd extends PipeEnd {
  override release(): void {
    this.pipe.writers--;
    this.pipe.readable.wake();
  }
}

/** A new pipe: [read end, write end] (each counted open once it is installed in a table). */
export function createPipe(nonblock: boolean): [StreamFile, StreamFile] {
  const p = new PipeBuffer();
  p.readers = 1;
  p.writers = 1;
  const extra = nonblock ? O_NONBLOCK : 0;
  return [new ReadEnd(p, O_RDONLY | extra), new WriteEnd(p, O_WRONLY | extra)];
}
