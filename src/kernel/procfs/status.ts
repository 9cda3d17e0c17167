// /proc/PID/status, /proc/PID/stat and /proc/PID/statm, in the field order and spacing of
// fs/proc/array.c (task_state, task_mem, task_sig, task_cap..., do_task_stat, proc_pid_statm).
import { PAGE_SIZE } from '../../mm/types.ts';
import { hostIdentity } from './host-identity.ts';
import { TASK_STATE_NAMES, type ProcTask } from './task-view.ts';
import { rssOf, vmStats, type VmStats } from './vm-stats.ts';

/** What every task on the machine shares: how many CPUs the guest sees. */
export interface ProcSystem {
  cpuCount: number;
}

const kB = (label: string, bytes: number): string => `${label}:\t${String(Math.floor(bytes / 1024)).padStart(8, ' ')} kB\n`;
const mask = (m: bigint): string => BigInt.asUintN(64, m).toString(16).padStart(16, '0');
const pageAlignUp = (v: number): number => Math.ceil(v / PAGE_SIZE) * PAGE_SIZE;

const emptyStats: VmStats = { total: 0, data: 0, exec: 0, stack: 0, rssAnon: 0, rssFile: 0, rssShmem: 0, pageTables: 0 };

/** VmExe as task_mem computes it: the program's text, page-rounded. */
function exeBytes(t: ProcTask): number {
  if (!t.space) return 0;
  return pageAlignUp(t.layout.endCode) - (t.layout.startCode - (t.layout.startCode % PAGE_SIZE));
}

/** The CPU mask as a bitmap printed in 32-bit comma-separated words (%*pb), and as a list (%*pbl). */
export function cpuMask(count: number): { hex: string; list: string } {
  const words: string[] = [];
  for (let w = Math.ceil(count / 32) - 1; w >= 0; w--) {
    const bits = Math.min(32, count - w * 32);
    const v = bits === 32 ? 0xffffffff : (1 << bits) - 1;
    words.push(w === Math.ceil(count / 32) - 1 ? (v >>> 0).toString(16) : (v >>> 0).toString(16).padStart(8, '0'));
  }
  return { hex: words.join(','), list: count === 1 ? '0' : `0-${count - 1}` };
}

export function renderStatus(t: ProcTask, sys: ProcSystem): string {
  const host = hostIdentity().lines;
  const c = t.creds;
  let out =
    `Name:\t${t.comm}\n` +
    `Umask:\t${t.umask.toString(8).padStart(4, '0')}\n` +
    `State:\t${TASK_STATE_NAMES[t.state]}\n` +
    `Tgid:\t${t.tgid}\nNgid:\t0\nPid:\t${t.tid}\nPPid:\t${t.ppid}\nTracerPid:\t0\n` +
    `Uid:\t${c.uid}\t${c.euid}\t${c.suid}\t${c.fsuid}\n` +
    `Gid:\t${c.gid}\t${c.egid}\t${c.sgid}\t${c.fsgid}\n` +
    `FDSize:\t${fdTableSize(t)}\n` +
    `Groups:\t${c.groups.join(' ')} \n` +
    `NStgid:\t${t.tgid}\nNSpid:\t${t.tid}\nNSpgid:\t${t.pgrp}\nNSsid:\t${t.session}\nKthread:\t0\n`;
  if (t.space) {
    const s = vmStats(t.space);
    const rss = rssOf(s);
    const exe = exeBytes(t);
    out +=
      kB('VmPeak', Math.max(t.peakVm, s.total)) + kB('VmSize', s.total) + kB('VmLck', 0) + kB('VmPin', 0) +
      kB('VmHWM', Math.max(t.peakRss, rss)) + kB('VmRSS', rss) +
      kB('RssAnon', s.rssAnon) + kB('RssFile', s.rssFile) + kB('RssShmem', s.rssShmem) +
      kB('VmData', s.data) + kB('VmStk', s.stack) + kB('VmExe', exe) + kB('VmLib', Math.max(0, s.exec - exe)) +
      kB('VmPTE', s.pageTables) + kB('VmSwap', 0) +
      `HugetlbPages:\t${String(0).padStart(8, ' ')} kB\n`;
  }
  out += `CoreDumping:\t0\n`;
  if (t.space) out += `THP_enabled:\t1\nuntag_mask:\t0xffffffffffffffff\n`;
  const cpus = cpuMask(sys.cpuCount);
  const sig = t.signals;
  out +=
    `Threads:\t${t.threads}\n` +
    `SigQ:\t0/${hostIdentity().sigPendingLimit}\n` +
    `SigPnd:\t${mask(sig.pending)}\nShdPnd:\t${mask(sig.sharedPending)}\nSigBlk:\t${mask(sig.blocked)}\n` +
    `SigIgn:\t${mask(sig.ignored)}\nSigCgt:\t${mask(sig.caught)}\n`;
  for (const k of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp', 'Seccomp_filters', 'Speculation_Store_Bypass', 'SpeculationIndirectBranch']) {
    out += `${k}:\t${k === 'NoNewPrivs' ? (t.noNewPrivs ? 1 : 0) : host.get(k)}\n`;
  }
  out +=
    `Cpus_allowed:\t${cpus.hex}\nCpus_allowed_list:\t${cpus.list}\n` +
    `Mems_allowed:\t${host.get('Mems_allowed')}\nMems_allowed_list:\t${host.get('Mems_allowed_list')}\n` +
    `voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n`;
  return out;
}

