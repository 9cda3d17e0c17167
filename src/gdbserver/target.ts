// What the gdb server debugs: a Machine's processes as inferiors (pid N, one thread N each), with gdb's
// breakpoints and watchpoints per process, and resuming (step, continue) until something gdb must hear about.
// Breakpoints are kept here, not written into guest memory, so memory reads show the real bytes.
import { CallFault, resultText, type CallError, type CallStop, type Machine, type Process } from '../index.ts';
import { ProgramProcess, type ProgramStop } from './program.ts';

export type WatchKind = 'watch' | 'rwatch' | 'awatch';

interface Watchpoint {
  kind: WatchKind;
  address: number;
  length: number;
}

/** Why a resumed process stopped, as a stop reply says it. */
export interface Stop {
  pid: number;
  /** The thread (an exec'ed program's task); the process's own id when absent. */
  tid?: number;
  /** The signal gdb reports, Linux's number (5 SIGTRAP for breakpoints, steps and calls that end; the fault's signal). */
  signal: number;
  reason?:
    | { kind: 'swbreak' | 'hwbreak' | 'vforkdone' }
    | { kind: WatchKind; address: number }
    | { kind: 'fork' | 'vfork'; child: number }
    | { kind: 'exec'; path: string };
  /** Shown by gdb before the stop (sent as console output). */
  message?: string;
  /** The process is gone (a W or X stop reply): exited with a code, or killed by `signal`. */
  exit?: { kind: 'exited'; code: number } | { kind: 'signaled'; signal: number };
}

export const SIGINT = 2, SIGTRAP = 5, SIGSYS = 31;

/** Per-process debugging state of one gdb session. */
export class Inferior {
  readonly software = new Set<number>();
  readonly hardware = new Set<number>();
  readonly watchpoints: Watchpoint[] = [];
  lastStop: Stop;

  constructor(readonly process: Process | ProgramProcess) {
    this.lastStop = { pid: process.pid, signal: SIGTRAP };
  }

  get pid(): number {
    return this.process.pid;
  }

  clearPoints(): void {
    this.software.clear();
    this.hardware.clear();
    this.watchpoints.length = 0;
  }

  breakpointAt(rip: number): Stop['reason'] | undefined {
    if (this.software.has(rip)) return { kind: 'swbreak' };
    if (this.hardware.has(rip)) return { kind: 'hwbreak' };
    return undefined;
  }

  addWatch(kind: WatchKind, address: number, length: number): void {
    this.watchpoints.push({ kind, address, length });
  }

  removeWatch(kind: WatchKind, address: number, length: number): boolean {
    const k = this.watchpoints.findIndex((w) => w.kind === kind && w.address === address && w.length === length);
    if (k < 0) return false;
    this.watchpoints.splice(k, 1);
    return true;
  }
}

/** Instructions per slice of a continue; between slices the server reads the client (Ctrl-C, disconnect). */
const SLICE = 100_000;
/** A program's slice also ends after this long (one instruction a slice, with breakpoints, is slow). */
const SLICE_MS = 50;

export class DebugTarget {
  private readonly inferiors = new Map<number, Inferior>();

  /**
   * `program`: the exec'ed program gdb debugs (--exec), and the processes it forks, instead of the machine's
   * library processes.
   */
  constructor(readonly machine: Machine, readonly program?: ProgramProcess) {}

  /** Every process of the machine, as an inferior (created on first sight: processes may be spawned later). */
  list(): Inferior[] {
    if (this.program) return [...this.program.control.processes.keys()].map((pid) => this.inferior(pid)!);
    return this.machine.processes.map((p) => this.inferior(p.pid)!);
  }

  inferior(pid: number): Inferior | undefined {
    let inf = this.inferiors.get(pid);
    if (!inf) {
      const p = this.program ? this.program.control.processes.get(pid) : this.machine.process(pid);
      if (!p) return undefined;
      inf = new Inferior(p);
      this.inferiors.set(pid, inf);
    }
    return inf;
  }

