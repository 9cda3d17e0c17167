// What libc's start-up asks of the kernel for its thread: the fs/gs base (arch_prctl), the clear-child-tid
// address, the robust futex list, and rseq registration (one CPU: cpu_id 0, and a task switch never lands
// inside a critical section because rseq_cs is checked at every switch — see abortRseq).
import { EBUSY, EFAULT, EINVAL, ENODEV, EPERM } from '../errno.ts';
import { TASK_SIZE } from '../../mm/layout.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { copyFromUser } from '../user-memory.ts';
import { int, putUser, StructWriter, uint, ulong } from './helpers.ts';

const ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;
const ARCH_GET_CPUID = 0x1011, ARCH_SET_CPUID = 0x1012;
/** sizeof(struct robust_list_head). */
const ROBUST_LIST_HEAD_SIZE = 24;
/** The original struct rseq size (32 bytes), and the flag that unregisters. */
const ORIG_RSEQ_SIZE = 32, RSEQ_FLAG_UNREGISTER = 1;

function archPrctl(task: Task, code: number, addr: bigint): SyscallResult {
  const cpu = task.cpu;
  switch (code) {
    case ARCH_SET_FS: case ARCH_SET_GS:
      if (ulong(addr) >= TASK_SIZE) return -EPERM;
      if (code === ARCH_SET_FS) cpu.fsBase = ulong(addr);
      else cpu.gsBase = ulong(addr);
      return 0;
    case ARCH_GET_FS: case ARCH_GET_GS:
      return putUser(task, addr, new StructWriter(8).u64(0, code === ARCH_GET_FS ? cpu.fsBase : cpu.gsBase).bytes);
    case ARCH_GET_CPUID: return 1; // cpuid is not faulting
    case ARCH_SET_CPUID: return -ENODEV;
    default: return -EINVAL;
  }
}

function rseq(task: Task, addr: number, len: number, flags: number, sig: number): SyscallResult {
  if (flags & RSEQ_FLAG_UNREGISTER) {
    if (flags & ~RSEQ_FLAG_UNREGISTER) return -EINVAL;
    if (task.rseq.addr !== addr) return -EINVAL;
    if (len !== task.rseq.len) return -EINVAL;
    if (sig !== task.rseq.sig) return -EPERM;
    task.rseq = { addr: 0, len: 0, sig: 0 };
    return 0;
  }
  if (flags) return -EINVAL;
  if (task.rseq.addr) {
    if (task.rseq.addr !== addr || task.rseq.len !== len) return -EINVAL;
    return task.rseq.sig === sig ? -EBUSY : -EPERM;
  }
  // The area: at least the original 32 bytes, aligned to 32 (or to its size when larger).
  if (len < ORIG_RSEQ_SIZE || addr % (len === ORIG_RSEQ_SIZE ? ORIG_RSEQ_SIZE : 32) !== 0) return -EINVAL;
  // cpu_id_start = cpu_id = 0; node_id = mm_cid = 0 when the area has them.
  const fields = new StructWriter(8).u32(0, 0).u32(4, 0).bytes;
  if (putUser(task, addr, fields) < 0) return -EFAULT;
  task.rseq = { addr, len, sig };
  return 0;
}

/**
 * The kernel's rseq_ip_fixup at a task switch: if the task was preempted inside the critical section its rseq_cs
 * names, it resumes at the abort handler. Called by the scheduler when it switches away from a task.
 */
export function abortRseq(task: Task): void {
  if (!task.rseq.addr) return;
  const csPtr = copyFromUser(task.space, task.rseq.addr + 8, 8);
  if (csPtr.length < 8) return;
  const cs = new DataView(csPtr.buffer, csPtr.byteOffset).getBigUint64(0, true);
  if (cs === 0n) return;
  const desc = copyFromUser(task.space, Number(cs), 32);
  if (desc.length < 32) return;
  const v = new DataView(desc.buffer, desc.byteOffset);
  const start = Number(v.getBigUint64(8, true)), length = Number(v.getBigUint64(16, true)), abort = Number(v.getBigUint64(24, true));
  const rip = task.cpu.rip;
  if (rip >= start && rip < start + length) task.cpu.rip = abort;
  void putUser(task, task.rseq.addr + 8, new Uint8Array(8)); // rseq_cs cleared, as the kernel does
}

defineSyscalls([
  { nr: 158, name: 'arch_prctl', args: ['arch-prctl', 'hex'], handler: (t, a) => archPrctl(t, int(a[0]), a[1]) },
  {
    nr: 218, name: 'set_tid_address', args: ['ptr'],
    handler: (t, a) => {
      t.clearChildTid = ulong(a[0]);
      return t.tid;
    },
  },
  {
    nr: 273, name: 'set_robust_list', args: ['ptr', 'uint'],
    handler: (t, a) => {
      if (ulong(a[1]) !== ROBUST_LIST_HEAD_SIZE) return -EINVAL;
      t.robustList = { head: ulong(a[0]), len: ROBUST_LIST_HEAD_SIZE };
      return 0;
    },
  },
  {
    nr: 274, name: 'get_robust_list', args: ['int', 'ptr', 'ptr'],
    handler: (t, a) => {
      const target = int(a[0]) === 0 ? t : t.kernel.tasks.get(int(a[0]));
      if (!target) return -3; // ESRCH
      if (putUser(t, a[1], new StructWriter(8).u64(0, target.robustList.head).bytes) < 0) return -EFAULT;
      return putUser(t, a[2], new StructWriter(8).u64(0, ROBUST_LIST_HEAD_SIZE).bytes);
    },
  },
  { nr: 334, name: 'rseq', args: ['ptr', 'hex', 'int', 'hex'], handler: (t, a) => rseq(t, ulong(a[0]), uint(a[1]), int(a[2]), uint(a[3])) },
]);
