// The REPL's state (current process, breakpoints, trace flag, last changed registers) and one handler per
// command: each parses its words, calls the backend (picemu's public API) and prints through a formatter.
import { parseCallArg } from '../process/call-args.ts';
import { disassembleSync } from '../trace/disassemble.ts';
import type { StepEvent } from '../trace/events.ts';
import { hex, parseInteger } from '../util/numbers.ts';
import type { Pid, ReplBackend, RunOutcome, RunSlice } from './backend.ts';
import { helpText, resolveCommand } from './commands.ts';
import { formatDisassembly } from './format-disas.ts';
import { formatFault, type FaultFacts } from './format-fault.ts';
import { addressText } from './format-location.ts';
import { formatHexDump } from './format-memory.ts';
import { formatPages } from './format-pages.ts';
import { formatBacktrace, formatProcesses } from './format-ps.ts';
import { formatRegisters } from './format-regs.ts';
import { formatSmaps } from './format-smaps.ts';
import { formatStep, formatStepShort } from './format-step.ts';
import type { Palette } from './palette.ts';

/** A user mistake or a request that cannot be met: printed as one line, the session goes on. */
export class ReplError extends Error {
  override name = 'ReplError';
}

interface Breakpoint {
  id: number;
  /** As typed: a symbol (resolved in each process, whose bases differ) or an address. */
  spec: string;
}

const X_DEFAULT_BYTES = 64;
const X_MAX_BYTES = 1 << 16;
const DISAS_DEFAULT = 10;
const MAX_INSN = 15;

type Handler = (args: string[]) => void | 'quit' | Promise<void>;

/** Instructions per slice of a `c`/`finish` (between slices the REPL looks for Ctrl-C), and in all. */
const FAST_SLICE = 2_000_000;
const STEPPED_SLICE = 20_000;
const RUN_LIMIT = 200_000_000;

export class ReplSession {
  current: Pid;
  private readonly breakpoints: Breakpoint[] = [];
  private nextBreakpoint = 1;
  private tracing = false;
  /** Registers the last step or run changed, for `regs`. */
  private changed = new Set<string>();
  private readonly handlers: Record<string, Handler>;
  private interrupted = false;

  constructor(
    private readonly backend: ReplBackend,
    private readonly pal: Palette,
    private readonly print: (text: string) => void,
    /** `c`/`finish` stop after this many instructions (default RUN_LIMIT) or milliseconds (default none): --budget, --timeout. */
    private readonly limits: { budget?: number; deadlineMs?: number } = {},
  ) {
    const pids = backend.pids();
    if (pids.length === 0) throw new Error('the REPL needs at least one process');
    this.current = pids[0]!;
    this.handlers = {
      p: (a) => this.switchProcess(a),
      call: (a) => this.startCall(a),
      si: (a) => this.stepInstructions(a),
      c: (a) => this.continueRun(a),
      finish: (a) => this.finish(a),
      b: (a) => this.addBreakpoint(a),
      d: (a) => this.deleteBreakpoint(a),
      regs: (a) => this.showRegisters(a),
      x: (a) => this.examine(a),
      disas: (a) => this.disassemble(a),
      maps: (a) => { this.noArgs(a, 'maps'); this.print(this.backend.maps(this.current).trimEnd()); },
      smaps: (a) => { this.noArgs(a, 'smaps'); this.print(formatSmaps(this.backend.smaps(this.current), this.pal)); },
      pages: (a) => this.showPages(a),
      load: (a) => this.load(a),
      spawn: (a) => this.spawn(a),
      ps: (a) => { this.noArgs(a, 'ps'); this.print(formatProcesses(this.backend.pids().map((p) => this.backend.describe(p)), this.current, (p, va) => this.backend.locate(p, va), this.pal)); },
      bt: (a) => this.backtrace(a),
      trace: (a) => this.setTrace(a),
      help: (a) => { this.print(helpText(a[0])); },
      q: () => 'quit',
    };
  }

  /** Ctrl-C while a command runs: a `c` or `finish` stops at its next slice. */
  interrupt(): void {
    this.interrupted = true;
  }

  prompt(): string {
    return `(p${this.current}) `;
  }

  /** Runs one line; false when the session should end. Errors print one line and never escape. */
  async handle(line: string): Promise<boolean> {
    const words = line.trim().split(/\s+/).filter((w) => w !== '');
    if (words.length === 0 || words[0]!.startsWith('#')) return true;
    const r = resolveCommand(words[0]!);
    if (!r.ok) {
      this.error(r.message);
      return true;
    }
    const handler = this.handlers[r.command.name];
    if (!handler) throw new Error(`command '${r.command.name}' has no handler`);
    try {
      return (await handler(words.slice(1))) !== 'quit';
    } catch (err) {
      this.error(err instanceof Error ? err.message : String(err));
      return true;
    }
  }

