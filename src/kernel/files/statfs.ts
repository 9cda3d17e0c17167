// struct statfs as the host's kernel gives it for a host path (statfs/fstatfs): node's statfs for the figures,
// the mount's options in /proc/self/mountinfo for f_flags (calculate_f_flags), and f_fsid/f_namelen, which node does
// not expose, read once per file system with GNU `stat -f`; pipes, sockets and anonymous files get pipefs' answer.
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync, statfsSync, statSync } from 'node:fs';
import { errnoOf } from './host-errors.ts';
import { EIO } from '../errno.ts';

export interface Statfs {
  type: bigint;
  bsize: bigint;
  blocks: bigint;
  bfree: bigint;
  bavail: bigint;
  files: bigint;
  ffree: bigint;
  /** f_fsid.val[0], val[1]. */
  fsid: [number, number];
  namelen: number;
  frsize: number;
  flags: number;
}

// statfs f_flags (include/linux/statfs.h).
const ST_RDONLY = 0x1, ST_NOSUID = 0x2, ST_NODEV = 0x4, ST_NOEXEC = 0x8, ST_SYNCHRONOUS = 0x10, ST_VALID = 0x20;
const ST_MANDLOCK = 0x40, ST_NOATIME = 0x400, ST_NODIRATIME = 0x800, ST_RELATIME = 0x1000, ST_NOSYMFOLLOW = 0x2000;
/** flags_by_mnt: the per-mount options. */
const MOUNT_FLAGS: Record<string, number> = { ro: ST_RDONLY, nosuid: ST_NOSUID, nodev: ST_NODEV, noexec: ST_NOEXEC, noatime: ST_NOATIME, nodiratime: ST_NODIRATIME, relatime: ST_RELATIME, nosymfollow: ST_NOSYMFOLLOW };
/** flags_by_sb: the super block's options. */
const SUPER_FLAGS: Record<string, number> = { ro: ST_RDONLY, sync: ST_SYNCHRONOUS, mand: ST_MANDLOCK };

const PIPEFS_MAGIC = 0x50495045n;
const NAME_MAX = 255;

/** What a pipe, socket or anonymous file's fstatfs gives (simple_statfs of pipefs: the page size, NAME_MAX, all else 0; the caller sets f_fsid). */
export const PIPEFS_STATFS: Statfs = { type: PIPEFS_MAGIC, bsize: 4096n, blocks: 0n, bfree: 0n, bavail: 0n, files: 0n, ffree: 0n, fsid: [0, 0], namelen: NAME_MAX, frsize: 4096, flags: ST_VALID };

/** The fixed figures node does not give (f_fsid, f_namelen, f_frsize) of each file system, by st_dev. */
interface FsIdentity { fsid: [number, number]; namelen: number; frsize: number | undefined }
const identities = new Map<bigint, FsIdentity>();

function fsIdentity(path: string, dev: bigint): FsIdentity {
  let id = identities.get(dev);
  if (!id) {
    id = { fsid: [0, 0], namelen: NAME_MAX, frsize: undefined };
    try {
      // %i: the fsid, val[0] then val[1] as 8 hex digits each (leading zeros dropped); %l: the longest name;
      // %S: the fundamental block size (f_frsize).
      const [fsid, namelen, frsize] = execFileSync('stat', ['-f', '-c', '%i %l %S', '--', path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split(' ');
      const v = BigInt('0x' + fsid);
      id = { fsid: [Number(v >> 32n), Number(v & 0xffffffffn)], namelen: Number(namelen), frsize: Number(frsize) };
    } catch {
      // no GNU stat on the host: fsid 0 (as file systems without one show), NAME_MAX, f_frsize = f_bsize
    }
    identities.set(dev, id);
  }
  return id;
}

/** Unescapes a mountinfo field (spaces, tabs, newlines and backslashes are written as \ooo). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** A line of the host's /proc/self/mountinfo: mount point, its options, the file system type and the super block's options. */
export interface HostMount {
  point: string;
  options: string;
  type: string;
  superOptions: string;
}

/** The host mount holding `canonical` (the longest mount point that is a prefix of it; the last line of equals). */
export function hostMountOf(canonical: string): HostMount | undefined {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return undefined;
  }
  let best: HostMount | undefined;
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-');
    if (f.length < 7 || dash < 6) continue;
    const point = unescape(f[4]!);
    const inside = point === '/' || canonical === point || canonical.startsWith(point + '/');
    // A later line for the same point is a mount on top of the earlier one.
    if (!inside || (best && point.length < best.point.length)) continue;
    best = { point, options: f[5]!, type: f[dash + 1] ?? '', superOptions: f[dash + 3] ?? '' };
  }
  return best;
}

/** f_flags of the mount holding `canonical`. */
function mountFlags(canonical: string): number {
  const m = hostMountOf(canonical);
  if (!m) return ST_VALID;
  let flags = 0;
  for (const o of m.options.split(',')) flags |= MOUNT_FLAGS[o] ?? 0;
  for (const o of m.superOptions.split(',')) flags |= SUPER_FLAGS[o] ?? 0;
  return flags | ST_VALID;
}

/** statfs(2) of a host path (symlinks followed, as statfs does): the struct, or -errno. */
export function hostStatfs(path: string): Statfs | number {
  try {
    const s = statfsSync(path, { bigint: true });
    const canonical = realpathSync(path);
    const id = fsIdentity(canonical, statSync(canonical, { bigint: true }).dev);
    // (statfs_by_dentry makes f_frsize f_bsize when a file system leaves it 0.)
    return { type: s.type, bsize: s.bsize, blocks: s.blocks, bfree: s.bfree, bavail: s.bavail, files: s.files, ffree: s.ffree, fsid: id.fsid, namelen: id.namelen, frsize: id.frsize ?? Number(s.bsize), flags: mountFlags(canonical) };
  } catch (e) {
    return -(errnoOf(e) ?? EIO);
  }
}

/** struct statfs as x86-64 lays it out: 120 bytes, f_spare zero. */
export function statfsBytes(s: Statfs): Uint8Array {
  const out = new Uint8Array(120);
  const v = new DataView(out.buffer);
  [s.type, s.bsize, s.blocks, s.bfree, s.bavail, s.files, s.ffree].forEach((x, k) => v.setBigUint64(8 * k, BigInt.asUintN(64, x), true));
  v.setUint32(56, s.fsid[0] >>> 0, true);
  v.setUint32(60, s.fsid[1] >>> 0, true);
  v.setBigUint64(64, BigInt(s.namelen), true);
  v.setBigUint64(72, BigInt(s.frsize), true);
  v.setBigUint64(80, BigInt(s.flags), true);
  return out;
}
