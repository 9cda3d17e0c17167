// The kernel: tasks and thread groups by id, the file view (Vfs), and the scheduler that runs tasks on their CPUs
// in slices (round-robin, one host thread), hands each `syscall` instruction to the system-call table, puts tasks
// to sleep and wakes them, and turns faults into signals.
import { Cpu, type CpuProfile, SSE4_2_PROFILE, type GuestFault, type RunOutcome } from '../cpu/index.ts';
import { AddressSpace } from '../mm/address-space.ts';
import { processLayout, randomBytesFrom, splitmix64 } from '../mm/layout.ts';
import type { PageCache } from '../mm/page-cache.ts';
import type { PhysicalMemory } from '../mm/physical.ts';
import { ENOSYS } from './errno.ts';
import { readHostVdso, refreshVdsoTime, type VdsoImage } from './exec/vdso.ts';
import { abortRseq } from './syscalls/thread-setup.ts';
import { ADDR_NO_RANDOMIZE } from './personality.ts';
import { FdTable } from './files/fd-table.ts';
import { leaveQueues, sleepOn, WaitQueue } from './wait-queue.ts';
import { bufferConsole } from './files/console.ts';
import { Vfs, type VfsOptions } from './files/vfs.ts';
import { defaultRlimits } from './rlimits.ts';
import type { FaultSignal } from './fatal-signals.ts';
import { onGroupExit, onThreadExit } from './lifecycle.ts';
import { exitRobustList } from './robust-list.ts';
import { mountProcfs } from './procfs/mount.ts';
import { deliverSignals, forceSigFault } from './signals/delivery.ts';
import { isStopped } from './signals/job-control.ts';
import { SignalHandlers } from './signal-state.ts';
import { syscallDef, type SyscallArgs, type SyscallResult } from './syscall-table.ts';
import { hostCredentials } from './credentials.ts';
import { FsContext, MmContext, Task, ThreadGroup } from './task.ts';
import type { SyscallTracer } from './strace.ts';
import type { KernelDebugger } from './debug-hooks.ts';
import './syscalls/index.ts';

export interface KernelOptions {
  physical: PhysicalMemory;
  pageCache: PageCache;
  /** Seeds address-space randomization, AT_RANDOM and getrandom; undefined: randomization off (setarch -R). */
  seed?: bigint;
  /** CPU profile of every task (cpuid, AT_HWCAP). */
  profile?: CpuProfile;
  /** The file view: writable host directories (--rw); everything else is read-only with an in-memory overlay. */
  files?: VfsOptions;
  /** Receives every system call (strace). */
  tracer?: SyscallTracer;
  /** Notes for a person (an -ENOSYS system call, once per process). */
  note?: (text: string) => void;
  /** Makes each task's CPU (exec, fork, clone): picemu's Cpu by default, or another engine (the Machine's). */
  cpuFactory?: CpuFactory;
}

/** What executes a task's instructions: made for an address space and a CPU profile; `release` when replaced. */
export interface CpuFactory {
  create(space: AddressSpace, profile: CpuProfile): Cpu;
  /** The CPU will never run again (exec replaced it): free what it holds outside the JS heap. */
  release?(cpu: Cpu): void;
}

const PICEMU_CPUS: CpuFactory = { create: (space, profile) => new Cpu(space, { profile }) };

/** Why Kernel.run returned. */
export type KernelStop =
  | { kind: 'exited' }
  | { kind: 'budget' | 'timeout' }
  /** Every live task sleeps with nothing that could wake it. */
  | { kind: 'deadlock' };

export interface RunLimits {
  /** Instructions over all tasks. */
  budget?: number;
  deadlineMs?: number;
  /** Instructions a task runs before the next runnable one gets the CPU. */
  slice?: number;
  /** Stop as soon as this is true (checked between slices and system calls). */
  until?: () => boolean;
  /**
   * Executes one instruction of a task in place of its CPU's run loop (a traced run): the kernel calls it for each
   * instruction of a slice; it returns what cpu.step() would.
   */
  stepper?: (task: Task) => RunOutcome;
}

const DEFAULT_SLICE = 100_000;

export class Kernel {
  readonly tasks = new Map<number, Task>();
  readonly groups = new Map<number, ThreadGroup>();
  readonly vfs: Vfs;
  readonly profile: CpuProfile;
  readonly physical: PhysicalMemory;
  readonly pageCache: PageCache;
  readonly seed: bigint | undefined;
  tracer: SyscallTracer | undefined;
  /** A debugger's hooks (gdbserver): signal stops, fork/clone/exec events. */
  debugger: KernelDebugger | undefined;
  note: (text: string) => void;
  readonly cpuFactory: CpuFactory;
  private nextId = 1;
  private readonly random: () => bigint;
  private vdso: VdsoImage | undefined | null = null;
  /** Round-robin position among tasks. */
  private cursor = 0;
  /** Instructions executed by all tasks. */
  executed = 0;

