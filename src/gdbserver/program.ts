// A program exec'ed for `picemu gdbserver --exec`: the kernel task gdb debugs, stepped and continued through the
// kernel's scheduler (its system calls, signals and exit are the kernel's), with gdb's breakpoints checked
// between instructions, and stopped, as ptrace stops it, when a signal is about to be delivered.
import { deliverSignals, passSignal, type Kernel, type SigInfo, type Task } from '../index.ts';
import { gdbSignal } from './signals.ts';

/** How a program's run ended for gdb: still stopped (a step, a breakpoint, a limit), or gone. */
export type ProgramStop =
  | { kind: 'stopped'; breakpoint: boolean }
  /** A signal is about to be delivered (Linux's number); the next resume passes it on or drops it. */
  | { kind: 'signal'; signal: number }
  | { kind: 'budget' }
  | { kind: 'exited'; code: number }
  | { kind: 'signaled'; signal: number };

export class ProgramProcess {
  /** A program has no library call in progress (the session asks every process). */
  readonly activeCall = undefined;

  /** gdb's numbers of the signals delivered without stopping (QPassSignals). */
  passSignals = new Set<number>();
  /** The signal whose delivery stopped the program, until it is resumed. */
  private held: { task: Task; info: SigInfo } | undefined;

  constructor(
    readonly kernel: Kernel,
    readonly task: Task,
  ) {
    kernel.debugger = {
      ...kernel.debugger,
      signal: (t, info) => {
        if (this.passSignals.has(gdbSignal(info.signo))) return false;
        this.held = { task: t, info };
        return true;
      },
    };
  }

  /**
   * Before resuming: the held signal is delivered as `signal` (Linux's number; gdb may change it), or dropped
   * when there is none, as PTRACE_CONT's data says. Returns whether one was delivered.
   */
  private release(signal: number | undefined): boolean {
    const held = this.held;
    this.held = undefined;
    if (!signal) return false;
    passSignal(held?.task ?? this.task, held?.info ?? { signo: signal, code: 0, pid: 0, uid: 0 }, signal);
    return true;
  }

  private stopped(breakpoint: boolean): ProgramStop {
    const end = this.ended();
    if (end) return end;
    if (this.held) return { kind: 'signal', signal: this.held.info.signo };
    return { kind: 'stopped', breakpoint };
  }

  get pid(): number {
    return this.task.pid;
  }

  get cpu(): Task['cpu'] {
    return this.task.cpu;
  }

  get space(): Task['space'] {
    return this.task.space;
  }

  /** The program's path (qXfer:exec-file). */
  get exe(): string {
    return this.task.mm.exe;
  }

  /** The auxiliary vector as exec laid it out, as /proc/PID/auxv gives it (8-byte type, 8-byte value). */
  auxv(): Buffer {
    const out = Buffer.alloc(16 * this.task.mm.auxv.length);
    this.task.mm.auxv.forEach(([type, value], k) => {
      out.writeBigUInt64LE(type, 16 * k);
      out.writeBigUInt64LE(value, 16 * k + 8);
    });
    return out;
  }

  private ended(): ProgramStop | undefined {
    const exit = this.task.group.exit;
    if (!exit) return undefined;
    return exit.kind === 'exited' ? { kind: 'exited', code: exit.code } : { kind: 'signaled', signal: exit.signal };
  }

  private readonly stopNow = (): boolean => this.task.group.exit !== undefined || this.held !== undefined;

  /**
   * One instruction (a system call instruction includes the call; a fault, its signal's stop). Resumed with a
   * signal that has a handler, the step ends at the handler's first instruction, as the kernel's does.
   */
  step(signal?: number): ProgramStop {
    const before = this.ended();
    if (before) return before;
    if (this.release(signal)) {
      const rip = this.task.cpu.rip;
      deliverSignals(this.task);
      if (this.task.cpu.rip !== rip || this.stopNow()) return this.stopped(false);
    }
    this.kernel.run({ budget: 1, slice: 1, until: this.stopNow });
    return this.stopped(false);
  }

  /**
   * Runs until the program exits, reaches one of `breakpoints` (before the instruction there runs; not the one it
   * starts at), or `budget` instructions pass. With breakpoints the scheduler runs one instruction a slice.
   */
  continue(breakpoints: ReadonlySet<number>, budget: number, signal?: number): ProgramStop {
    const before = this.ended();
    if (before) return before;
    const start = this.kernel.executed;
    this.release(signal);
    if (breakpoints.size > 0) {
      const first = this.step();
      if (first.kind !== 'stopped') return first;
    }
    const hit = (): boolean => breakpoints.has(this.task.cpu.rip);
    this.kernel.run({
      budget: budget - (this.kernel.executed - start),
      slice: breakpoints.size > 0 ? 1 : undefined,
      until: () => this.stopNow() || hit(),
    });
    if (this.ended() || this.held) return this.stopped(false);
    return hit() ? { kind: 'stopped', breakpoint: true } : { kind: 'budget' };
  }

  /** vKill: the program dies as by SIGKILL. */
  kill(): void {
    if (!this.task.group.exit) this.kernel.exitGroup(this.task.group, { kind: 'signaled', signal: 9, coreDumped: false });
  }
}
