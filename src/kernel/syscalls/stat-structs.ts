// struct stat (newfstatat, fstat, stat, lstat) and struct statx as x86-64 lays them out.
import type { FileStat } from '../files/file.ts';
import { StructWriter } from './helpers.ts';

export function statBytes(st: FileStat): Uint8Array {
  return new StructWriter(144)
    .u64(0, st.dev).u64(8, st.ino).u64(16, st.nlink).u32(24, st.mode).u32(28, st.uid).u32(32, st.gid).u64(40, st.rdev)
    .u64(48, st.size).u64(56, st.blksize).u64(64, st.blocks)
    .u64(72, st.atime[0]).u64(80, st.atime[1]).u64(88, st.mtime[0]).u64(96, st.mtime[1]).u64(104, st.ctime[0]).u64(112, st.ctime[1]).bytes;
}

/** STATX_BASIC_STATS: type, mode, nlink, uid, gid, atime, mtime, ctime, ino, size, blocks. */
const STATX_BASIC_STATS = 0x7ff;

export function statxBytes(st: FileStat): Uint8Array {
  const major = (d: bigint) => Number(((d >> 8n) & 0xfffn) | ((d >> 32n) & ~0xfffn));
  const minor = (d: bigint) => Number((d & 0xffn) | ((d >> 12n) & ~0xffn));
  const w = new StructWriter(256)
    .u32(0, STATX_BASIC_STATS).u32(4, st.blksize).u32(16, st.nlink).u32(20, st.uid).u32(24, st.gid).u16(28, st.mode)
    .u64(32, st.ino).u64(40, st.size).u64(48, st.blocks);
  const time = (at: number, t: [number, number]) => w.u64(at, t[0]).u32(at + 8, t[1]);
  time(64, st.atime);
  time(96, st.ctime);
  time(112, st.mtime);
  w.u32(128, major(st.rdev)).u32(132, minor(st.rdev)).u32(136, major(st.dev)).u32(140, minor(st.dev));
  return w.bytes;
}
