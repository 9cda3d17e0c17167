// The /proc and /sys trees an emulated process sees, served from picemu's own state: path → node (a file
// read at an offset, a symbolic link, or a directory), or the errno the kernel's lookup would give.
import { readFileSync } from 'node:fs';
import type { CpuProfile } from '../../cpu/features.ts';
import { renderCpuinfo } from './cpuinfo.ts';
import { renderMeminfo, type MemoryFigures } from './meminfo.ts';
import { readPagemap } from './pagemap.ts';
import { cpuMask, renderStat, renderStatm, renderStatus } from './status.ts';
import type { ProcTask } from './task-view.ts';

export type ProcNode =
  | { kind: 'file'; read(offset: number, length: number): Uint8Array }
  | { kind: 'link'; target: string }
  | { kind: 'dir'; entries(): string[] };

/** What procfs asks of the machine. */
export interface ProcfsHost {
  /** The task reading (/proc/self, /proc/thread-self). */
  current(): ProcTask;
  /** Any task by thread id, or undefined. */
  task(tid: number): ProcTask | undefined;
  /** Thread-group leaders' pids, ascending (the numeric entries of /proc). */
  pids(): number[];
  /** The threads of a thread group, ascending. */
  threadsOf(tgid: number): number[];
  profile: CpuProfile;
  cpuCount: number;
  memory(): MemoryFigures;
}

const ENOENT = 2;
const enc = new TextEncoder();

function textFile(render: () => string): ProcNode {
  return bytesFile(() => enc.encode(render()));
}

/** A file whose whole content is generated at each read (as a seq_file regenerates it), then sliced. */
function bytesFile(render: () => Uint8Array): ProcNode {
  return {
    kind: 'file',
    read(offset, length) {
      const all = render();
      return all.subarray(Math.min(offset, all.length), Math.min(offset + length, all.length));
    },
  };
}

/**
 * The vsyscall page: the kernel's gate VMA, not part of the mm's VMA list, which show_map appends after the last
 * VMA of every x86-64 process (vsyscall=xonly: execute-only, never resident).
 */
const VSYSCALL_MAPS = 'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0'.padEnd(73, ' ') + '[vsyscall]\n';
const VSYSCALL_SMAPS =
  VSYSCALL_MAPS +
  ['Size:                  4 kB', 'KernelPageSize:        4 kB', 'MMUPageSize:           4 kB']
    .concat(['Rss', 'Pss', 'Pss_Dirty', 'Shared_Clean', 'Shared_Dirty', 'Private_Clean', 'Private_Dirty', 'Referenced', 'Anonymous', 'KSM', 'LazyFree',
      'AnonHugePages', 'ShmemPmdMapped', 'FilePmdMapped', 'Shared_Hugetlb', 'Private_Hugetlb', 'Swap', 'SwapPss', 'Locked'].map((f) => `${(f + ':').padEnd(16, ' ')}${'0'.padStart(8, ' ')} kB`))
    .concat(['THPeligible:           0', 'VmFlags: ex '])
    .join('\n') + '\n';

const dir = (list: () => string[]): ProcNode => ({ kind: 'dir', entries: list });

/** The host's /proc/self/mountinfo or mounts (empty when the host shows none). */
function hostMountTable(name: 'mountinfo' | 'mounts'): Uint8Array {
  return hostProcFile(`/proc/self/${name}`);
}

/** A host /proc file that describes the host kernel itself (its file system types): empty when the host shows none. */
function hostProcFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch {
    return new Uint8Array(0);
  }
}

/** NGROUPS_MAX, the kernel's limit on supplementary groups (/proc/sys/kernel/ngroups_max, read by getgrouplist users). */
const NGROUPS_MAX = 65536;

/** The bytes of [start, end) of a task's memory as /proc/PID/cmdline and environ read them (no faults, no COW). */
function guestRange(t: ProcTask, start: number, end: number): Uint8Array {
  if (!t.space || end <= start) return new Uint8Array(0);
  return t.space.peek(start, end - start) ?? new Uint8Array(0);
}