  private error(message: string): void {
    this.print(`${this.pal.error('error')}: ${message.split('\n')[0]}`);
  }

  private noArgs(args: string[], name: string): void {
    if (args.length) throw new ReplError(`${name} takes no arguments`);
  }

  private count(text: string | undefined, fallback: number, what: string, max = 1_000_000): number {
    if (text === undefined) return fallback;
    const v = parseInteger(text);
    if (v === undefined || v < 1n || v > BigInt(max)) throw new ReplError(`bad ${what} '${text}' (want an integer from 1 to ${max})`);
    return Number(v);
  }

  /** An address as typed: a number, a symbol, `$register`, or any of those `+offset`. */
  private address(text: string): number {
    if (text.startsWith('$')) {
      const [name, off] = text.slice(1).split('+') as [string, string | undefined];
      const reg = this.backend.registers(this.current).find((r) => r.name === name);
      const offset = off === undefined ? 0n : parseInteger(off);
      if (!reg || offset === undefined) throw new ReplError(`bad address '${text}' (registers: ${this.backend.registers(this.current).map((r) => '$' + r.name).join(' ')})`);
      return Number(BigInt.asUintN(64, reg.value + offset));
    }
    const n = parseInteger(text);
    if (n !== undefined) {
      if (n < 0n || n >= 1n << 64n) throw new ReplError(`bad address '${text}'`);
      return Number(n);
    }
    const m = /^([^+\s]+)(?:\+(.+))?$/.exec(text);
    const offset = m?.[2] !== undefined ? parseInteger(m[2]) : 0n;
    if (!m || offset === undefined) throw new ReplError(`bad address '${text}'`);
    const va = this.backend.resolve(this.current, m[1]!);
    if (va === undefined) throw new ReplError(`unknown symbol '${m[1]}'`);
    return va + Number(offset);
  }

  private where(va: number): string {
    return addressText(va, this.backend.locate(this.current, va), this.pal);
  }

  private requireCall(): void {
    if (!this.backend.inCall(this.current)) throw new ReplError(`no call in progress in p${this.current} (start one with: call SYMBOL)`);
  }

  /** The instruction at rip, pwndbg's `=>` line. */
  private showNext(): void {
    this.print(this.disassembly(this.backend.rip(this.current), 1));
  }

  private disassembly(va: number, count: number): string {
    const bytes = this.readUpTo(va, count * MAX_INSN);
    if (!bytes) throw new ReplError(`cannot read memory at ${hex(va)}: not mapped`);
    const insns = disassembleSync(bytes, va, count);
    if (insns.length === 0) return `${this.where(va)}  (bad)`;
    const rip = this.backend.inCall(this.current) ? this.backend.rip(this.current) : undefined;
    return formatDisassembly(insns, rip, (a) => this.backend.locate(this.current, a), this.pal);
  }

  /** As many of `length` bytes from `va` as are mapped (whole pages), or null when `va` itself is not. */
  private readUpTo(va: number, length: number): Uint8Array | null {
    const whole = this.backend.peek(this.current, va, length);
    if (whole) return whole;
    const firstPage = 4096 - (va % 4096);
    return this.backend.peek(this.current, va, Math.min(length, firstPage));
  }

  /** The fault line, with the instruction in capstone's syntax like every other listing here. */
  private showFault(fault: FaultFacts): void {
    const bytes = this.backend.peek(this.current, fault.rip, MAX_INSN) ?? this.readUpTo(fault.rip, MAX_INSN);
    const insn = bytes ? disassembleSync(bytes, fault.rip, 1)[0] : undefined;
    const facts = insn && fault.kind !== 'breakpoint' ? { ...fault, instruction: insn.text } : fault;
    this.print(formatFault(facts, (va) => this.backend.locate(this.current, va), this.pal));
  }

  private returned(rax: bigint): void {
    // The int in eax, as `run --ret int` reports it; all of rax too when it holds more (a pointer, a long).
    const wide = rax >> 32n !== 0n ? `  (rax ${hex(rax)})` : '';
    this.print(`returned ${BigInt.asIntN(32, rax)}${wide}`);
  }

  private noteChanges(ev: StepEvent): void {
    this.changed = new Set(ev.registers.filter((r) => r.before !== r.after).map((r) => r.name));
  }

