// The REPL's state (current process, breakpoints, trace flag, last changed registers) and one handler per
// command: each parses its words, calls the backend (picemu's public API) and prints through a formatter.
import { parseCallArg } from '../process/call-args.ts';
import { disassembleSync } from '../trace/disassemble.ts';
import type { StepEvent } from '../trace/events.ts';
import { hex, parseInteger } from '../util/numbers.ts';
import type { Pid, ReplBackend, RunOutcome, RunSlice } from './backend.ts';
import { helpText, resolveCommand, type CommandInfo } from './commands.ts';
import { evaluate, ExpressionError, formatValue, type EvalEnv } from './expression.ts';
import { examineMemory, MemoryUnreadable, parseExamineFormat, type ExamineFormat } from './format-examine.ts';
import { formatBreakpoints, formatProcMappings, formatRegisterTable, formatSharedLibraries, type RegisterFacts } from './format-info.ts';
import { formatDisassembly } from './format-disas.ts';
import { codeName, formatFault, signalName, type FaultFacts } from './format-fault.ts';
import { addressText } from './format-location.ts';
import { formatHexDump } from './format-memory.ts';
import { formatPages } from './format-pages.ts';
import { formatBacktrace, formatProcesses } from './format-ps.ts';
import { formatRegisters } from './format-regs.ts';
import { formatSmaps } from './format-smaps.ts';
import { formatStep } from './format-step.ts';
import type { Palette } from './palette.ts';
import { addressOf, BreakpointList, type Breakpoint } from './breakpoints.ts';
import { ReplError } from './errors.ts';

export { ReplError };

interface Display {
  id: number;
  expression: string;
  /** print format letter, or `i`/`s` (shown with x), with a count for x. */
  format?: string;
}

const X_DEFAULT_BYTES = 64;
const X_MAX_BYTES = 1 << 16;
const DISAS_DEFAULT = 10;
const MAX_INSN = 15;

/** A handler gets the words after the command and the `/FMT` typed right after it (`x/4gx`, `p/x`). */
type Handler = (args: string[], format?: string) => void | 'quit' | Promise<void>;

/** Instructions per slice of a `c`/`finish` (between slices the REPL looks for Ctrl-C), and in all. */
const FAST_SLICE = 2_000_000;
const STEPPED_SLICE = 20_000;
const RUN_LIMIT = 200_000_000;

export class ReplSession {
  current: Pid;
  private readonly breakpoints = new BreakpointList();
  /** A breakpoint's address in the current process. */
  private readonly resolveSpec = (spec: string): number => this.address(spec);
  private tracing = false;
  /** Registers the last step or run changed, for `regs`. */
  private changed = new Set<string>();
  private readonly handlers: Record<string, Handler>;
  private interrupted = false;
  private readonly displays: Display[] = [];
  private nextDisplay = 1;
  /** print's value history number ($1, $2…). */
  private printed = 0;
  /** What an empty line runs again (gdb's repeat): the last stepping/continuing command, or x from where it ended. */
  private repeat: string | undefined;
  private lastExamine: ExamineFormat = { count: 1, format: 'x', unit: 'w' };
  private nextExamine: number | undefined;

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
      p: (a, f) => (f === undefined && a.length === 1 && parseInteger(a[0]!) !== undefined ? this.switchProcess(a) : this.printExpression(a, f)),
      print: (a, f) => this.printExpression(a, f),
      display: (a, f) => this.addDisplay(a, f),
      undisplay: (a) => this.undisplay(a),
      call: (a) => this.startCall(a),
      si: (a) => this.stepInstructions(a),
      s: (a) => this.stepInstructions(a),
      ni: (a) => this.stepOver(a, 'ni'),
      n: (a) => this.stepOver(a, 'n'),
      c: (a) => this.continueRun(a),
      finish: (a) => this.finish(a),
      until: (a) => this.until(a),
      b: (a) => (a.length === 0 ? this.print(this.breakpointTable()) : this.addBreakpoint(a, false)),
      tbreak: (a) => this.addBreakpoint(a, true),
      condition: (a) => this.setCondition(a),
      d: (a) => this.deleteBreakpoint(a),
      regs: (a) => this.showRegisters(a),
      info: (a) => this.info(a),
      x: (a, f) => this.examine(a, f),
      disas: (a) => this.disassemble(a),
      maps: (a) => { this.noArgs(a, 'maps'); this.print(this.backend.maps(this.current).trimEnd()); },
      smaps: (a) => { this.noArgs(a, 'smaps'); this.print(formatSmaps(this.backend.smaps(this.current), this.pal)); },
      pages: (a) => this.showPages(a),
      load: (a) => this.load(a),
      spawn: (a) => this.spawn(a),
      fork: (a) => { this.noArgs(a, 'fork'); this.print(`forked p${this.backend.fork(this.current)} from p${this.current}`); },
      ps: (a) => { this.noArgs(a, 'ps'); this.print(formatProcesses(this.backend.pids().map((p) => this.backend.describe(p)), this.current, (p, va) => this.backend.locate(p, va), this.pal)); },
      process: (a) => this.switchProcess(a, 'process'),
      bt: (a) => this.backtrace(a),
      trace: (a) => this.setTrace(a),
      exec: (a) => this.execProgram(a),
      strace: (a) => this.setStrace(a),
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