  constructor(options: KernelOptions) {
    this.physical = options.physical;
    this.pageCache = options.pageCache;
    this.seed = options.seed;
    this.profile = options.profile ?? SSE4_2_PROFILE;
    this.vfs = new Vfs(options.files ?? {});
    this.vfs.pageCache = options.pageCache;
    this.vfs.kernel = this;
    mountProcfs(this);
    this.tracer = options.tracer;
    this.note = options.note ?? (() => {});
    this.cpuFactory = options.cpuFactory ?? PICEMU_CPUS;
    this.random = splitmix64((options.seed ?? 0x9e3779b9n) ^ 0x6b65726e656cn);
  }

  /** Random bytes (AT_RANDOM, getrandom): from the seed when there is one. */
  randomBytes(n: number): Uint8Array {
    return randomBytesFrom(this.random, n);
  }

  /** A fresh CPU (registers zero) for a task of address space `space` (the machine's engine), with the kernel's CPU profile. */
  newCpu(space: AddressSpace): Cpu {
    return this.cpuFactory.create(space, this.profile);
  }

  /** The next pid/tid. */
  allocateId(): number {
    return this.nextId++;
  }

  /**
   * A new process with an empty address space, no open files (the caller installs stdin/out/err), cwd `cwd`, the
   * host user's credentials; its parent is `parent` (none for the first). Ready for exec().
   */
  createProcess(options: { cwd: string; parent?: ThreadGroup }): Task {
    const id = this.allocateId();
    const group = new ThreadGroup(id, new SignalHandlers(), options.parent?.rlimits ?? defaultRlimits());
    group.parent = options.parent;
    options.parent?.children.push(group);
    const mm = this.newMm(group.personality);
    const task = new Task(this, id, group, this.newCpu(mm.space), mm, new FdTable(), new FsContext(options.cwd), hostCredentials());
    this.groups.set(id, group);
    this.tasks.set(id, task);
    return task;
  }

  /**
   * A process whose address space and CPU were made elsewhere (picemu's own loader: Process), so its system calls
   * go through this kernel: stdin empty, stdout and stderr collected in buffers, cwd the host's.
   */
  adoptProcess(options: { pid: number; space: AddressSpace; cpu: Cpu; brk: number }): Task {
    const group = new ThreadGroup(options.pid, new SignalHandlers(), defaultRlimits());
    const mm = new MmContext(options.space, 0);
    mm.brk = { start: options.brk, current: options.brk };
    const task = new Task(this, options.pid, group, options.cpu, mm, new FdTable(), new FsContext(process.cwd()), hostCredentials());
    task.scheduled = false;
    const [stdin, stdout, stderr] = bufferConsole();
    task.files.install(stdin, false);
    task.files.install(stdout, false);
    task.files.install(stderr, false);
    this.groups.set(options.pid, group);
    this.tasks.set(options.pid, task);
    return task;
  }

  /**
   * Performs the system call a task's CPU stopped at, outside the scheduler (a library call on a Process): a sleep
   * waits here; a wait nothing else could end is reported as 'blocked'.
   */
  syscallNow(task: Task): { kind: 'continue' } | { kind: 'exited'; code: number } | { kind: 'signaled'; signal: number } | { kind: 'blocked' } {
    this.syscall(task);
    while (task.state === 'blocked') {
      const until = task.blockedIn?.untilMs;
      if (until === undefined) return { kind: 'blocked' };
      sleepMs(until - Date.now());
      task.wake();
      const { resume, nr } = task.blockedIn!;
      task.blockedIn = undefined;
      this.complete(task, nr, resume());
    }
    const exit = task.group.exit;
    if (!exit) return { kind: 'continue' };
    return exit.kind === 'exited' ? { kind: 'exited', code: exit.code } : { kind: 'signaled', signal: exit.signal };
  }

  /** A fresh address space laid out as the kernel lays out a new mm (randomized unless ADDR_NO_RANDOMIZE or no seed; `random`: this mm's own randomness). */
  newMm(personality: number, random?: () => bigint): MmContext {
    const randomize = (this.seed !== undefined || random !== undefined) && (personality & ADDR_NO_RANDOMIZE) === 0;
    const layout = processLayout(randomize ? (random ?? this.random)() : undefined);
    return new MmContext(new AddressSpace({ physical: this.physical, pageCache: this.pageCache, mmapBase: layout.mmapBase }), layout.stackTop);
  }

