// A program exec'ed for `picemu gdbserver --exec` and the processes it forks: each a ProgramProcess (gdb's inferior,
// its threads gdb's threads), all run through one kernel's scheduler (system calls, signals, exits are the
// kernel's) by one ProgramControl, which stops the run, as ptrace's stops stop gdbserver's, at a breakpoint, a
// signal about to be delivered, a fork, vfork, vfork-done or exec, and the end of a process gdb debugs.
import { deliverSignals, passSignal, type CloneKind, type Kernel, type SigInfo, type Task } from '../index.ts';
import { gdbSignal } from './signals.ts';

/** Where a thread stopped and why, or how a process ended; `budget`: nothing happened within the slice. */
export type ProgramStop =
  /** `handler`: a step that delivered a signal ended at its handler's first instruction (nothing executed). */
  | { kind: 'stopped'; pid: number; tid: number; breakpoint: boolean; handler?: boolean }
  /** A signal is about to be delivered (Linux's number); the next resume passes it on or drops it. */
  | { kind: 'signal'; pid: number; tid: number; signal: number }
  | { kind: 'fork' | 'vfork'; pid: number; tid: number; child: number }
  | { kind: 'vforkdone'; pid: number; tid: number }
  | { kind: 'exec'; pid: number; tid: number; path: string }
  /** Nothing to report yet; `idle`: every task that may run is asleep with nothing to wake it (gdb waits). */
  | { kind: 'budget'; idle?: boolean }
  | { kind: 'exited'; pid: number; code: number }
  | { kind: 'signaled'; pid: number; signal: number };

const controls = new WeakMap<Kernel, ProgramControl>();

/** One of the program's processes (a thread group), with the thread whose registers gdb reads (Hg). */
export class ProgramProcess {
  /** A program has no library call in progress (the session asks every process). */
  readonly activeCall = undefined;
  readonly control: ProgramControl;
  private selected: Task;

  constructor(
    readonly kernel: Kernel,
    task: Task,
  ) {
    this.selected = task;
    this.control = ProgramControl.of(kernel);
    this.control.processes.set(task.pid, this);
  }

  get pid(): number {
    return this.selected.pid;
  }

  /** The selected thread, or (once it is gone) the first live one. */
  get task(): Task {
    if (this.selected.state === 'dead') this.selected = this.threads()[0] ?? this.selected;
    return this.selected;
  }

  get cpu(): Task['cpu'] {
    return this.task.cpu;
  }

  get space(): Task['space'] {
    return this.task.space;
  }

  /** The live threads, leader first. */
  threads(): Task[] {
    return this.selected.group.threads.filter((t) => t.state !== 'dead');
  }

  /** Makes thread `tid` the one registers are read from; false when the process has no such live thread. */
  selectThread(tid: number): boolean {
    const t = this.threads().find((x) => x.tid === tid);
    if (t) this.selected = t;
    return t !== undefined;
  }

  /** The program's path (qXfer:exec-file). */
  get exe(): string {
    return this.task.mm.exe;
  }

  /** The auxiliary vector as exec laid it out, as /proc/PID/auxv gives it (8-byte type, 8-byte value). */
  auxv(): Buffer {
    const auxv = this.task.mm.auxv;
    const out = Buffer.alloc(16 * auxv.length);
    auxv.forEach(([type, value], k) => {
      out.writeBigUInt64LE(type, 16 * k);
      out.writeBigUInt64LE(value, 16 * k + 8);
    });
    return out;
  }

  /** gdb's numbers of the signals delivered without stopping (QPassSignals), for every process of the program. */
  get passSignals(): Set<number> {
    return this.control.passSignals;
  }

  set passSignals(signals: Set<number>) {
    this.control.passSignals = signals;
  }

  /** One instruction of the selected thread (see ProgramControl.step). */
  step(signal?: number): ProgramStop {
    return this.control.step(this.task, signal);
  }

  /** Runs this process alone (see ProgramControl.continue). */
  continue(breakpoints: ReadonlySet<number>, budget: number, signal?: number, deadlineMs?: number): ProgramStop {
    return this.control.continue(new Map([[this.pid, breakpoints]]), budget, signal, deadlineMs);
  }