  /** A new client starts with no breakpoints or watchpoints (the processes keep their state). */
  resetSession(): void {
    for (const inf of this.inferiors.values()) inf.clearPoints();
  }

  /** Executes one instruction of `pid`'s call or program (resumed with `signal`, Linux's number, if any). */
  step(pid: number, signal?: number): Stop {
    const inf = this.inferior(pid)!;
    const p = inf.process;
    if (p instanceof ProgramProcess) return this.recordProgram(p.step(signal));
    const call = p.activeCall;
    if (!call) return this.record(inf, idle(p));
    const { event, stop } = p.step();
    call.events.length = 0; // the server keeps no trace
    if (stop) return this.record(inf, ended(p, call.name, stop));
    const hit = watchHit(inf, event.accesses);
    return this.record(inf, { pid, signal: SIGTRAP, ...(hit ? { reason: hit } : {}) });
  }

  /**
   * Continues the processes in `pids`, round-robin by slices, until one stops: at a breakpoint (before the
   * instruction there runs), after an access a watchpoint covers, a fault, the end of its call, or `interrupted()`.
   */
  async continue(pids: readonly number[], interrupted: () => boolean, signal?: number): Promise<Stop> {
    const infs = pids.map((pid) => this.inferior(pid)!).filter(Boolean);
    const program = infs[0]?.process;
    if (program instanceof ProgramProcess) return this.continueProgram(program, infs, interrupted, signal);
    const running = infs.filter((inf) => inf.process.activeCall);
    if (running.length === 0) return this.record(infs[0]!, idle(infs[0]!.process));
    for (;;) {
      for (const inf of running) {
        const stop = this.slice(inf);
        if (stop) return this.record(inf, stop);
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (interrupted()) return this.record(running[0]!, { pid: running[0]!.pid, signal: SIGINT });
    }
  }

  private async continueProgram(p: ProgramProcess, infs: Inferior[], interrupted: () => boolean, signal?: number): Promise<Stop> {
    const breakpoints = new Map(infs.map((inf) => [inf.pid, new Set([...inf.software, ...inf.hardware])]));
    for (let first = true; ; first = false) {
      const stop = p.control.continue(breakpoints, SLICE, first ? signal : undefined, SLICE_MS);
      if (stop.kind !== 'budget') return this.recordProgram(stop);
      // Nothing can run (a parent waits for a child gdb holds stopped): wait for gdb's Ctrl-C without spinning.
      await new Promise((resolve) => (stop.idle ? setTimeout(resolve, 50) : setImmediate(resolve)));
      if (interrupted()) return this.record(infs[0]!, { pid: p.pid, tid: p.task.tid, signal: SIGINT });
    }
  }

  private record(inf: Inferior, stop: Stop): Stop {
    inf.lastStop = stop;
    return stop;
  }

  /** A program's stop as gdb hears it, recorded for its process (the thread it names becomes the selected one). */
  private recordProgram(stop: ProgramStop): Stop {
    if (stop.kind === 'budget') throw new Error('a step has no budget');
    const inf = this.inferior(stop.pid)!;
    if ('tid' in stop) (inf.process as ProgramProcess).selectThread(stop.tid);
    return this.record(inf, programStop(inf, stop));
  }

  private slice(inf: Inferior): Stop | undefined {
    const p = inf.process as Process;
    const call = p.activeCall!;
    const atStart = inf.breakpointAt(p.cpu.rip);
    if (atStart) return { pid: inf.pid, signal: SIGTRAP, reason: atStart };
    if (inf.watchpoints.length > 0) {
      // Watchpoints need each instruction's accesses: step, checking breakpoints before each instruction.
      for (let n = 0; n < SLICE; n++) {
        const bp = n > 0 ? inf.breakpointAt(p.cpu.rip) : undefined;
        if (bp) return { pid: inf.pid, signal: SIGTRAP, reason: bp };
        const { event, stop } = p.step();
        call.events.length = 0;
        if (stop) return ended(p, call.name, stop);
        const hit = watchHit(inf, event.accesses);
        if (hit) return { pid: inf.pid, signal: SIGTRAP, reason: hit };
      }
      return undefined;
    }
    const breakpoints = new Set([...inf.software, ...inf.hardware]);
    const stop = p.run({ breakpoints, budget: SLICE });
    if (stop.kind === 'budget') return undefined;
    if (stop.kind === 'breakpoint') return { pid: inf.pid, signal: SIGTRAP, reason: inf.breakpointAt(stop.rip) };
    return ended(p, call.name, stop);
  }
}

/** A program's stop as gdb hears it: SIGTRAP for a step, breakpoint or event, the signal, W/X once it is gone. */
function programStop(inf: Inferior, stop: Exclude<ProgramStop, { kind: 'budget' }>): Stop {
  switch (stop.kind) {
    case 'stopped': {
      const reason = stop.breakpoint ? inf.breakpointAt(inf.process.cpu.rip) : undefined;
      return { pid: stop.pid, tid: stop.tid, signal: SIGTRAP, ...(reason ? { reason } : {}) };
    }
    case 'signal': return { pid: stop.pid, tid: stop.tid, signal: stop.signal };
    case 'fork': case 'vfork': return { pid: stop.pid, tid: stop.tid, signal: SIGTRAP, reason: { kind: stop.kind, child: stop.child } };
    case 'vforkdone': return { pid: stop.pid, tid: stop.tid, signal: SIGTRAP, reason: { kind: 'vforkdone' } };
    case 'exec': return { pid: stop.pid, tid: stop.tid, signal: SIGTRAP, reason: { kind: 'exec', path: stop.path } };
    case 'exited': return { pid: stop.pid, signal: 0, exit: { kind: 'exited', code: stop.code } };
    case 'signaled': return { pid: stop.pid, signal: stop.signal, exit: { kind: 'signaled', signal: stop.signal } };
  }
}

function idle(p: Process | ProgramProcess): Stop {
  return { pid: p.pid, signal: SIGTRAP, message: `process ${p.pid} has no call in progress (start one with: monitor call SYMBOL [ARG...])\n` };
}

/** A stop that ends the call (returned, faulted) or a limit. */
function ended(p: Process, name: string, stop: CallStop): Stop {
  switch (stop.kind) {
    case 'returned': {
      const value = stop.result.type === 'void' ? 'void' : resultText(stop.result);
      return { pid: p.pid, signal: SIGTRAP, message: `process ${p.pid}: ${name} returned ${value} (rax 0x${p.cpu.reg('rax').toString(16)}); it is back at picemu's return trampoline\n` };
    }
    case 'error': return faultStop(p, stop.error);
    case 'timeout': case 'budget': return { pid: p.pid, signal: SIGINT };
    case 'breakpoint': case 'finished': return { pid: p.pid, signal: SIGTRAP };
  }
}

function faultStop(p: Process, error: CallError): Stop {
  if (error instanceof CallFault) return { pid: p.pid, signal: error.fault.signal, message: `process ${p.pid}: ${error.message}\n` };
  // No signal of its own (an unsupported system call, an unresolved symbol): the call cannot go on.
  return { pid: p.pid, signal: SIGSYS, message: `process ${p.pid}: ${error.message}\n` };
}

function watchHit(inf: Inferior, accesses: readonly { kind: 'read' | 'write'; va: number; size: number }[]): Stop['reason'] | undefined {
  for (const w of inf.watchpoints) {
    for (const a of accesses) {
      const overlaps = a.va < w.address + w.length && w.address < a.va + a.size;
      if (!overlaps) continue;
      if (w.kind === 'awatch' || (w.kind === 'watch') === (a.kind === 'write')) return { kind: w.kind, address: w.address };
    }
  }
  return undefined;
}