/** A task's own entries (/proc/PID/..., /proc/PID/task/TID/...). */
function taskNode(host: ProcfsHost, t: ProcTask, rest: string[]): ProcNode | number {
  const [name, ...more] = rest;
  if (name === undefined) {
    return dir(() => ['auxv', 'cmdline', 'comm', 'cwd', 'environ', 'exe', 'fd', 'maps', 'mountinfo', 'mounts', 'pagemap', 'smaps', 'smaps_rollup', 'stat', 'statm', 'status', 'task']);
  }
  if (more.length && name !== 'fd' && name !== 'task') return -ENOENT;
  switch (name) {
    case 'maps': return textFile(() => (t.space ? t.space.maps() + VSYSCALL_MAPS : ''));
    // The guest sees the host's files, so the host's mount table (picemu's own mount namespace) is its own.
    case 'mountinfo': return bytesFile(() => hostMountTable('mountinfo'));
    case 'mounts': return bytesFile(() => hostMountTable('mounts'));
    case 'smaps': return textFile(() => (t.space ? t.space.smapsText() + VSYSCALL_SMAPS : ''));
    case 'smaps_rollup': return textFile(() => t.space?.smapsRollupText() ?? '');
    case 'status': return textFile(() => renderStatus(t, host));
    case 'stat': return textFile(() => renderStat(t));
    case 'statm': return textFile(() => renderStatm(t));
    case 'comm': return textFile(() => `${t.comm}\n`);
    case 'cmdline': return bytesFile(() => guestRange(t, t.layout.argStart, t.layout.argEnd));
    case 'environ': return bytesFile(() => guestRange(t, t.layout.envStart, t.layout.envEnd));
    case 'auxv': return bytesFile(() => t.auxv);
    case 'pagemap':
      return { kind: 'file', read: (offset, length) => (t.space ? readPagemap(t.space, offset, length, host.current().creds.euid === 0) : new Uint8Array(0)) };
    case 'exe': return t.exe === null ? -ENOENT : { kind: 'link', target: t.exe };
    case 'cwd': return { kind: 'link', target: t.cwd };
    case 'fd': {
      if (!more.length) return dir(() => [...t.fds.keys()].sort((a, b) => a - b).map(String));
      if (more.length > 1 || !/^\d+$/.test(more[0]!)) return -ENOENT;
      const target = t.fds.get(Number(more[0]));
      return target === undefined ? -ENOENT : { kind: 'link', target };
    }
    case 'task': {
      if (!more.length) return dir(() => host.threadsOf(t.tgid).map(String));
      const tid = /^\d+$/.test(more[0]!) ? Number(more[0]) : NaN;
      const thread = host.task(tid);
      if (!thread || thread.tgid !== t.tgid) return -ENOENT;
      return taskNode(host, thread, more.slice(1));
    }
    default:
      return -ENOENT;
  }
}

const SYS_CPU_LISTS = new Set(['online', 'possible', 'present']);

/**
 * Looks up `path` (absolute, already normalized: no `.`/`..`, no repeated slashes) in /proc or /sys.
 * Returns the node, or -errno. Symbolic links (/proc/self, exe, fd/N) are returned, not followed.
 */
export function lookupProc(host: ProcfsHost, path: string): ProcNode | number {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts[0] === 'sys') {
    if (parts.length === 5 && parts[1] === 'devices' && parts[2] === 'system' && parts[3] === 'cpu' && SYS_CPU_LISTS.has(parts[4]!)) {
      return textFile(() => `${cpuMask(host.cpuCount).list}\n`);
    }
    // The directories above them exist (statfs, stat and chdir of /sys work), listing only what picemu serves.
    const above = ['devices', 'system', 'cpu'];
    if (parts.length <= 4 && parts.slice(1).every((p, k) => p === above[k])) {
      return parts.length === 4 ? dir(() => [...SYS_CPU_LISTS].sort()) : dir(() => [above[parts.length - 1]!]);
    }
    return -ENOENT;
  }
  if (parts[0] !== 'proc') return -ENOENT;
  const [, first, ...rest] = parts;
  if (first === undefined) return dir(() => [...host.pids().map(String), 'cpuinfo', 'filesystems', 'meminfo', 'mounts', 'self', 'sys', 'thread-self']);
  if (first === 'sys') {
    // Only kernel/ngroups_max is served (libc's initgroups and id read it); the directories above it exist.
    if (!rest.length) return dir(() => ['kernel']);
    if (rest[0] !== 'kernel') return -ENOENT;
    if (rest.length === 1) return dir(() => ['ngroups_max']);
    return rest.length === 2 && rest[1] === 'ngroups_max' ? textFile(() => `${NGROUPS_MAX}\n`) : -ENOENT;
  }
  if (first === 'mounts' && !rest.length) return { kind: 'link', target: 'self/mounts' };
  if (first === 'self' || first === 'thread-self') {
    const me = host.current();
    const target = first === 'self' ? `${me.tgid}` : `${me.tgid}/task/${me.tid}`;
    if (!rest.length) return { kind: 'link', target };
    return first === 'self' ? taskNode(host, host.task(me.tgid) ?? me, rest) : taskNode(host, me, rest);
  }
  if (!rest.length) {
    if (first === 'cpuinfo') return textFile(() => renderCpuinfo(host.profile, { cpuCount: host.cpuCount }));
    if (first === 'meminfo') return textFile(() => renderMeminfo(host.memory()));
    if (first === 'filesystems') return bytesFile(() => hostProcFile('/proc/filesystems'));
  }
  if (/^\d+$/.test(first)) {
    const t = host.task(Number(first));
    // /proc/TID works for any thread, though only leaders are listed.
    if (!t) return -ENOENT;
    return taskNode(host, t, rest);
  }
  return -ENOENT;
}