  private switchProcess(args: string[]): void {
    if (args.length !== 1) throw new ReplError('usage: p N');
    const pid = parseInteger(args[0]!);
    const pids = this.backend.pids();
    if (pid === undefined || !pids.includes(Number(pid))) throw new ReplError(`no process '${args[0]}' (processes: ${pids.map((p) => `p${p}`).join(', ')})`);
    this.current = Number(pid);
    this.changed.clear();
    const call = this.backend.describe(this.current).call;
    this.print(`switched to p${this.current}${call ? `, in ${call.symbol} at ${this.where(call.rip)}` : ''}`);
  }

  private startCall(args: string[]): void {
    if (args.length === 0) throw new ReplError('usage: call SYMBOL [ARG...]');
    if (this.backend.inCall(this.current)) throw new ReplError(`p${this.current} is already in a call (c to finish it)`);
    const [symbol, ...rest] = args as [string, ...string[]];
    const callArgs = rest.map(parseCallArg);
    if (this.backend.resolve(this.current, symbol) === undefined) throw new ReplError(`unknown symbol '${symbol}'`);
    this.backend.startCall(this.current, symbol, callArgs);
    this.changed.clear();
    this.showNext();
  }

  private stepInstructions(args: string[]): void {
    if (args.length > 1) throw new ReplError('usage: si [N]');
    const n = this.count(args[0], 1, 'count');
    this.requireCall();
    for (let k = 0; k < n; k++) {
      const r = this.backend.step(this.current);
      if ('fault' in r) {
        this.showFault(r.fault);
        return;
      }
      if ('error' in r) {
        this.error(r.error);
        return;
      }
      this.print(formatStep(r.event, this.pal));
      this.noteChanges(r.event);
      if (r.returned !== undefined) {
        this.returned(r.returned);
        return;
      }
    }
    this.showNext();
  }

  private breakpointSet(): Set<number> {
    const set = new Set<number>();
    for (const b of this.breakpoints) {
      try {
        set.add(this.address(b.spec));
      } catch {
        // A symbol this process does not have: that breakpoint does not apply here.
      }
    }
    return set;
  }

  private report(outcome: RunOutcome, before: Map<string, bigint>): void {
    const after = this.backend.inCall(this.current) ? this.backend.registers(this.current) : [];
    this.changed = new Set(after.filter((r) => before.get(r.name) !== r.value).map((r) => r.name));
    switch (outcome.kind) {
      case 'returned':
        this.returned(outcome.rax);
        return;
      case 'breakpoint': {
        const ids = this.breakpoints.filter((b) => { try { return this.address(b.spec) === outcome.rip; } catch { return false; } }).map((b) => b.id);
        this.print(`breakpoint ${ids.join(', ')} at ${this.where(outcome.rip)}`);
        this.showNext();
        return;
      }
      case 'finished':
        this.print(`finished, back at ${this.where(outcome.rip)}`);
        this.showNext();
        return;
      case 'budget':
        this.print(`stopped at ${this.where(outcome.rip)} at the limit (${this.limits.budget ?? RUN_LIMIT} instructions${this.limits.deadlineMs !== undefined ? ` or ${this.limits.deadlineMs / 1000} s` : ''}; c goes on)`);
        this.showNext();
        return;
      case 'interrupted':
        this.print(`interrupted at ${this.where(outcome.rip)}`);
        this.showNext();
        return;
      case 'fault':
        this.showFault(outcome.fault);
        return;
      case 'error':
        this.error(outcome.message);
        return;
    }
  }

