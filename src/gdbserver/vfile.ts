// vFile (host I/O): gdb reads files "on the target" through it, e.g. the libraries it loads symbols from, and
// /proc/PID/maps for `info proc mappings`. picemu's processes see the host's files read-only; /proc/PID/maps
// and smaps come from picemu's own processes (an exec'ed program's whole /proc/PID from the kernel's procfs). Replies use gdb's File-I/O encoding (`F result[,errno][;data]`).
import { closeSync, fstatSync, openSync, readSync, readlinkSync } from 'node:fs';
import type { Machine } from '../index.ts';
import type { ProgramProcess } from './program.ts';
import { bytesOfHex, escapeBinary } from './packets.ts';

// gdb's File-I/O errno values (not the host's).
const FIO = { EPERM: 1, ENOENT: 2, EBADF: 9, EACCES: 13, EISDIR: 21, EINVAL: 22, EMFILE: 24, EROFS: 30, EUNKNOWN: 9999 } as const;
const O_ACCMODE = 3;
/** An error reply: errno in hex, as every number in the protocol. */
const fail = (errno: number): string => `F-1,${errno.toString(16)}`;
const MAX_OPEN = 64;

type Open = { kind: 'host'; fd: number } | { kind: 'memory'; bytes: Buffer };

function errnoOf(err: unknown): number {
  const code = (err as NodeJS.ErrnoException).code;
  return code !== undefined && code in FIO ? FIO[code as keyof typeof FIO] : code === 'ENOTDIR' ? FIO.ENOENT : FIO.EUNKNOWN;
}

/** struct fio_stat: big-endian, 64 bytes (File-I/O's `struct stat`). */
function fioStat(size: number, mode: number): Buffer {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(mode >>> 0, 8);
  b.writeUInt32BE(1, 12); // nlink
  b.writeBigUInt64BE(BigInt(size), 28);
  b.writeBigUInt64BE(4096n, 36); // blksize
  b.writeBigUInt64BE(BigInt(Math.ceil(size / 512)), 44);
  return b;
}

export class HostIo {
  private readonly files = new Map<number, Open>();
  private nextFd = 3;

  constructor(
    private readonly machine: Machine,
    /** With --exec: /proc/PID of the program's processes is what they see in their own /proc. */
    private readonly program?: ProgramProcess,
  ) {}

  /** A program's process named by a /proc path, and the path as that process sees it. */
  private programTask(path: string) {
    const m = /^\/proc\/(\d+)(\/|$)/.exec(path);
    const p = m ? this.program?.control.processes.get(Number(m[1])) : undefined;
    return p && !p.task.group.exit ? p.task : undefined;
  }

  /** The contents of `path` read through the kernel's file view by `task`, or null when it cannot be read. */
  private readAsGuest(task: NonNullable<ReturnType<HostIo['programTask']>>, path: string): Buffer | null {
    const f = task.kernel.vfs.open(task, path, 0, 0);
    if (typeof f === 'number') return null;
    const parts: Uint8Array[] = [];
    try {
      for (let total = 0; total < 64 << 20; ) {
        const r = f.read(65536);
        if (!(r instanceof Uint8Array)) return null;
        if (r.length === 0) break;
        parts.push(r);
        total += r.length;
      }
    } finally {
      f.release();
    }
    return Buffer.concat(parts);
  }

  /** Closes what a client left open. */
  closeAll(): void {
    for (const f of this.files.values()) if (f.kind === 'host') closeSync(f.fd);
    this.files.clear();
  }

  /** The reply to `vFile:OPERATION:ARGS`, or undefined for an operation not supported (empty reply). */
  handle(packet: string): string | Buffer | undefined {
    const colon = packet.indexOf(':', 6);
    const op = packet.slice(6, colon < 0 ? undefined : colon);
    const args = colon < 0 ? [] : packet.slice(colon + 1).split(',');
    switch (op) {
      case 'setfs': return 'F0'; // one file system for every process
      case 'open': return this.open(args);
      case 'close': return this.close(args);
      case 'pread': return this.pread(args);
      case 'fstat': return this.fstat(args);
      case 'readlink': return this.readlink(args);
      case 'pwrite': case 'unlink': return fail(FIO.EROFS);
      default: return undefined;
    }
  }

