// The guest's stdin, stdout and stderr: picemu's own descriptors on the CLI (read and written synchronously, so
// a guest writing 1 GiB streams it), or buffers in the API (input given up front, output collected).
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { EAGAIN, EIO } from '../errno.ts';
import { O_RDONLY, O_WRONLY, S_IFIFO, StreamFile, type FileStat, type ReadResult, type WriteResult } from './file.ts';
import { errnoOf } from './host-errors.ts';
import { ALWAYS_READY, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM, type PollState } from './poll.ts';
import { statOf } from './host-file.ts';

const TCGETS = 0x5401, TIOCGWINSZ = 0x5413, TIOCGPGRP = 0x540f;

/** How often a waiter looks again at a host descriptor no wait queue can announce (poll on a terminal or pipe). */
const HOST_RECHECK_MS = 10;
/** The most input a poll reads ahead and keeps (a pipe holds 64 KiB; a writer may keep writing meanwhile). */
const MAX_PUSHBACK = 1 << 20;

/** A picemu descriptor (0, 1, 2) passed to the guest. */
export class HostStreamFile extends StreamFile {
  /** Bytes a poll found waiting (read without blocking), handed to the next read first. */
  private pushback: Uint8Array | undefined;
  /** A poll saw end of file: the next read returns 0. */
  private sawEof = false;
  /** A second, non-blocking open file description of the same pipe or terminal (/proc/self/fd/N), for poll; -1 when none can be had. */
  private probeFd: number | undefined;

  constructor(
    path: string,
    flags: number,
    private readonly hostFd: number,
  ) {
    super(path, flags);
  }

  /** The host descriptor's file type bits (S_IFMT), and whether it is a terminal. */
  private hostKind(): { type: number; tty: boolean } {
    try {
      return { type: Number(fstatSync(this.hostFd, { bigint: true }).mode) & 0o170000, tty: isatty(this.hostFd) };
    } catch {
      return { type: 0, tty: false }; // picemu's own descriptor is closed: nothing to poll (reads and writes fail)
    }
  }

  /** Terminals, pipes and sockets have a poll method; regular files and other devices (/dev/null) have none. */
  override get canPoll(): boolean {
    const { type, tty } = this.hostKind();
    return tty || type === S_IFIFO || type === 0o140000;
  }

  /**
   * As the kernel's tty and pipe poll report: output always has room (picemu's writes are synchronous); input is
   * looked for with a non-blocking read on a second description, and what it finds is kept for the next read.
   */
  override poll(): PollState {
    const { type, tty } = this.hostKind();
    if (!tty && type !== S_IFIFO && type !== 0o140000) return ALWAYS_READY;
    let mask = this.writable || tty ? POLLOUT | POLLWRNORM : 0;
    if (!this.readable) return { mask, queues: [] };
    const input = this.peekInput();
    if (input === 'data' || input === 'data+eof' || input === 'unknown') mask |= POLLIN | POLLRDNORM;
    // End of input: a pipe whose writers all closed is HUP; a terminal's end-of-file (^D) is a readable 0.
    if (input === 'eof' || input === 'data+eof') mask |= tty ? POLLIN | POLLRDNORM : POLLHUP;
    return input === 'none' ? { mask, queues: [], recheckMs: HOST_RECHECK_MS } : { mask, queues: [] };
  }