  private async runWith(args: string[], name: string, go: (slice: RunSlice) => RunOutcome): Promise<void> {
    this.noArgs(args, name);
    this.requireCall();
    const before = new Map(this.backend.registers(this.current).map((r) => [r.name, r.value]));
    const onStep = this.tracing ? (ev: StepEvent) => this.print(formatStepShort(ev, this.pal)) : undefined;
    const breakpoints = this.breakpointSet();
    // Stepped runs (tracing, breakpoints, finish) are slower per instruction: smaller slices keep Ctrl-C prompt.
    const budget = onStep || breakpoints.size || name === 'finish' ? STEPPED_SLICE : FAST_SLICE;
    this.interrupted = false;
    let outcome: RunOutcome;
    const limit = this.limits.budget ?? RUN_LIMIT;
    const deadline = this.limits.deadlineMs === undefined ? Infinity : Date.now() + this.limits.deadlineMs;
    for (let ran = 0, resumed = false; ; resumed = true) {
      outcome = go({ breakpoints, onStep, budget: Math.min(budget, limit - ran), resumed });
      ran += Math.min(budget, limit - ran);
      if (outcome.kind !== 'budget' || ran >= limit || Date.now() >= deadline) break;
      // Let the terminal deliver keys (Ctrl-C) before the next slice.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.interrupted) {
        outcome = { kind: 'interrupted', rip: this.backend.rip(this.current) };
        break;
      }
    }
    this.report(outcome, before);
  }

  private continueRun(args: string[]): Promise<void> {
    return this.runWith(args, 'c', (slice) => this.backend.run(this.current, slice));
  }

  private finish(args: string[]): Promise<void> {
    return this.runWith(args, 'finish', (slice) => this.backend.finish(this.current, slice));
  }

  private addBreakpoint(args: string[]): void {
    if (args.length !== 1) throw new ReplError('usage: b SYMBOL|ADDR');
    const va = this.address(args[0]!);
    const b = { id: this.nextBreakpoint++, spec: args[0]! };
    this.breakpoints.push(b);
    this.print(`breakpoint ${b.id} at ${this.where(va)}`);
  }

  private deleteBreakpoint(args: string[]): void {
    if (args.length !== 1) throw new ReplError('usage: d N');
    const id = parseInteger(args[0]!);
    const k = this.breakpoints.findIndex((b) => BigInt(b.id) === id);
    if (k < 0) throw new ReplError(`no breakpoint '${args[0]}'${this.breakpoints.length ? ` (breakpoints: ${this.breakpoints.map((b) => b.id).join(', ')})` : ''}`);
    this.breakpoints.splice(k, 1);
    this.print(`deleted breakpoint ${args[0]}`);
  }

  private showRegisters(args: string[]): void {
    this.noArgs(args, 'regs');
    this.print(formatRegisters(this.backend.registers(this.current), this.changed, this.pal));
  }

  private examine(args: string[]): void {
    if (args.length < 1 || args.length > 2) throw new ReplError('usage: x ADDR|SYMBOL [N]');
    const va = this.address(args[0]!);
    const n = this.count(args[1], X_DEFAULT_BYTES, 'byte count', X_MAX_BYTES);
    const bytes = this.backend.peek(this.current, va, n);
    if (!bytes) {
      const partial = this.readUpTo(va, n);
      if (!partial) throw new ReplError(`cannot read memory at ${hex(va)}: not mapped`);
      this.print(formatHexDump(va, partial, (a) => this.backend.locate(this.current, a), this.pal));
      this.print(`(stopped at ${hex(va + partial.length)}: not mapped)`);
      return;
    }
    this.print(formatHexDump(va, bytes, (a) => this.backend.locate(this.current, a), this.pal));
  }

  private disassemble(args: string[]): void {
    if (args.length > 2) throw new ReplError('usage: disas [ADDR|SYMBOL] [N]');
    let va: number;
    let countText: string | undefined;
    // `disas 5` (a count alone) means 5 instructions from rip, when a call is in progress.
    if (args.length === 1 && this.backend.inCall(this.current) && parseInteger(args[0]!) !== undefined && Number(parseInteger(args[0]!)) < 4096) {
      va = this.backend.rip(this.current);
      countText = args[0];
    } else if (args.length >= 1) {
      va = this.address(args[0]!);
      countText = args[1];
    } else {
      if (!this.backend.inCall(this.current)) throw new ReplError('no call in progress: give an address or symbol (disas SYMBOL)');
      va = this.backend.rip(this.current);
    }
    this.print(this.disassembly(va, this.count(countText, DISAS_DEFAULT, 'instruction count', 10_000)));
  }

  private showPages(args: string[]): void {
    if (args.length > 1) throw new ReplError('usage: pages [MODULE]');
    const module = args[0];
    if (module !== undefined && !this.backend.modules().includes(module)) {
      throw new ReplError(`no module '${module}' (loaded: ${this.backend.modules().join(', ') || 'none'})`);
    }
    this.print(formatPages(this.backend.pages(module), this.backend.pids(), this.pal));
  }

  private load(args: string[]): void {
    if (args.length !== 1) throw new ReplError('usage: load LIB');
    const name = this.backend.load(args[0]!);
    this.print(`loaded ${name} in ${this.backend.pids().map((p) => `p${p}`).join(', ')}`);
  }

  private spawn(args: string[]): void {
    this.noArgs(args, 'spawn');
    const pid = this.backend.spawn();
    this.print(`spawned p${pid}`);
  }

  private backtrace(args: string[]): void {
    this.noArgs(args, 'bt');
    this.requireCall();
    this.print(formatBacktrace(this.backend.backtrace(this.current), this.pal));
  }

  private setTrace(args: string[]): void {
    if (args.length !== 1 || (args[0] !== 'on' && args[0] !== 'off')) throw new ReplError('usage: trace on|off');
    this.tracing = args[0] === 'on';
    this.print(`trace ${args[0]}`);
  }
}