  /** Runs one line; false when the session should end. Errors print one line and never escape. An empty line repeats the last stepping, continuing or x command, as gdb does. */
  async handle(line: string): Promise<boolean> {
    if (line.trim() === '') {
      if (this.repeat === undefined) return true;
      line = this.repeat;
    }
    const words = line.trim().split(/\s+/).filter((w) => w !== '');
    if (words.length === 0 || words[0]!.startsWith('#')) return true;
    // `x/4gx ADDR`, `p/x EXPR`: the format is glued to the command word.
    const slash = words[0]!.indexOf('/');
    const word = slash > 0 ? words[0]!.slice(0, slash) : words[0]!;
    const format = slash > 0 ? words[0]!.slice(slash + 1) : undefined;
    const r = resolveCommand(word);
    if (!r.ok) {
      this.error(r.message);
      return true;
    }
    const handler = this.handlers[r.command.name];
    if (!handler) throw new Error(`command '${r.command.name}' has no handler`);
    this.repeat = this.repeatLine(r.command, line);
    try {
      return (await handler(words.slice(1), format)) !== 'quit';
    } catch (err) {
      this.error(err instanceof Error ? err.message : String(err));
      return true;
    } finally {
      this.showProgramOutput();
    }
  }

  /** What exec'ed programs wrote, shown before what the REPL says about the stop (as a terminal gdb shares). */
  private showProgramOutput(): void {
    const text = this.backend.takeOutput();
    if (text) this.print(text.endsWith('\n') ? text.slice(0, -1) : text);
  }