  /**
   * Whether input is waiting, without blocking: everything the pipe or terminal holds is read (into `pushback`)
   * until it would block or reaches end of file, so data and a closed writer are both seen ('data+eof').
   * 'unknown': no second description could be opened, so the input is taken as ready.
   */
  private peekInput(): 'data' | 'eof' | 'data+eof' | 'none' | 'unknown' {
    if (this.probeFd === undefined) {
      try {
        this.probeFd = openSync(`/proc/self/fd/${this.hostFd}`, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
      } catch {
        this.probeFd = -1;
      }
    }
    if (this.probeFd >= 0 && !this.sawEof) {
      const buf = Buffer.alloc(65536);
      for (let total = this.pushback?.length ?? 0; total < MAX_PUSHBACK; ) {
        let n: number;
        try {
          n = readSync(this.probeFd, buf, 0, buf.length, null);
        } catch (e) {
          if (errnoOf(e) !== EAGAIN && !this.pushback) return 'unknown';
          break;
        }
        if (n === 0) {
          this.sawEof = true;
          break;
        }
        this.pushback = this.pushback ? Buffer.concat([this.pushback, buf.subarray(0, n)]) : Buffer.from(buf.subarray(0, n));
        total += n;
      }
    } else if (this.probeFd < 0 && !this.pushback && !this.sawEof) return 'unknown';
    if (this.pushback) return this.sawEof ? 'data+eof' : 'data';
    return this.sawEof ? 'eof' : 'none';
  }

  override release(): void {
    if (this.probeFd !== undefined && this.probeFd >= 0) closeSync(this.probeFd);
    this.probeFd = undefined;
  }

  override pread(length: number): ReadResult {
    if (this.pushback) {
      const out = this.pushback.subarray(0, length);
      this.pushback = length < this.pushback.length ? this.pushback.subarray(length) : undefined;
      return out;
    }
    if (this.sawEof) {
      this.sawEof = false;
      return new Uint8Array(0);
    }
    const buf = Buffer.alloc(Math.min(length, 1 << 20));
    for (;;) {
      try {
        return buf.subarray(0, readSync(this.hostFd, buf, 0, buf.length, null));
      } catch (e) {
        if (errnoOf(e) === EAGAIN) continue; // a non-blocking host descriptor: the guest's read blocks
        if ((e as { code?: string }).code === 'EOF') return new Uint8Array(0);
        return -(errnoOf(e) ?? EIO);
      }
    }
  }

  override pwrite(bytes: Uint8Array): WriteResult {
    let done = 0;
    while (done < bytes.length) {
      try {
        done += writeSync(this.hostFd, bytes, done, bytes.length - done);
      } catch (e) {
        if (errnoOf(e) === EAGAIN) continue;
        return done > 0 ? done : -(errnoOf(e) ?? EIO);
      }
    }
    return done;
  }

  override stat(): FileStat {
    return statOf(fstatSync(this.hostFd, { bigint: true }));
  }

  override ioctl(request: number, _arg: bigint, copyOut: (bytes: Uint8Array) => boolean): number {
    if (!isatty(this.hostFd)) return -25; // ENOTTY, as for any non-terminal
    if (request === TIOCGWINSZ) {
      const out = new Uint8Array(8);
      const view = new DataView(out.buffer);
      const stream = this.hostFd === 1 ? process.stdout : process.stderr;
      view.setUint16(0, stream.rows ?? 24, true);
      view.setUint16(2, stream.columns ?? 80, true);
      return copyOut(out) ? 0 : -14;
    }
    if (request === TCGETS) return copyOut(defaultTermios()) ? 0 : -14;
    if (request === TIOCGPGRP) return -25;
    return -22;
  }
}

/** Standard input from a buffer, output into a list of chunks (the API's console). */
export class BufferStreamFile extends StreamFile {
  readonly chunks: Uint8Array[] = [];
  private offset = 0;

  constructor(
    path: string,
    flags: number,
    private readonly input: Uint8Array = new Uint8Array(0),
  ) {
    super(path, flags);
  }

  override pread(length: number): ReadResult {
    const out = this.input.slice(this.offset, this.offset + length);
    this.offset += out.length;
    return out;
  }

  override pwrite(bytes: Uint8Array): WriteResult {
    this.chunks.push(bytes.slice());
    return bytes.length;
  }

  override get canPoll(): boolean {
    return true;
  }

  /** As a pipe whose writer wrote the input and closed: HUP, and readable while input is left. */
  override poll(): PollState {
    if (this.writable) return { mask: POLLOUT | POLLWRNORM, queues: [] };
    return { mask: (this.offset < this.input.length ? POLLIN | POLLRDNORM : 0) | POLLHUP, queues: [] };
  }

  override stat(): FileStat {
    return { dev: 0xcn, ino: 1n, mode: S_IFIFO | 0o600, nlink: 1, uid: 0, gid: 0, rdev: 0n, size: 0, blksize: 4096, blocks: 0, atime: [0, 0], mtime: [0, 0], ctime: [0, 0] };
  }

  /** Everything written so far. */
  get bytes(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

/** termios of a terminal in its usual cooked mode (struct termios: 4 flags, line, 19 control chars). */
function defaultTermios(): Uint8Array {
  const t = new Uint8Array(60);
  const v = new DataView(t.buffer);
  v.setUint32(0, 0x500, true); // c_iflag: ICRNL | IXON
  v.setUint32(4, 0x5, true); // c_oflag: OPOST | ONLCR
  v.setUint32(8, 0xbf, true); // c_cflag: B38400 | CS8 | CREAD
  v.setUint32(12, 0x8a3b, true); // c_lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
  t.set([3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0], 17);
  return t;
}

/** stdin/stdout/stderr over picemu's own descriptors. */
export function hostConsole(): [HostStreamFile, HostStreamFile, HostStreamFile] {
  return [new HostStreamFile('pipe:[0]', O_RDONLY, 0), new HostStreamFile('pipe:[1]', O_WRONLY, 1), new HostStreamFile('pipe:[2]', O_WRONLY, 2)];
}

/** stdin (empty unless given), stdout and stderr as buffers. */
export function bufferConsole(input?: Uint8Array): [BufferStreamFile, BufferStreamFile, BufferStreamFile] {
  return [new BufferStreamFile('pipe:[0]', O_RDONLY, input), new BufferStreamFile('pipe:[1]', O_WRONLY), new BufferStreamFile('pipe:[2]', O_WRONLY)];
}