  /** The vDSO every process maps (the host's image, read once); undefined where the host shows none. */
  vdsoImage(): VdsoImage | undefined {
    if (this.vdso === null) this.vdso = readHostVdso();
    return this.vdso;
  }

  /** Drops a process that never ran (an exec that failed before the point of no return) from the tables. */
  forget(group: ThreadGroup): void {
    for (const t of group.threads) this.tasks.delete(t.tid);
    this.groups.delete(group.tgid);
    if (group.parent) group.parent.children.splice(group.parent.children.indexOf(group), 1);
  }

  /** Whether a task other than `task` still uses the address space `mm` (threads, vfork). */
  sharesMm(task: Task, mm: MmContext): boolean {
    for (const t of this.tasks.values()) if (t !== task && t.state !== 'dead' && t.mm === mm) return true;
    return false;
  }

  /** Live tasks in id order. */
  liveTasks(): Task[] {
    return [...this.tasks.values()].filter((t) => t.state !== 'dead' && t.scheduled);
  }

  /**
   * Runs tasks until none is live, `until()` holds, or a limit. A blocked task is resumed when woken; when all
   * live tasks sleep, the kernel waits for the earliest deadline among them (nanosleep, futex timeouts).
   */
  run(limits: RunLimits = {}): KernelStop {
    const budgetEnd = limits.budget !== undefined ? this.executed + limits.budget : Infinity;
    const deadline = limits.deadlineMs !== undefined ? Date.now() + limits.deadlineMs : Infinity;
    const slice = limits.slice ?? DEFAULT_SLICE;
    for (;;) {
      if (limits.until?.()) return { kind: 'exited' };
      const live = this.liveTasks();
      if (live.length === 0) return { kind: 'exited' };
      if (this.executed >= budgetEnd) return { kind: 'budget' };
      if (Date.now() > deadline) return { kind: 'timeout' };
      const task = this.pickRunnable(live, deadline);
      if (!task) return { kind: 'deadlock' };
      if (task.blockedIn) {
        const { resume, nr } = task.blockedIn;
        task.blockedIn = undefined;
        this.complete(task, nr, resume());
        continue;
      }
      // Back to user mode: pending signals run their handlers (or end or stop the process) first.
      if (!deliverSignals(task) || isStopped(task.group)) continue;
      if (this.vdso) refreshVdsoTime(this.vdso);
      const n = Math.min(slice, budgetEnd - this.executed);
      const out = limits.stepper ? stepSlice(task, n, deadline, limits.stepper) : task.cpu.run({ maxInstructions: n, deadlineMs: deadline === Infinity ? undefined : Math.max(0, deadline - Date.now()) });
      this.executed += out.executed;
      switch (out.kind) {
        case 'syscall':
          this.syscall(task);
          break;
        case 'fault':
          this.fault(task, out.fault);
          break;
        case 'halt':
          // hlt in user mode: #GP, SIGSEGV SI_KERNEL at the hlt.
          task.cpu.rip = out.address;
          this.fault(task, { signal: 11, code: 0x80, address: 0, rip: out.address, instruction: 'hlt', kind: 'privileged' });
          break;
        case 'budget':
          // The slice is over: a task preempted inside an rseq critical section resumes at its abort handler.
          if (live.length > 1) abortRseq(task);
          break;
        default:
          break; // timeout, until: the loop decides
      }
    }
  }

  /** The next task to run after the cursor: a runnable one, else (waiting for it) the one with the earliest deadline. */
  private pickRunnable(live: Task[], runDeadline: number): Task | undefined {
    const now = Date.now();
    for (const t of live) if (t.state === 'blocked' && t.blockedIn?.untilMs !== undefined && t.blockedIn.untilMs <= now) t.wake();
    for (let k = 0; k < live.length; k++) {
      const t = live[(this.cursor + k) % live.length]!;
      if (t.state === 'runnable' && !isStopped(t.group)) {
        this.cursor = (this.cursor + k + 1) % live.length;
        return t;
      }
    }
    const timed = live.filter((t) => t.blockedIn?.untilMs !== undefined && !isStopped(t.group)).sort((a, b) => a.blockedIn!.untilMs! - b.blockedIn!.untilMs!)[0];
    if (!timed) return undefined;
    sleepMs(Math.min(timed.blockedIn!.untilMs!, runDeadline) - now);
    if (timed.blockedIn!.untilMs! <= Date.now()) timed.wake();
    return timed.state === 'runnable' ? timed : this.pickRunnable(live, runDeadline);
  }

