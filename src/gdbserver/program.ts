// A program exec'ed for `picemu gdbserver --exec`: the kernel task gdb debugs, stepped and continued through the
// kernel's scheduler (its system calls, signals and exit are the kernel's), with gdb's breakpoints checked
// between instructions.
import type { Kernel, Task } from '../index.ts';

/** How a program's run ended for gdb: still stopped (a step, a breakpoint, a limit), or gone. */
export type ProgramStop =
  | { kind: 'stopped'; breakpoint: boolean }
  | { kind: 'budget' }
  | { kind: 'exited'; code: number }
  | { kind: 'signaled'; signal: number };

export class ProgramProcess {
  /** A program has no library call in progress (the session asks every process). */
  readonly activeCall = undefined;

  constructor(
    readonly kernel: Kernel,
    readonly task: Task,
  ) {}

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

  /** One instruction (a system call instruction includes the call; a fault, its signal's delivery). */
  step(): ProgramStop {
    const before = this.ended();
    if (before) return before;
    this.kernel.run({ budget: 1, slice: 1, until: () => this.task.group.exit !== undefined });
    return this.ended() ?? { kind: 'stopped', breakpoint: false };
  }

  /**
   * Runs until the program exits, reaches one of `breakpoints` (before the instruction there runs; not the one it
   * starts at), or `budget` instructions pass. With breakpoints the scheduler runs one instruction a slice.
   */
  continue(breakpoints: ReadonlySet<number>, budget: number): ProgramStop {
    const before = this.ended();
    if (before) return before;
    const start = this.kernel.executed;
    if (breakpoints.size > 0) {
      const first = this.step();
      if (first.kind !== 'stopped') return first;
    }
    const hit = (): boolean => breakpoints.has(this.task.cpu.rip);
    this.kernel.run({
      budget: budget - (this.kernel.executed - start),
      slice: breakpoints.size > 0 ? 1 : undefined,
      until: () => this.task.group.exit !== undefined || hit(),
    });
    const end = this.ended();
    if (end) return end;
    return hit() ? { kind: 'stopped', breakpoint: true } : { kind: 'budget' };
  }

  /** vKill: the program dies as by SIGKILL. */
  kill(): void {
    if (!this.task.group.exit) this.kernel.exitGroup(this.task.group, { kind: 'signaled', signal: 9, coreDumped: false });
  }
}