  /** A picemu process's /proc file; null for any other /proc/PID path (the host's processes are not the guest's). */
  private procFile(path: string): Buffer | undefined | null {
    if (!/^\/proc\/(\d+|self)(\/|$)/.test(path)) return undefined;
    const task = this.programTask(path);
    if (task) return this.readAsGuest(task, path);
    const m = /^\/proc\/(\d+)\/(maps|smaps)$/.exec(path);
    if (!m) return null;
    const p = this.machine.process(Number(m[1]));
    if (!p) return null;
    return Buffer.from(m[2] === 'maps' ? p.maps() : p.space.smapsText());
  }

  private open(args: string[]): string {
    const name = args[0] === undefined ? undefined : bytesOfHex(args[0]);
    const flags = args[1] === undefined ? NaN : parseInt(args[1], 16);
    if (!name || Number.isNaN(flags)) return fail(FIO.EINVAL);
    if ((flags & O_ACCMODE) !== 0) return fail(FIO.EROFS); // the guest's view of host files is read-only
    if (this.files.size >= MAX_OPEN) return fail(FIO.EMFILE);
    const path = name.toString('utf8');
    const proc = this.procFile(path);
    if (proc === null) return fail(FIO.ENOENT);
    let open: Open;
    if (proc) open = { kind: 'memory', bytes: proc };
    else {
      try {
        const fd = openSync(path, 'r');
        if (fstatSync(fd).isDirectory()) {
          closeSync(fd);
          return fail(FIO.EISDIR);
        }
        open = { kind: 'host', fd };
      } catch (err) {
        return fail(errnoOf(err));
      }
    }
    const fd = this.nextFd++;
    this.files.set(fd, open);
    return `F${fd.toString(16)}`;
  }

  private file(text: string | undefined): Open | undefined {
    return text === undefined ? undefined : this.files.get(parseInt(text, 16));
  }

  private close(args: string[]): string {
    const f = this.file(args[0]);
    if (!f) return fail(FIO.EBADF);
    if (f.kind === 'host') closeSync(f.fd);
    this.files.delete(parseInt(args[0]!, 16));
    return 'F0';
  }

  private pread(args: string[]): string | Buffer {
    const f = this.file(args[0]);
    const count = Math.min(parseInt(args[1] ?? '', 16), 0x3000);
    const offset = parseInt(args[2] ?? '', 16);
    if (!f) return fail(FIO.EBADF);
    if (!(count >= 0) || !(offset >= 0)) return fail(FIO.EINVAL);
    let data: Buffer;
    if (f.kind === 'memory') data = f.bytes.subarray(offset, offset + count);
    else {
      const buf = Buffer.alloc(count);
      try {
        data = buf.subarray(0, readSync(f.fd, buf, 0, count, offset));
      } catch (err) {
        return fail(errnoOf(err));
      }
    }
    return Buffer.concat([Buffer.from(`F${data.length.toString(16)};`), escapeBinary(data)]);
  }

  private fstat(args: string[]): string | Buffer {
    const f = this.file(args[0]);
    if (!f) return fail(FIO.EBADF);
    const st = f.kind === 'memory' ? fioStat(f.bytes.length, 0o100444) : (() => { const s = fstatSync(f.fd); return fioStat(s.size, s.mode); })();
    return Buffer.concat([Buffer.from(`F${st.length.toString(16)};`), escapeBinary(st)]);
  }

  private readlink(args: string[]): string | Buffer {
    const name = args[0] === undefined ? undefined : bytesOfHex(args[0]);
    if (!name) return fail(FIO.EINVAL);
    const task = this.programTask(name.toString('utf8'));
    if (task) {
      const target = task.kernel.vfs.readlink(task, name.toString('utf8'));
      if (typeof target === 'number') return fail(FIO.ENOENT);
      return Buffer.concat([Buffer.from(`F${Buffer.byteLength(target).toString(16)};`), escapeBinary(Buffer.from(target))]);
    }
    if (this.procFile(name.toString('utf8')) !== undefined) return fail(FIO.ENOENT);
    try {
      const target = Buffer.from(readlinkSync(name.toString('utf8')));
      return Buffer.concat([Buffer.from(`F${target.length.toString(16)};`), escapeBinary(target)]);
    } catch (err) {
      return fail(errnoOf(err));
    }
  }
}