  /** A `syscall` instruction: rax is the number, rdi rsi rdx r10 r8 r9 the arguments; rip is after it. */
  syscall(task: Task): void {
    const r = task.cpu.r64;
    const nr = Number(r[0]!);
    const args: SyscallArgs = [r[7]!, r[6]!, r[2]!, r[10]!, r[8]!, r[9]!];
    const def = syscallDef(nr);
    this.tracer?.enter(task, nr, args);
    if (!def) {
      if (!task.group.notedNosys.has(nr)) {
        task.group.notedNosys.add(nr);
        this.note(`process ${task.pid}: system call ${nr} is not implemented (ENOSYS)`);
      }
      this.complete(task, nr, -ENOSYS);
      return;
    }
    this.complete(task, nr, def.handler(task, args));
  }

  /** Applies a handler's result: rax, sleep, exit, or nothing (the handler set the registers). */
  private complete(task: Task, nr: number, result: SyscallResult): void {
    if (typeof result === 'number' || typeof result === 'bigint') {
      const rax = BigInt.asUintN(64, BigInt(result));
      task.cpu.r64[0] = rax;
      this.tracer?.exit(task, nr, rax);
      return;
    }
    switch (result.kind) {
      case 'block':
        task.state = 'blocked';
        task.blockedIn = { resume: result.resume, untilMs: result.untilMs, nr };
        if (result.queue) sleepOn(task, result.queue instanceof WaitQueue ? [result.queue] : result.queue);
        return;
      case 'exit':
        this.tracer?.exit(task, nr, undefined);
        if (result.group) this.exitGroup(task.group, { kind: 'exited', code: result.status & 0xff });
        else this.exitThread(task, { kind: 'exited', code: result.status & 0xff });
        return;
      case 'registers-set':
        this.tracer?.exit(task, nr, task.cpu.r64[0]!);
        return;
    }
  }

  /** A fault the guest raised: the signal it means (delivered to a handler, or the default action). */
  fault(task: Task, fault: GuestFault | FaultSignal): void {
    forceSigFault(task, fault);
  }

  /** One thread ends (exit): the group ends with it when it was the last. */
  exitThread(task: Task, reason: NonNullable<ThreadGroup['exit']>): void {
    exitRobustList(task);
    task.state = 'dead';
    task.blockedIn = undefined;
    leaveQueues(task);
    this.retireCpu(task);
    onThreadExit(task);
    const group = task.group;
    if (group.threads.every((t) => t.state === 'dead')) this.finishGroup(group, reason);
  }

  /** The whole thread group ends (exit_group, a fatal signal). */
  exitGroup(group: ThreadGroup, reason: NonNullable<ThreadGroup['exit']>): void {
    // Each thread's robust locks are released while its memory is still there (locks in shared memory outlive it).
    for (const t of group.threads) if (t.state !== 'dead') exitRobustList(t);
    for (const t of group.threads) {
      t.state = 'dead';
      t.blockedIn = undefined;
      leaveQueues(t);
      this.retireCpu(t);
    }
    this.finishGroup(group, reason);
  }

  /** A dead exec'ed task's CPU never runs again: its engine frees what it holds (its registers stay readable). */
  private retireCpu(task: Task): void {
    if (task.scheduled) this.cpuFactory.release?.(task.cpu);
  }

  private finishGroup(group: ThreadGroup, reason: NonNullable<ThreadGroup['exit']>): void {
    if (group.exit) return;
    group.exit = reason;
    group.leader.files.closeAll();
    // A Process's memory stays readable after it exits (its owner inspects it); an exec'ed one is released,
    // unless a vfork parent still uses it.
    if (group.leader.scheduled && !this.sharesMm(group.leader, group.leader.mm)) group.leader.space.destroy();
    onGroupExit(group);
  }
}

/** Up to `n` instructions of a task, one stepper call each, ending as cpu.run ends (a system call, a fault, a limit). */
function stepSlice(task: Task, n: number, deadline: number, stepper: (task: Task) => RunOutcome): RunOutcome {
  let executed = 0;
  for (let k = 1; executed < n; k++) {
    const out = stepper(task);
    executed += out.executed;
    if ((out.kind !== 'budget' && out.kind !== 'until') || out.executed === 0) return { ...out, executed };
    if ((k & 1023) === 0 && Date.now() > deadline) return { kind: 'timeout', executed };
  }
  return { kind: 'budget', executed };
}

/** Blocks the host thread (the kernel is synchronous: all tasks sleep). */
function sleepMs(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
