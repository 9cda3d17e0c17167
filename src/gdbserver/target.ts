// What the gdb server debugs: a Machine's processes as inferiors (pid N, one thread N each), with gdb's
// breakpoints and watchpoints per process, and resuming (step, continue) until something gdb must hear about.
// Breakpoints are kept here, not written into guest memory, so memory reads show the real bytes.
import { CallFault, resultText, type CallError, type CallStop, type Machine, type Process } from '../index.ts';

export type WatchKind = 'watch' | 'rwatch' | 'awatch';

interface Watchpoint {
  kind: WatchKind;
  address: number;
  length: number;
}

/** Why a resumed process stopped, as a stop reply says it. */
export interface Stop {
  pid: number;
  /** The signal gdb reports (5 SIGTRAP for breakpoints, steps and calls that end; the fault's signal). */
  signal: number;
  reason?: { kind: 'swbreak' | 'hwbreak' } | { kind: WatchKind; address: number };
  /** Shown by gdb before the stop (sent as console output). */
  message?: string;
}

export const SIGINT = 2, SIGTRAP = 5, SIGSYS = 31;

/** Per-process debugging state of one gdb session. */
export class Inferior {
  readonly software = new Set<number>();
  readonly hardware = new Set<number>();
  readonly watchpoints: Watchpoint[] = [];
  lastStop: Stop;

  constructor(readonly process: Process) {
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

export class DebugTarget {
  private readonly inferiors = new Map<number, Inferior>();

  constructor(readonly machine: Machine) {}

  /** Every process of the machine, as an inferior (created on first sight: processes may be spawned later). */
  list(): Inferior[] {
    return this.machine.processes.map((p) => this.inferior(p.pid)!);
  }

  inferior(pid: number): Inferior | undefined {
    let inf = this.inferiors.get(pid);
    if (!inf) {
      const p = this.machine.process(pid);
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

  /** Executes one instruction of `pid`'s call. */
  step(pid: number): Stop {
    const inf = this.inferior(pid)!;
    const p = inf.process;
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
  async continue(pids: readonly number[], interrupted: () => boolean): Promise<Stop> {
    const infs = pids.map((pid) => this.inferior(pid)!).filter(Boolean);
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

  private record(inf: Inferior, stop: Stop): Stop {
    inf.lastStop = stop;
    return stop;
  }

  private slice(inf: Inferior): Stop | undefined {
    const p = inf.process;
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

function idle(p: Process): Stop {
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
