// /proc and /sys mounted in a kernel's file view: the procfs tree (procfs.ts) over the kernel's tasks, each
// task seen through ProcTask (task-view.ts). The mm facts exec does not record (start_code, end_code,
// start_data, end_data) are derived as load_elf_binary computes them, from the program headers it mapped.
import { totalmem } from 'node:os';
import type { AddressSpace } from '../../mm/address-space.ts';
import { PAGE_SIZE } from '../../mm/types.ts';
import type { Kernel } from '../kernel.ts';
import { exitSignalOf, forkedNoExec, waitStatus } from '../lifecycle.ts';
import { ADDR_NO_RANDOMIZE } from '../personality.ts';
import { SIG_DFL, SIG_IGN, sigbit } from '../signals/constants.ts';
import { isStopped } from '../signals/job-control.ts';
import type { MmContext, Task, ThreadGroup } from '../task.ts';
import type { VirtualFs, VirtualNode } from '../files/virtual.ts';
import { lookupProc, type ProcfsHost } from './procfs.ts';
import { PF_FORKNOEXEC, PF_RANDOMIZE, type ExecLayout, type ProcTask, type TaskStateLetter } from './task-view.ts';

const PT_LOAD = 1, PF_X = 1;

/** start/end_code and start/end_data as load_elf_binary computes them, from the ELF header and program headers in memory. */
function codeAndData(mm: MmContext): Pick<ExecLayout, 'startCode' | 'endCode' | 'startData' | 'endData'> {
  const none = { startCode: 0, endCode: 0, startData: 0, endData: 0 };
  const space = mm.space;
  const head = space.mappings().find((v) => v.file?.identity.path === mm.exe && v.pgoff === 0);
  if (!head) return none;
  const ehdr = space.peek(head.start, 64);
  if (!ehdr) return none;
  const e = new DataView(ehdr.buffer, ehdr.byteOffset, 64);
  const phoff = Number(e.getBigUint64(32, true));
  const phnum = e.getUint16(56, true);
  const ph = space.peek(head.start + phoff, phnum * 56);
  if (!ph) return none;
  const p = new DataView(ph.buffer, ph.byteOffset, ph.length);
  const loads = Array.from({ length: phnum }, (_, k) => k * 56).filter((o) => p.getUint32(o, true) === PT_LOAD);
  if (!loads.length) return none;
  const vaddr = (o: number) => Number(p.getBigUint64(o + 16, true));
  const bias = head.start - (vaddr(loads[0]!) - (vaddr(loads[0]!) % PAGE_SIZE));
  let startCode = Infinity, endCode = 0, startData = 0, endData = 0;
  for (const o of loads) {
    const k = vaddr(o);
    const x = (p.getUint32(o + 4, true) & PF_X) !== 0;
    const end = k + Number(p.getBigUint64(o + 32, true));
    if (x) { startCode = Math.min(startCode, k); endCode = Math.max(endCode, end); }
    startData = Math.max(startData, k);
    endData = Math.max(endData, end);
  }
  return { startCode: bias + (startCode === Infinity ? 0 : startCode), endCode: bias + endCode, startData: bias + startData, endData: bias + endData };
}

function auxvBytes(pairs: readonly (readonly [bigint, bigint])[]): Uint8Array {
  const out = new Uint8Array(pairs.length * 16);
  const v = new DataView(out.buffer);
  pairs.forEach(([k, val], i) => { v.setBigUint64(16 * i, BigInt.asUintN(64, k), true); v.setBigUint64(16 * i + 8, BigInt.asUintN(64, val), true); });
  return out;
}

function rootOf(group: ThreadGroup): ThreadGroup {
  let g = group;
  while (g.parent) g = g.parent;
  return g;
}

function stateOf(task: Task): TaskStateLetter {
  if (task.group.exit) return task.group.reaped ? 'X' : 'Z';
  if (task.state === 'dead') return 'X';
  if (isStopped(task.group)) return 'T';
  return task.state === 'blocked' ? 'S' : 'R';
}

