// Clocks and sleeping: clock_gettime/clock_getres/gettimeofday/time from the host's clocks, nanosleep and
// clock_nanosleep as real sleeps (the task blocks until its deadline; other tasks run meanwhile).
import { EFAULT, EINVAL } from '../errno.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { copyFromUser } from '../user-memory.ts';
import { int, putUser, StructWriter } from './helpers.ts';

const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3, CLOCK_MONOTONIC_RAW = 4;
const CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7, CLOCK_TAI = 11;
const TIMER_ABSTIME = 1;
const NS = 1_000_000_000n;

/** Realtime in ns: the wall clock at start plus the monotonic time since (Date.now alone has ms steps). */
const startReal = BigInt(Date.now()) * 1_000_000n;
const startMono = process.hrtime.bigint();

/** The clock's value in ns, or undefined for a clock id the kernel rejects. */
export function clockNs(task: Task, clock: number): bigint | undefined {
  switch (clock) {
    case CLOCK_REALTIME: case CLOCK_REALTIME_COARSE: case CLOCK_TAI:
      return startReal + (process.hrtime.bigint() - startMono) + (clock === CLOCK_TAI ? 37n * NS : 0n);
    case CLOCK_MONOTONIC: case CLOCK_MONOTONIC_RAW: case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME:
      return process.hrtime.bigint();
    case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID: {
      // The guest's CPU time: the host CPU time picemu spent, a fair stand-in for one emulated CPU.
      const u = process.cpuUsage();
      void task;
      return BigInt(u.user + u.system) * 1000n;
    }
    default:
      return undefined;
  }
}

const timespec = (ns: bigint) => new StructWriter(16).u64(0, ns / NS).u64(8, ns % NS).bytes;

function readTimespec(task: Task, va: bigint): bigint | number {
  const raw = copyFromUser(task.space, Number(va), 16);
  if (raw.length < 16) return -EFAULT;
  const v = new DataView(raw.buffer, raw.byteOffset);
  const sec = v.getBigInt64(0, true), nsec = v.getBigInt64(8, true);
  if (sec < 0n || nsec < 0n || nsec >= NS) return -EINVAL;
  return sec * NS + nsec;
}

function sleep(task: Task, clock: number, flags: number, reqVa: bigint, remVa: bigint): SyscallResult {
  const now = clockNs(task, clock);
  if (now === undefined || clock === CLOCK_THREAD_CPUTIME_ID) return -EINVAL;
  const req = readTimespec(task, reqVa);
  if (typeof req === 'number') return req;
  const waitNs = flags & TIMER_ABSTIME ? req - now : req;
  if (waitNs <= 0n) return 0;
  const untilMs = Date.now() + Number(waitNs / 1_000_000n);
  void remVa; // rem is written only when a signal interrupts the sleep
  const check = (): SyscallResult => (Date.now() >= untilMs ? 0 : { kind: 'block', untilMs, resume: check });
  return { kind: 'block', untilMs, resume: check };
}

defineSyscalls([
  {
    nr: 228, name: 'clock_gettime', args: ['clock', 'struct'],
    handler: (t, a) => {
      const ns = clockNs(t, int(a[0]));
      return ns === undefined ? -EINVAL : putUser(t, a[1], timespec(ns));
    },
  },
  {
    nr: 229, name: 'clock_getres', args: ['clock', 'struct'],
    handler: (t, a) => {
      const clock = int(a[0]);
      if (clockNs(t, clock) === undefined) return -EINVAL;
      if (a[1] === 0n) return 0;
      // The coarse clocks tick at CONFIG_HZ (250 on Debian: 4 ms); the others are high resolution (1 ns).
      return putUser(t, a[1], timespec(clock === CLOCK_REALTIME_COARSE || clock === CLOCK_MONOTONIC_COARSE ? 4_000_000n : 1n));
    },
  },
  {
    nr: 96, name: 'gettimeofday', args: ['struct', 'struct'],
    handler: (t, a) => {
      const ns = clockNs(t, CLOCK_REALTIME)!;
      if (a[0] !== 0n && putUser(t, a[0], new StructWriter(16).u64(0, ns / NS).u64(8, (ns % NS) / 1000n).bytes) < 0) return -EFAULT;
      if (a[1] !== 0n && putUser(t, a[1], new Uint8Array(8)) < 0) return -EFAULT;
      return 0;
    },
  },
  {
    nr: 201, name: 'time', args: ['ptr'],
    handler: (t, a) => {
      const sec = clockNs(t, CLOCK_REALTIME)! / NS;
      if (a[0] !== 0n && putUser(t, a[0], new StructWriter(8).u64(0, sec).bytes) < 0) return -EFAULT;
      return sec;
    },
  },
  { nr: 35, name: 'nanosleep', args: ['struct', 'struct'], handler: (t, a) => sleep(t, CLOCK_MONOTONIC, 0, a[0], a[1]) },
  { nr: 230, name: 'clock_nanosleep', args: ['clock', 'hex', 'struct', 'struct'], handler: (t, a) => sleep(t, int(a[0]), int(a[1]), a[2], a[3]) },
]);