  /** vKill: the process dies as by SIGKILL. */
  kill(): void {
    const group = this.task.group;
    if (!group.exit) this.kernel.exitGroup(group, { kind: 'signaled', signal: 9, coreDumped: false });
  }
}

/** The kernel's debugger (one per kernel): events of the processes gdb debugs stop the run. */
export class ProgramControl {
  /** Every process of the program, by pid (forked ones join as the kernel makes them). */
  readonly processes = new Map<number, ProgramProcess>();
  /** Whether gdb debugs process `pid` (the session says; a detached process runs on, unwatched). */
  debugged: (pid: number) => boolean = () => true;

  /** Whether `pid` is one of the program's processes and debugged (a library Process's task never is). */
  private watched(pid: number): boolean {
    return this.processes.has(pid) && this.debugged(pid);
  }
  passSignals = new Set<number>();
  /** The signal whose delivery stopped the run, until the thread is resumed. */
  private held: { task: Task; info: SigInfo } | undefined;
  /** A fork, vfork, vfork-done or exec that stopped the run, until it is reported. */
  private event: ProgramStop | undefined;
  /** Ends of debugged processes already reported. */
  private readonly reported = new Set<number>();
  /** Tasks kept from the scheduler while gdb holds their process stopped. */
  private readonly onHold = new Set<Task>();

  static of(kernel: Kernel): ProgramControl {
    let c = controls.get(kernel);
    if (!c) controls.set(kernel, (c = new ProgramControl(kernel)));
    return c;
  }

  private constructor(readonly kernel: Kernel) {
    kernel.debugger = {
      ...kernel.debugger,
      signal: (task, info) => this.onSignal(task, info),
      cloned: (parent, child, kind) => this.onClone(parent, child, kind),
      vforkDone: (parent) => this.note(parent, { kind: 'vforkdone', pid: parent.pid, tid: parent.tid }),
      exec: (task) => this.note(task, { kind: 'exec', pid: task.pid, tid: task.tid, path: task.mm.exe }),
    };
  }

  private onSignal(task: Task, info: SigInfo): boolean {
    if (!this.watched(task.pid) || this.passSignals.has(gdbSignal(info.signo))) return false;
    if (this.held || this.event) {
      // Another stop is already waiting to be reported: this one waits in the queue for the next resume.
      task.signals.pending.unshift(info);
      return true;
    }
    this.held = { task, info };
    return true;
  }

  private onClone(parent: Task, child: Task, kind: CloneKind): void {
    if (kind === 'thread' || !this.processes.has(parent.pid)) return; // a thread: gdb finds it in qfThreadInfo
    this.processes.set(child.pid, new ProgramProcess(this.kernel, child));
    this.note(parent, { kind, pid: parent.pid, tid: parent.tid, child: child.pid });
  }

  private note(task: Task, event: ProgramStop): void {
    if (this.watched(task.pid) && !this.event) this.event = event;
  }

  /** The end of a debugged process not yet reported. */
  private ending(): Extract<ProgramStop, { kind: 'exited' | 'signaled' }> | undefined {
    for (const [pid, p] of this.processes) {
      const exit = p.task.group.exit;
      if (!exit || this.reported.has(pid) || !this.debugged(pid)) continue;
      return exit.kind === 'exited' ? { kind: 'exited', pid, code: exit.code } : { kind: 'signaled', pid, signal: exit.signal };
    }
    return undefined;
  }

  private readonly pending = (): boolean => this.event !== undefined || this.held !== undefined || this.ending() !== undefined;

  /** Takes the stop to report, if any (a reported end is not reported again). */
  private take(): ProgramStop | undefined {
    const event = this.event;
    if (event) {
      this.event = undefined;
      return event;
    }
    if (this.held) return { kind: 'signal', pid: this.held.task.pid, tid: this.held.task.tid, signal: this.held.info.signo };
    const end = this.ending();
    if (end) this.reported.add(end.pid);
    return end;
  }