/** FDSize: the fd table's capacity, which starts at 64 (NR_OPEN_DEFAULT) and doubles... rounded as expand_fdtable does (to a power of two, at least 256 once grown). */
function fdTableSize(t: ProcTask): number {
  let highest = -1;
  for (const fd of t.fds.keys()) highest = Math.max(highest, fd);
  if (highest < 64) return 64;
  let n = 256;
  while (n <= highest) n *= 2;
  return n;
}

/** /proc/PID/stat: 52 fields on one line (do_task_stat). */
export function renderStat(t: ProcTask): string {
  const s = t.space ? vmStats(t.space) : emptyStats;
  const l = t.layout;
  const live = t.space !== null;
  const fields: (number | bigint | string)[] = [
    t.tid, `(${t.comm})`, t.state, t.ppid, t.pgrp, t.session, 0, -1,
    t.pfFlags,
    t.minorFaults, 0, t.majorFaults, 0, 0, 0, 0, 0,
    20, 0, t.threads, 0, t.startTime, s.total, Math.floor(rssOf(s) / PAGE_SIZE), 18446744073709551615n,
    live ? l.startCode : 1, live ? l.endCode : 1, live ? l.startStack : 0, 0, 0,
    BigInt.asUintN(64, t.signals.pending) & 0x7fffffffn, BigInt.asUintN(64, t.signals.blocked) & 0x7fffffffn,
    BigInt.asUintN(64, t.signals.ignored) & 0x7fffffffn, BigInt.asUintN(64, t.signals.caught) & 0x7fffffffn,
    0, 0, 0, t.exitSignal, 0, 0, 0, 0, 0, 0,
    live ? l.startData : 0, live ? l.endData : 0, live ? l.startBrk : 0,
    live ? l.argStart : 0, live ? l.argEnd : 0, live ? l.envStart : 0, live ? l.envEnd : 0,
    t.exitCode,
  ];
  return fields.join(' ') + '\n';
}

/** /proc/PID/statm: size resident shared text lib data dt, in pages. */
export function renderStatm(t: ProcTask): string {
  if (!t.space) return '0 0 0 0 0 0 0\n';
  const s = vmStats(t.space);
  const text = Math.floor(exeBytes(t) / PAGE_SIZE);
  return `${s.total / PAGE_SIZE} ${rssOf(s) / PAGE_SIZE} ${(s.rssFile + s.rssShmem) / PAGE_SIZE} ${text} 0 ${(s.data + s.stack) / PAGE_SIZE} 0\n`;
}