  private repeatLine(command: CommandInfo, line: string): string | undefined {
    if (!command.repeats) return undefined;
    // x goes on from where it stopped, with the same format (set by examine()).
    if (command.name === 'x') return undefined;
    return line;
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

  /** An address as typed: a number, a symbol (`+offset`), or an expression (`$rsp+8`, `*$rsp`, `&i.0`, `$pc`). */
  private address(text: string): number {
    const n = parseInteger(text);
    if (n !== undefined) {
      if (n < 0n || n >= 1n << 64n) throw new ReplError(`bad address '${text}'`);
      return Number(n);
    }
    const m = /^([A-Za-z_.][\w.@:]*)(?:\+(\S+))?$/.exec(text);
    if (m) {
      const offset = m[2] !== undefined ? parseInteger(m[2]) : 0n;
      if (offset === undefined) throw new ReplError(`bad address '${text}'`);
      const va = this.backend.resolve(this.current, m[1]!);
      if (va === undefined) throw new ReplError(`unknown symbol '${m[1]}'`);
      return va + Number(offset);
    }
    try {
      return Number(BigInt.asUintN(64, evaluate(text, this.env()).value));
    } catch (err) {
      throw new ReplError(`bad address '${text}': ${err instanceof Error ? err.message : String(err)}`);
    }
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

  private switchProcess(args: string[], name = 'p'): void {
    if (args.length !== 1) throw new ReplError(`usage: ${name} N`);
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

  /** One instruction with what it did; true when the call is over (returned, faulted). */
  private stepOne(): boolean {
    const r = this.backend.step(this.current);
    if ('fault' in r) {
      this.showFault(r.fault);
      return true;
    }
    if ('error' in r) {
      this.error(r.error);
      return true;
    }
    if ('ended' in r) {
      if (r.event) this.print(formatStep(r.event, this.pal));
      this.showProgramOutput();
      this.print(r.ended);
      if (r.live) this.afterStop();
      return true;
    }
    this.print(formatStep(r.event, this.pal));
    this.noteChanges(r.event);
    if (r.returned !== undefined) {
      this.returned(r.returned);
      return true;
    }
    return false;
  }

  private stepInstructions(args: string[]): void {
    if (args.length > 1) throw new ReplError('usage: si [N]');
    const n = this.count(args[0], 1, 'count');
    this.requireCall();
    for (let k = 0; k < n; k++) if (this.stepOne()) return;
    this.afterStop();
  }

  /** The instruction at rip, decoded (for ni and until). */
  private instructionAt(va: number): { text: string; size: number } {
    const bytes = this.readUpTo(va, MAX_INSN);
    const insn = bytes ? disassembleSync(bytes, va, 1)[0] : undefined;
    if (!insn) throw new ReplError(`cannot decode the instruction at ${hex(va)}`);
    return insn;
  }

  /** ni/n: as si, but a call runs until it returns to the next instruction in this frame. */
  private async stepOver(args: string[], name: string): Promise<void> {
    if (args.length > 1) throw new ReplError(`usage: ${name} [N]`);
    const n = this.count(args[0], 1, 'count');
    this.requireCall();
    for (let k = 0; k < n; k++) {
      const rip = this.backend.rip(this.current);
      const insn = this.instructionAt(rip);
      if (!/^call\b/.test(insn.text)) {
        if (this.stepOne()) return;
        continue;
      }
      const outcome = await this.runToFrameAddress(rip + insn.size, this.registerValue('rsp'));
      if (outcome) return this.report(outcome.outcome, outcome.before);
    }
    this.afterStop();
  }

  /**
   * Runs until rip is `target` with rsp at or above `rsp` (back in this frame: a recursive call reaching the same
   * address deeper does not count). Returns the outcome when something else stopped the run first.
   */
  private async runToFrameAddress(target: number, rsp: bigint): Promise<{ outcome: RunOutcome; before: Map<string, bigint> } | undefined> {
    const before = new Map(this.backend.registers(this.current).map((r) => [r.name, r.value]));
    for (;;) {
      const outcome = await this.runSlices('c', (slice) => this.backend.run(this.current, slice), new Set([target]));
      if (outcome.kind === 'breakpoint' && outcome.rip === target && !this.userBreakpointAt(outcome.rip)) {
        if (this.registerValue('rsp') >= rsp) {
          const after = this.backend.registers(this.current);
          this.changed = new Set(after.filter((r) => before.get(r.name) !== r.value).map((r) => r.name));
          return undefined;
        }
        // Deeper in a recursion: step off the address and go on.
        const r = this.backend.step(this.current);
        if ('ended' in r) return { outcome: { kind: 'ended', message: r.ended, live: r.live }, before };
        if (!('event' in r) || r.returned !== undefined) return { outcome: 'fault' in r ? { kind: 'fault', fault: r.fault } : 'error' in r ? { kind: 'error', message: r.error } : { kind: 'returned', rax: r.returned! }, before };
        continue;
      }
      return { outcome, before };
    }
  }

  private until(args: string[]): Promise<void> {
    if (args.length > 1) throw new ReplError('usage: until [ADDR|SYMBOL]');
    this.requireCall();
    if (args.length === 1) {
      const target = this.address(args[0]!);
      return this.runWith('until', (slice) => this.backend.run(this.current, slice), new Set([target]));
    }
    // A backward jump (the end of a loop) runs until the instruction after it, in this frame; anything else: ni.
    const rip = this.backend.rip(this.current);
    const insn = this.instructionAt(rip);
    const m = /^j[a-z]+ (0x[0-9a-f]+)$/.exec(insn.text);
    if (!m || Number(m[1]) > rip) return this.stepOver([], 'until');
    return this.runToFrameAddress(rip + insn.size, this.registerValue('rsp')).then((o) => (o ? this.report(o.outcome, o.before) : this.afterStop()));
  }

  private registerValue(name: string): bigint {
    const v = this.backend.register(this.current, name);
    if (v === undefined) throw new ReplError(`no register ${name}`);
    return v;
  }

  /** The user breakpoints at `va` in the current process. */
  private breakpointsAt(va: number): Breakpoint[] {
    return this.breakpoints.at(va, this.resolveSpec);
  }

  private userBreakpointAt(va: number): boolean {
    return this.breakpointsAt(va).length > 0;
  }

  /** Whether a breakpoint's condition holds here (no condition: always); an error in it stops, as gdb does. */
  private conditionHolds(b: Breakpoint): boolean {
    if (!b.condition) return true;
    try {
      return evaluate(b.condition, this.env()).value !== 0n;
    } catch (err) {
      this.error(`in the condition of breakpoint ${b.id}: ${err instanceof Error ? err.message : String(err)}`);
      return true;
    }
  }

  private report(outcome: RunOutcome, before: Map<string, bigint>): void {
    const after = this.backend.inCall(this.current) ? this.backend.registers(this.current) : [];
    this.changed = new Set(after.filter((r) => before.get(r.name) !== r.value).map((r) => r.name));
    switch (outcome.kind) {
      case 'returned':
        this.returned(outcome.rax);
        return;
      case 'breakpoint': {
        const hit = this.breakpointsAt(outcome.rip);
        if (hit.length === 0) {
          this.print(`stopped at ${this.where(outcome.rip)}`);
        } else {
          this.print(`${hit.some((b) => b.temporary) && hit.every((b) => b.temporary) ? 'temporary breakpoint' : 'breakpoint'} ${hit.map((b) => b.id).join(', ')} at ${this.where(outcome.rip)}`);
          this.breakpoints.remove(hit.filter((x) => x.temporary));
        }
        this.afterStop();
        return;
      }
      case 'finished':
        this.print(`finished, back at ${this.where(outcome.rip)}`);
        this.afterStop();
        return;
      case 'budget':
        this.print(`stopped at ${this.where(outcome.rip)} at the limit (${this.limits.budget ?? RUN_LIMIT} instructions${this.limits.deadlineMs !== undefined ? ` or ${this.limits.deadlineMs / 1000} s` : ''}; c goes on)`);
        this.afterStop();
        return;
      case 'interrupted':
        this.print(`interrupted at ${this.where(outcome.rip)}`);
        this.afterStop();
        return;
      case 'fault':
        this.showFault(outcome.fault);
        return;
      case 'error':
        this.error(outcome.message);
        return;
      case 'ended':
        this.showProgramOutput();
        this.print(outcome.message);
        if (outcome.live) this.afterStop();
        return;
    }
  }

  /** After a stop inside a call: the next instruction, then the displays. */
  private afterStop(): void {
    this.showNext();
    this.showDisplays();
  }

  /**
   * Runs slices until something other than the slice budget stops the run (or Ctrl-C, or RUN_LIMIT). A breakpoint
   * whose condition is false is stepped over and the run goes on; hit counts are kept.
   */
  private async runSlices(name: string, go: (slice: RunSlice) => RunOutcome, extra: ReadonlySet<number> = new Set()): Promise<RunOutcome> {
    const onStep = this.tracing ? (ev: StepEvent) => this.print(formatStep(ev, this.pal)) : undefined;
    const breakpoints = new Set([...this.breakpoints.addresses(this.resolveSpec), ...extra]);
    // Stepped runs (tracing, breakpoints, finish) are slower per instruction: smaller slices keep Ctrl-C prompt.
    const budget = onStep || breakpoints.size || name === 'finish' ? STEPPED_SLICE : FAST_SLICE;
    this.interrupted = false;
    let outcome: RunOutcome;
    const limit = this.limits.budget ?? RUN_LIMIT;
    const deadline = this.limits.deadlineMs === undefined ? Infinity : Date.now() + this.limits.deadlineMs;
    for (let ran = 0, resumed = false; ; resumed = true) {
      outcome = go({ breakpoints, onStep, budget: Math.min(budget, limit - ran), resumed });
      ran += Math.min(budget, limit - ran);
      if (outcome.kind === 'breakpoint' && !extra.has(outcome.rip)) {
        const hit = this.breakpointsAt(outcome.rip);
        const stopping = hit.filter((b) => this.conditionHolds(b));
        for (const b of stopping) b.hits++;
        if (hit.length > 0 && stopping.length === 0) {
          // Every breakpoint here has a false condition: step off it and go on.
          const r = this.backend.step(this.current);
          if ('fault' in r) return { kind: 'fault', fault: r.fault };
          if ('error' in r) return { kind: 'error', message: r.error };
          if ('ended' in r) return { kind: 'ended', message: r.ended, live: r.live };
          if (onStep) onStep(r.event);
          if (r.returned !== undefined) return { kind: 'returned', rax: r.returned };
          resumed = false;
          continue;
        }
      }
      if (outcome.kind !== 'budget' || ran >= limit || Date.now() >= deadline) break;
      // Let the terminal deliver keys (Ctrl-C) before the next slice.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.interrupted) {
        outcome = { kind: 'interrupted', rip: this.backend.rip(this.current) };
        break;
      }
    }
    return outcome;
  }

  private async runWith(name: string, go: (slice: RunSlice) => RunOutcome, extra?: ReadonlySet<number>): Promise<void> {
    this.requireCall();
    const before = new Map(this.backend.registers(this.current).map((r) => [r.name, r.value]));
    this.report(await this.runSlices(name, go, extra), before);
  }

  private continueRun(args: string[]): Promise<void> {
    this.noArgs(args, 'c');
    return this.runWith('c', (slice) => this.backend.run(this.current, slice));
  }

  private finish(args: string[]): Promise<void> {
    this.noArgs(args, 'finish');
    return this.runWith('finish', (slice) => this.backend.finish(this.current, slice));
  }

  private addBreakpoint(args: string[], temporary: boolean): void {
    const name = temporary ? 'tbreak' : 'b';
    const ifAt = args.indexOf('if');
    const spec = ifAt >= 0 ? args.slice(0, ifAt) : args;
    if (spec.length !== 1) throw new ReplError(`usage: ${name} SYMBOL|ADDR [if EXPR]`);
    const condition = ifAt >= 0 ? args.slice(ifAt + 1).join(' ') : undefined;
    if (ifAt >= 0 && !condition) throw new ReplError(`usage: ${name} SYMBOL|ADDR if EXPR`);
    const va = this.address(spec[0]!);
    const b = this.breakpoints.add(spec[0]!, temporary, condition);
    this.print(`${temporary ? 'temporary breakpoint' : 'breakpoint'} ${b.id} at ${this.where(va)}${condition ? ` if ${condition}` : ''}`);
  }

  private setCondition(args: string[]): void {
    if (args.length < 1) throw new ReplError('usage: condition N [EXPR]');
    const b = this.breakpoints.byId(args[0]!);
    const expression = args.slice(1).join(' ');
    if (expression) {
      b.condition = expression;
      this.print(`breakpoint ${b.id} stops only if ${expression}`);
    } else {
      delete b.condition;
      this.print(`breakpoint ${b.id} now unconditional`);
    }
  }

  private deleteBreakpoint(args: string[]): void {
    if (args.length === 0) {
      const n = this.breakpoints.clear();
      this.print(`deleted ${n} breakpoint${n === 1 ? '' : 's'}`);
      return;
    }
    const doomed = args.map((a) => this.breakpoints.byId(a));
    this.breakpoints.remove(doomed);
    this.print(`deleted breakpoint${doomed.length === 1 ? '' : 's'} ${args.join(' ')}`);
  }

  private breakpointTable(): string {
    return formatBreakpoints(this.breakpoints.all.map((b) => {
      const address = addressOf(b, this.resolveSpec);
      const where = address !== undefined ? this.backend.locate(this.current, address) : undefined;
      const what = where?.symbol ? `<${this.gdbSymbol(address!)}>${where.module ? ` in ${where.module}` : ''}` : b.spec;
      return { id: b.id, temporary: b.temporary, enabled: true, address, what, condition: b.condition, hits: b.hits };
    }));
  }

  /** When the last call ended with a fault: a line naming it (for regs, info registers, bt). */
  private faultHeading(): string | undefined {
    if (this.backend.inCall(this.current)) return undefined;
    const f = this.backend.faulted(this.current);
    if (!f) return undefined;
    return `p${this.current} stopped by ${signalName(f.fault.signal)} (${codeName(f.fault.signal, f.fault.code)}) at ${this.where(f.fault.rip)}: the faulting frame`;
  }

  private registerFacts(filter: (r: RegisterFacts) => boolean): RegisterFacts[] {
    return this.backend.registerFile(this.current).filter(filter);
  }

  private showRegisters(args: string[]): void {
    this.noArgs(args, 'regs');
    const heading = this.faultHeading();
    if (heading) this.print(heading);
    this.print(formatRegisterTable(this.registerFacts((r) => r.group === 'general' || r.group === 'system'), this.changed, this.pal, this.gdbSymbol));
  }

  /** `info registers [REG...|general|vector|float|all]`. */
  private infoRegisters(args: string[], all: boolean): void {
    const heading = this.faultHeading();
    let regs: RegisterFacts[];
    if (all || args[0] === 'all') regs = this.registerFacts(() => true);
    else if (args.length === 0 || args[0] === 'general') regs = this.registerFacts((r) => r.group === 'general');
    else if (args[0] === 'vector' || args[0] === 'float' || args[0] === 'system') regs = this.registerFacts((r) => r.group === args[0]);
    else {
      const file = this.backend.registerFile(this.current);
      regs = args.map((a) => {
        const name = a.replace(/^\$/, '');
        const known = file.find((r) => r.name === name || (name === 'rflags' && r.name === 'eflags') || (name === 'pc' && r.name === 'rip') || (name === 'sp' && r.name === 'rsp'));
        if (known) return known;
        const v = this.backend.register(this.current, name);
        if (v === undefined) throw new ReplError(`invalid register '${a}'`);
        return { name, value: v, bits: v > 0xffffffffffffffffn ? 128 : 64, group: 'general' as const };
      });
    }
    if (heading) this.print(heading);
    this.print(formatRegisterTable(regs, this.changed, this.pal, this.gdbSymbol));
  }

  private info(args: string[]): void {
    const [what, ...rest] = args;
    if (what === undefined) throw new ReplError('usage: info registers|all-registers|breakpoints|display|frame|sharedlibrary|inferiors|proc mappings|float|vector');
    const topics: [string, () => void][] = [
      ['registers', () => this.infoRegisters(rest, false)],
      ['all-registers', () => this.infoRegisters(rest, true)],
      ['breakpoints', () => this.print(this.breakpointTable())],
      ['display', () => this.print(this.displays.length ? ['Auto-display expressions now in effect:', 'Num Enb Expression', ...this.displays.map((d) => `${d.id}:   y  ${d.format ? `/${d.format} ` : ''}${d.expression}`)].join('\n') : 'There are no auto-display expressions now.')],
      ['frame', () => this.infoFrame()],
      ['sharedlibrary', () => this.print(formatSharedLibraries(this.backend.sharedLibraries(this.current)))],
      ['inferiors', () => this.print(this.inferiorTable())],
      ['proc', () => {
        if (rest.length > 0 && !'mappings'.startsWith(rest[0]!)) throw new ReplError('usage: info proc mappings');
        this.print(formatProcMappings(this.current, this.backend.maps(this.current)));
      }],
      ['float', () => this.infoRegisters(['float'], false)],
      ['vector', () => this.infoRegisters(['vector'], false)],
    ];
    const matches = topics.filter(([name]) => name.startsWith(what));
    const exact = topics.find(([name]) => name === what);
    // gdb's own abbreviations: `info r`, `info b`, `info f`.
    const abbreviation = ({ r: 'registers', b: 'breakpoints', f: 'frame', s: 'sharedlibrary' } as Record<string, string>)[what];
    const chosen = exact ?? (abbreviation ? topics.find(([n]) => n === abbreviation) : undefined) ?? (matches.length === 1 ? matches[0] : undefined);
    if (!chosen) throw new ReplError(matches.length > 1 ? `ambiguous info '${what}': ${matches.map(([n]) => n).join(', ')}` : `unknown info '${what}' (try: ${topics.map(([n]) => n).join(', ')})`);
    chosen[1]();
  }

  private inferiorTable(): string {
    const lines = ['  Num  Description       Call'];
    for (const pid of this.backend.pids()) {
      const d = this.backend.describe(pid);
      lines.push(`${pid === this.current ? '*' : ' '} ${String(pid).padEnd(4)} ${`process ${pid}`.padEnd(17)} ${d.call ? `${d.call.symbol} at ${this.where(d.call.rip)}` : `idle (${d.calls} call${d.calls === 1 ? '' : 's'} done)`}`);
    }
    return lines.join('\n');
  }

  private infoFrame(): void {
    const frames = this.backend.inCall(this.current) ? this.backend.backtrace(this.current) : this.backend.faulted(this.current)?.frames;
    if (!frames || frames.length === 0) throw new ReplError(`no frame: p${this.current} has no call in progress`);
    const rsp = this.registerValue('rsp');
    const lines = [`Stack level 0, in p${this.current}:`, ` rip = ${this.where(frames[0]!.pc)}`];
    if (frames[1]) lines.push(` caller: ${this.where(frames[1].pc)} (return address at ${hex(frames[1].slot ?? 0)})`);
    else lines.push(' caller: the call itself (its return address is picemu\'s trampoline)');
    lines.push(` rsp = ${hex(rsp)}`);
    const heading = this.faultHeading();
    this.print([...(heading ? [heading] : []), ...lines].join('\n'));
  }

  // ---- print, display

  private env(): EvalEnv {
    return {
      register: (name) => this.backend.register(this.current, name),
      symbol: (name) => this.backend.resolve(this.current, name),
      read: (va, size) => this.backend.peek(this.current, va, size),
    };
  }

  private symbolize = (va: number): string | undefined => this.gdbSymbol(va);

  /** `fn+9` as gdb writes a code address's symbol (decimal offset). */
  private gdbSymbol = (va: number): string | undefined => {
    const sym = this.backend.locate(this.current, va).symbol;
    return sym?.replace(/\+0x([0-9a-f]+)$/, (_, h: string) => `+${parseInt(h, 16)}`);
  };

  private valueText(expression: string, format: string | undefined): string {
    return formatValue(evaluate(expression, this.env()), format, this.symbolize);
  }

  private printExpression(args: string[], format: string | undefined): void {
    if (args.length === 0) throw new ReplError('usage: print EXPR (or p/FMT EXPR)');
    if (format !== undefined && !/^[xduotca]$/.test(format)) throw new ReplError(`bad format '/${format}' (x d u o t c a)`);
    try {
      const text = this.valueText(args.join(' '), format);
      this.print(`$${++this.printed} = ${text}`);
    } catch (err) {
      if (err instanceof ExpressionError) throw new ReplError(err.message);
      throw err;
    }
  }

  private addDisplay(args: string[], format: string | undefined): void {
    if (args.length === 0) {
      this.showDisplays(true);
      return;
    }
    const d: Display = { id: this.nextDisplay++, expression: args.join(' '), ...(format ? { format } : {}) };
    if (format !== undefined) parseExamineFormat(format, this.lastExamine);
    this.displays.push(d);
    this.showDisplay(d);
  }

  private undisplay(args: string[]): void {
    if (args.length === 0) {
      this.displays.length = 0;
      this.print('deleted all displays');
      return;
    }
    for (const a of args) {
      const k = this.displays.findIndex((d) => BigInt(d.id) === parseInteger(a));
      if (k < 0) throw new ReplError(`no display '${a}'`);
      this.displays.splice(k, 1);
    }
  }

  private showDisplay(d: Display): void {
    try {
      const f = d.format ? parseExamineFormat(d.format, { count: 1, format: 'x', unit: 'w' }) : undefined;
      if (f && (f.format === 'i' || f.format === 's' || d.format!.length > 1)) {
        this.print(`${d.id}: x/${d.format} ${d.expression}\n${this.examineText(Number(BigInt.asUintN(64, evaluate(d.expression, this.env()).value)), f).text}`);
      } else {
        this.print(`${d.id}: ${d.format ? `/${d.format} ` : ''}${d.expression} = ${this.valueText(d.expression, d.format)}`);
      }
    } catch (err) {
      this.print(`${d.id}: ${d.expression} = <error: ${err instanceof Error ? err.message : String(err)}>`);
    }
  }

  private showDisplays(always = false): void {
    if (!always && !this.backend.inCall(this.current)) return;
    for (const d of this.displays) this.showDisplay(d);
  }

  // ---- memory

  private examine(args: string[], format: string | undefined): void {
    if (format === undefined) {
      // picemu's own form: x ADDR [N] bytes as a hex dump.
      if (args.length < 1 || args.length > 2) throw new ReplError('usage: x ADDR|SYMBOL [N], or x/NFU ADDR');
      this.hexDump(args);
      return;
    }
    const f = parseExamineFormat(format, this.lastExamine);
    const va = args.length > 0 ? this.address(args.join(' ')) : this.nextExamine;
    if (va === undefined) throw new ReplError('usage: x/NFU ADDR');
    const { text, next } = this.examineText(va, f);
    this.print(text);
    this.lastExamine = f;
    this.nextExamine = next;
    this.repeat = `x/${f.count}${f.format === 'i' || f.format === 's' ? f.format : f.format + f.unit} ${hex(next)}`;
  }

  /** x/NFU's text from va and the address after what it showed. */
  private examineText(va: number, f: ExamineFormat): { text: string; next: number } {
    try {
      return examineMemory(va, f, {
        readUpTo: (at, n) => this.readUpTo(at, n),
        rip: this.backend.inCall(this.current) ? this.backend.rip(this.current) : undefined,
        symbolize: this.symbolize,
      });
    } catch (err) {
      throw err instanceof MemoryUnreadable ? new ReplError(err.message) : err;
    }
  }

  private hexDump(args: string[]): void {
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
    if (!this.backend.inCall(this.current)) {
      const f = this.backend.faulted(this.current);
      if (f) {
        this.print(this.faultHeading()!);
        this.print(formatBacktrace(f.frames, this.pal));
        return;
      }
    }
    this.requireCall();
    this.print(formatBacktrace(this.backend.backtrace(this.current), this.pal));
  }

  /** exec PROGRAM [ARG...]: a new process runs it, stopped at its first instruction (gdb's starti); it is current. */
  private execProgram(args: string[]): void {
    if (args.length === 0) throw new ReplError('usage: exec PROGRAM [ARG...]');
    this.current = this.backend.exec(args);
    this.changed.clear();
    this.print(`p${this.current}: ${args.join(' ')}, stopped at its first instruction`);
    this.showNext();
  }

  private setStrace(args: string[]): void {
    if (args.length !== 1 || (args[0] !== 'on' && args[0] !== 'off')) throw new ReplError('usage: strace on|off');
    this.backend.strace(args[0] === 'on' ? (line) => this.print(line) : undefined);
    this.print(`strace ${args[0]}`);
  }

  private setTrace(args: string[]): void {
    if (args.length !== 1 || (args[0] !== 'on' && args[0] !== 'off')) throw new ReplError('usage: trace on|off');
    this.tracing = args[0] === 'on';
    this.print(`trace ${args[0]}`);
  }
}