  /** Lets exactly the tasks `runs` accepts be scheduled (the others wait, as stopped threads do). */
  private schedule(runs: (t: Task) => boolean): void {
    for (const t of this.onHold) {
      if (!runs(t)) continue;
      t.scheduled = true;
      this.onHold.delete(t);
    }
    for (const t of this.kernel.tasks.values()) {
      if (t.state === 'dead' || !t.scheduled || runs(t)) continue;
      t.scheduled = false;
      this.onHold.add(t);
    }
  }

  /**
   * Before resuming: the held signal is delivered as `signal` (Linux's number; gdb may change it), or dropped
   * when there is none, as PTRACE_CONT's data says. Returns the thread it was delivered to.
   */
  private release(signal: number | undefined, fallback: Task): Task | undefined {
    const held = this.held;
    this.held = undefined;
    if (!signal) return undefined;
    const task = held?.task ?? fallback;
    passSignal(task, held?.info ?? { signo: signal, code: 0, pid: 0, uid: 0 }, signal);
    return task;
  }

  /**
   * One instruction of `task`, every other thread held (a system call instruction includes the call; a fault, its
   * signal's stop). Resumed with a signal that has a handler, the step ends at the handler's first instruction,
   * as the kernel's does.
   */
  step(task: Task, signal?: number): ProgramStop {
    const passedTo = this.release(signal, task);
    const before = this.take();
    if (before) return before;
    const stopped = (): ProgramStop => this.take() ?? { kind: 'stopped', pid: task.pid, tid: task.tid, breakpoint: false };
    if (passedTo === task) {
      const rip = task.cpu.rip;
      deliverSignals(task);
      if (this.pending()) return stopped();
      if (task.cpu.rip !== rip) return { kind: 'stopped', pid: task.pid, tid: task.tid, breakpoint: false, handler: true };
    }
    this.schedule((t) => t === task);
    this.kernel.run({ budget: 1, slice: 1, until: this.pending });
    return stopped();
  }

  /**
   * Runs the processes in `breakpoints` (pid → its breakpoint addresses; processes gdb does not debug run too,
   * the other debugged ones stay stopped) until an event of a debugged process, a thread reaching one of its
   * process's breakpoints (before the instruction there runs; not where it starts), or `budget` instructions.
   * With breakpoints the scheduler runs one instruction a slice. Past `deadlineMs` it returns `budget` too.
   */
  continue(breakpoints: ReadonlyMap<number, ReadonlySet<number>>, budget: number, signal?: number, deadlineMs?: number): ProgramStop {
    this.release(signal, this.processes.get([...breakpoints.keys()][0]!)!.task);
    const before = this.take();
    if (before) return before;
    this.schedule((t) => breakpoints.has(t.pid) || !this.watched(t.pid));
    const watched = [...breakpoints].some(([, set]) => set.size > 0);
    // A thread standing on a breakpoint leaves it before that breakpoint counts again.
    const startedAt = new Map<Task, number>();
    for (const t of this.kernel.tasks.values()) if (breakpoints.get(t.pid)?.has(t.cpu.rip)) startedAt.set(t, t.cpu.rip);
    const found: { hit?: Task } = {};
    const atBreakpoint = (): boolean => {
      for (const t of this.kernel.tasks.values()) {
        if (t.state === 'dead' || !t.scheduled) continue;
        const set = breakpoints.get(t.pid);
        if (!set?.has(t.cpu.rip)) {
          startedAt.delete(t);
          continue;
        }
        if (startedAt.get(t) === t.cpu.rip) continue;
        found.hit = t;
        return true;
      }
      return false;
    };
    const ran = this.kernel.run({ budget, deadlineMs, slice: watched ? 1 : undefined, until: () => this.pending() || (watched && atBreakpoint()) });
    const stop = this.take();
    if (stop) return stop;
    const hit = found.hit;
    if (hit) return { kind: 'stopped', pid: hit.pid, tid: hit.tid, breakpoint: true };
    return { kind: 'budget', idle: ran.kind === 'deadlock' || ran.kind === 'exited' };
  }
}