/** What procfs shows of `task`. */
export function procTaskOf(task: Task): ProcTask {
  const group = task.group;
  const kernel = task.kernel;
  const mm = task.mm;
  const live = !group.exit;
  let ignored = 0n, caught = 0n;
  group.sighand.actions.forEach((a, sig) => {
    if (sig === 0) return;
    if (a.handler === SIG_IGN) ignored |= sigbit(sig);
    else if (a.handler !== SIG_DFL) caught |= sigbit(sig);
  });
  let pending = 0n;
  for (const p of task.signals.pending) pending |= sigbit(p.signo);
  const randomized = kernel.seed !== undefined && (group.personality & ADDR_NO_RANDOMIZE) === 0;
  const root = rootOf(group);
  const c = task.cred;
  return {
    tid: task.tid, tgid: group.tgid, ppid: group.parent?.tgid ?? 0, pgrp: root.tgid, session: root.tgid,
    comm: task.comm, noNewPrivs: task.noNewPrivs, state: stateOf(task),
    pfFlags: (randomized ? PF_RANDOMIZE : 0) | (forkedNoExec.has(group) ? PF_FORKNOEXEC : 0),
    umask: task.fs.umask,
    creds: { uid: c.uid, euid: c.euid, suid: c.suid, fsuid: c.euid, gid: c.gid, egid: c.egid, sgid: c.sgid, fsgid: c.egid, groups: c.groups },
    space: live ? mm.space : null,
    layout: {
      ...codeAndData(mm), startBrk: mm.brk.start, brk: mm.brk.current, startStack: mm.startStack,
      argStart: mm.argStart, argEnd: mm.argEnd, envStart: mm.envStart, envEnd: mm.envEnd,
    },
    auxv: auxvBytes(mm.auxv), exe: mm.exe || null, cwd: task.fs.cwd,
    fds: new Map(task.files.list().map(([fd, e]) => [fd, e.file.path])),
    threads: group.threads.filter((t) => t.state !== 'dead').length || 1,
    signals: { pending, sharedPending: 0n, blocked: task.signals.blocked, ignored, caught },
    peakRss: 0, peakVm: 0, minorFaults: 0, majorFaults: 0, startTime: 0,
    exitCode: group.exit ? waitStatus(group.exit) : 0,
    exitSignal: task === group.leader ? exitSignalOf(group) : -1,
  };
}

/** Memory figures of the whole machine: frames mapped by any live process, each counted once. */
function machineMemory(kernel: Kernel): { total: number; anon: number; cached: number; mapped: number; shmem: number; committed: number } {
  const seen = new Set<number>();
  const spaces = new Set<AddressSpace>();
  for (const t of kernel.liveTasks()) spaces.add(t.space);
  let anon = 0, mapped = 0, shmem = 0, committed = 0;
  for (const space of spaces) {
    committed += space.committed();
    for (const vma of space.mappings()) {
      for (const page of space.presentPages(vma.start, vma.end)) {
        if (page.kind === 'zero' || seen.has(page.frame)) continue;
        seen.add(page.frame);
        if (page.kind === 'anon') anon += PAGE_SIZE;
        else if (vma.file?.inode.anonymous) shmem += PAGE_SIZE;
        else mapped += PAGE_SIZE;
      }
    }
  }
  return { total: totalmem(), anon, cached: mapped + shmem, mapped, shmem, committed };
}

/** A VirtualFs over procfs for the kernel's Vfs, mounted at `prefix` (/proc or /sys). */
function procVirtualFs(kernel: Kernel, prefix: string): VirtualFs {
  return {
    lookup(task: Task, path: string): VirtualNode | undefined {
      const host: ProcfsHost = {
        current: () => procTaskOf(task),
        task: (tid) => {
          const t = kernel.tasks.get(tid);
          // A thread other than the leader is released as it exits (release_task): its entry goes with it.
          if (!t || (t.state === 'dead' && t !== t.group.leader)) return undefined;
          return procTaskOf(t);
        },
        pids: () => [...kernel.groups.values()].filter((g) => !g.reaped).map((g) => g.tgid).sort((a, b) => a - b),
        threadsOf: (tgid) => (kernel.groups.get(tgid)?.threads ?? []).filter((t) => t.state !== 'dead').map((t) => t.tid),
        profile: kernel.profile,
        cpuCount: 1, // one CPU, as sched_getaffinity tells the guest
        memory: () => machineMemory(kernel),
      };
      const node = lookupProc(host, `${prefix}/${path}`);
      if (typeof node === 'number') return undefined;
      switch (node.kind) {
        case 'link': return { kind: 'symlink', target: node.target };
        case 'dir': return { kind: 'dir', list: node.entries };
        case 'file': return { kind: 'file', content: () => node.read(0, Number.MAX_SAFE_INTEGER), read: node.read };
      }
    },
  };
}

/** Mounts /proc and /sys in the kernel's file view. */
export function mountProcfs(kernel: Kernel): void {
  kernel.vfs.mount('/proc', procVirtualFs(kernel, '/proc'));
  kernel.vfs.mount('/sys', procVirtualFs(kernel, '/sys'));
}
