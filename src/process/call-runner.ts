// Calls into a process (System V): starting one, stepping it, running it to its return, a breakpoint or a
// limit, finish, backtraces, and turning what the CPU reports (faults, hlt, system calls) into the call's stop.
import { GuestFault, type RunOutcome } from '../cpu/index.ts';
import type { VirtAddr } from '../mm/types.ts';
import type { StepEvent } from '../trace/events.ts';
import { checkTraceFilter, TraceFilterSink } from '../trace/filter.ts';
import { syscallName } from '../kernel/syscall-table.ts';
import { refreshVdsoTime } from '../kernel/exec/vdso.ts';
import { decodeResult, entryStackPointer, layoutArguments, type ReturnKind } from './call-args.ts';
import { scanReturnAddresses, type StackFrame } from './backtrace.ts';
import { ActiveCall, DEFAULT_BUDGET, DEFAULT_DEADLINE_MS, type CallArgument, type CallOptions, type CallOutcome, type CallStop, type FinishOptions, type RunUntilOptions } from './call-types.ts';
import { CallError, CallLimitError, ProcessExitError } from './errors.ts';
import { describeLocation, faultError, haltFault } from './fault-report.ts';
import { printable, resultInspect } from './inspect.ts';
import { recordStep } from './step-recorder.ts';
import type { Process } from './process.ts';

/** The calls of one process: the one in progress (at most one outermost, nested ones below it) and the counts. */
export class CallRunner {
  private calls = 0;
  private returned = 0;
  private active: ActiveCall | undefined;

  constructor(private readonly process: Process) {}

  /** Sets up a System V call of `target` (not yet executed): registers, stack, return trampoline. */
  startCall(target: string | VirtAddr, args: readonly CallArgument[] = [], options: { ret?: ReturnKind; internal?: boolean } = {}): ActiveCall {
    const entry = this.process.resolve(target);
    if (this.process.guest) {
      // The vDSO's time data page, as the kernel keeps it current (time() and clock_gettime read it without a system call).
      const image = this.process.machine.kernel.vdsoImage();
      if (image) refreshVdsoTime(image);
      this.process.guest.vdsoCopies?.refresh();
    }
    const placed = args.map((a) => this.process.argumentMemory.placeArg(a));
    const layout = layoutArguments(placed);
    const cpu = this.process.cpu;
    // Below a stopped call's frames (and its red zone) when there is one.
    const top = this.activeCall ? Math.min(this.process.stackTop, cpu.gprNumber(4) - 128) : this.process.stackTop;
    cpu.r64.fill(0n);
    cpu.xmm64.fill(0n);
    cpu.rflags = 0x202;
    cpu.mxcsr = 0x1f80;
    cpu.fsBase = this.process.threadPointer;
    for (const [r, v] of layout.registers) cpu.r64[r] = v;
    for (const [x, v] of layout.vectors) cpu.setReg(`xmm${x}`, f64BitsOf(v));
    cpu.r64[0] = BigInt(layout.vectorCount); // al: vector registers used (variadic callees read it)
    const rsp = entryStackPointer(top, layout.stack.length);
    this.process.space.writeU64(rsp, BigInt(this.process.trampoline));
    layout.stack.forEach((v, k) => this.process.space.writeU64(rsp + 8 + 8 * k, v));
    cpu.setReg('rsp', rsp);
    cpu.rip = entry;
    const name = typeof target === 'string' ? target : this.process.locate(target).symbol ?? `0x${target.toString(16)}`;
    this.active = new ActiveCall(this.process, entry, name, options.ret ?? 'int', options.internal ? -1 : this.calls++, rsp);
    return this.active;
  }

  /** The call in progress, if any. */
  get activeCall(): ActiveCall | undefined {
    return this.active && !this.active.finished ? this.active : undefined;
  }

  /** Calls (started with call or startCall, not picemu's internal ones) that have returned, in this process. */
  get completedCalls(): number {
    return this.returned;
  }

  /** Executes one instruction of the active call and returns its event (and the stop, when this ended the call). */
  step(): { event: StepEvent; stop?: CallStop } {
    return this.recordOne(true);
  }

  /** One traced instruction; `keep`: also add its event to the call's events (a streamed trace does not). */
  private recordOne(keep: boolean): { event: StepEvent; stop?: CallStop } {
    const call = this.requireActive();
    const { event, outcome } = recordStep({ engine: this.process.cpu, space: this.process.space, cow: this.process.memory, symbolizer: this.process.symbolizer, runtimeSymbol: (va) => this.process.runtimeSymbol(va), pid: this.process.pid, call: call.index, index: call.executed });
    if (keep) call.events.push(event);
    const stop = this.afterRun(call, outcome, keep ? [event] : []);
    return stop ? { event, stop } : { event };
  }

  /** Runs the active call until it returns, faults, hits a breakpoint, or a limit. */
  run(options: RunUntilOptions = {}): CallStop {
    const call = this.requireActive();
    const breakpoints = new Set(options.breakpoints ?? []);
    const budget = options.budget ?? DEFAULT_BUDGET;
    const deadline = options.deadlineMs !== undefined ? Date.now() + options.deadlineMs : Infinity;
    if (options.trace || breakpoints.size > 0) {
      const events: StepEvent[] = [];
      // With a filter, the sink decides what is kept; the call's events get what it kept when this run stops.
      const sink = options.trace && options.filter ? new TraceFilterSink(options.filter, (va) => this.process.symbolizer.moduleAt(va)?.name, options.onStep) : undefined;
      const done = (stop: CallStop): CallStop => {
        if (!sink) return stop;
        const kept = sink.kept();
        for (const e of kept) call.events.push(e);
        return { ...stop, events: kept };
      };
      for (let n = 0; ; n++) {
        if (n > 0 && breakpoints.has(this.process.cpu.rip)) return done({ kind: 'breakpoint', rip: this.process.cpu.rip, events });
        if (n >= budget) return done({ kind: 'budget', events });
        if ((n & 1023) === 1023 && Date.now() > deadline) return done({ kind: 'timeout', events });
        if (options.trace && (!sink || sink.wantsStep(this.process.cpu.rip))) {
          const { event, stop } = this.recordOne(!options.onStep && !sink);
          if (sink) sink.offer(event);
          else if (options.onStep) options.onStep(event);
          else events.push(event);
          if (stop) return done({ ...stop, events });
        } else {
          const outcome = this.process.cpu.step();
          const stop = this.afterRun(call, outcome, events);
          if (stop) return done(stop);
        }
      }
    }
    // Runs until the trampoline; a system call picemu performs ends one cpu.run and the loop resumes after it.
    let left = budget;
    for (;;) {
      const outcome = this.process.cpu.run({ until: this.process.trampoline, maxInstructions: left, deadlineMs: deadline === Infinity ? undefined : Math.max(0, deadline - Date.now()) });
      left -= outcome.executed;
      const stop = this.afterRun(call, outcome, []);
      if (stop) return stop;
      if (outcome.kind === 'budget' || left <= 0) return { kind: 'budget', events: [] };
    }
  }

  /**
   * Runs the active call until the function current now returns to its caller: a `ret` that leaves rsp above
   * where it was when the finish began (that frame has been popped); the stop is 'finished' with rip at the return
   * address. Stops earlier as run() does (the call returning, a fault, a breakpoint after the first step, a limit).
   * Started mid-function, a `ret` of a function it calls never counts (rsp stays below), nor does a `pop`.
   */
  finish(options: FinishOptions = {}): CallStop {
    const call = this.requireActive();
    const resume = options.resume === true && call.finishFrame !== undefined;
    if (!resume) call.finishFrame = this.process.cpu.gprNumber(4);
    const frame = call.finishFrame!;
    const breakpoints = new Set(options.breakpoints ?? []);
    const budget = options.budget ?? DEFAULT_BUDGET;
    const deadline = options.deadlineMs !== undefined ? Date.now() + options.deadlineMs : Infinity;
    const events: StepEvent[] = [];
    for (let n = 0; ; n++) {
      if ((n > 0 || resume) && breakpoints.has(this.process.cpu.rip)) return this.endFinish(call, { kind: 'breakpoint', rip: this.process.cpu.rip, events });
      if (n >= budget) return { kind: 'budget', events };
      if ((n & 1023) === 1023 && Date.now() > deadline) return { kind: 'timeout', events };
      const isRet = isReturnInstruction(this.process.space.peek(this.process.cpu.rip, 4) ?? this.process.space.peek(this.process.cpu.rip, 1));
      let stop: CallStop | undefined;
      if (options.trace) {
        const r = this.recordOne(!options.onStep);
        if (options.onStep) options.onStep(r.event);
        else events.push(r.event);
        stop = r.stop;
      } else {
        stop = this.afterRun(call, this.process.cpu.step(), events);
      }
      if (stop) return this.endFinish(call, { ...stop, events });
      if (isRet && this.process.cpu.gprNumber(4) > frame) return this.endFinish(call, { kind: 'finished', rip: this.process.cpu.rip, events });
    }
  }

  private endFinish(call: ActiveCall, stop: CallStop): CallStop {
    call.finishFrame = undefined;
    return stop;
  }

  /**
   * Frames of the active call, innermost first: #0 at rip, then each return address found on its stack between
   * rsp and the call's entry rsp, symbolized. A heuristic scan, not an unwind: see scanReturnAddresses for what it
   * can and cannot know (no .eh_frame is used). Empty when no call is in progress.
   */
  backtrace(): StackFrame[] {
    const call = this.activeCall;
    if (!call) return [];
    const rip = this.process.cpu.rip;
    const found = scanReturnAddresses({
      rsp: this.process.cpu.gprNumber(4),
      limit: call.entryRsp,
      peek: (va, n) => this.process.space.peek(va, n),
      isModuleCode: (va) => {
        const loc = this.process.locate(va);
        return loc.module !== undefined && (loc.vma?.perms.includes('x') ?? false);
      },
    });
    return [{ pc: rip, location: this.process.locate(rip) }, ...found.map((f) => ({ pc: f.pc, slot: f.slot, location: this.process.locate(f.pc) }))];
  }

  /**
   * Calls `target` with the System V convention and returns its result; throws a CallError (the process stays
   * usable). Bounded by default: 200 million instructions and 30 s of wall-clock time (`budget`, `deadlineMs`),
   * either ending the call with a CallLimitError ('budget' or 'timeout').
   */
  call(target: string | VirtAddr, args: readonly CallArgument[] = [], options: CallOptions = {}): CallOutcome {
    // A call made while another is stopped (e.g. resolving an ifunc from the REPL) runs below it on the
    // stack and gives the stopped call its registers back afterwards.
    const outer = this.activeCall;
    if (!outer) return this.callOutermost(target, args, options);
    const saved = { r64: this.process.cpu.r64.slice(), xmm64: this.process.cpu.xmm64.slice(), rip: this.process.cpu.rip, rflags: this.process.cpu.rflags, mxcsr: this.process.cpu.mxcsr, fsBase: this.process.cpu.fsBase };
    try {
      return this.callOutermost(target, args, options);
    } finally {
      this.process.cpu.r64.set(saved.r64);
      this.process.cpu.xmm64.set(saved.xmm64);
      this.process.cpu.rip = saved.rip;
      this.process.cpu.rflags = saved.rflags;
      this.process.cpu.mxcsr = saved.mxcsr;
      this.process.cpu.fsBase = saved.fsBase;
      this.active = outer;
    }
  }

  private callOutermost(target: string | VirtAddr, args: readonly CallArgument[], options: CallOptions): CallOutcome {
    if (options.filter) checkTraceFilter(options.filter); // before the call starts, so a bad filter leaves no call behind
    const call = this.startCall(target, args, { ret: options.ret, internal: options.internal });
    const budget = options.budget ?? DEFAULT_BUDGET;
    const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const stop = this.run({ budget, deadlineMs: deadlineMs === Infinity ? undefined : deadlineMs, trace: options.trace, ...(options.onStep ? { onStep: options.onStep } : {}), ...(options.filter ? { filter: options.filter } : {}) });
    switch (stop.kind) {
      case 'returned':
        return printable({ result: stop.result, executed: call.executed, events: call.events }, (o) => `${call.name} returned ${resultInspect(o.result)} after ${o.executed} instructions${o.events.length ? `, ${o.events.length} events` : ''}`);
      case 'error': throw stop.error;
      case 'budget': case 'timeout': {
        const where = this.process.locate(this.process.cpu.rip);
        this.active = undefined;
        throw new CallLimitError(stop.kind, call.executed, where, `${call.name}: ${stop.kind === 'budget' ? `instruction budget of ${budget} ran out` : `deadline of ${deadlineMs} ms passed`} at ${describeLocation(where, this.process.cpu.rip)}`);
      }
      case 'breakpoint': case 'finished': throw new CallError(`unexpected ${stop.kind}`);
    }
  }

  private requireActive(): ActiveCall {
    const call = this.activeCall;
    if (!call) throw new CallError(`process ${this.process.pid} has no call in progress (startCall first)`);
    return call;
  }

  /** Interprets a CPU outcome for the active call; returns the stop when the call is over (or a limit hit). */
  private afterRun(call: ActiveCall, outcome: RunOutcome, events: StepEvent[]): CallStop | undefined {
    call.executed += outcome.executed;
    if (this.process.cpu.rip === this.process.trampoline && outcome.kind !== 'fault') {
      const result = decodeResult(call.ret, this.process.cpu.r64[0]!, this.process.cpu.xmm64[0]!, (va) => this.process.readCString(va));
      if (call.index >= 0) this.returned++;
      return (call.finished = { kind: 'returned', result, events });
    }
    switch (outcome.kind) {
      case 'until': case 'budget': case 'stopped': return undefined;
      case 'timeout': return { kind: 'timeout', events };
      case 'fault': return (call.finished = { kind: 'error', error: this.faultError(call, outcome.fault), events });
      case 'halt': return (call.finished = { kind: 'error', error: this.faultError(call, haltFault(outcome.address)), events });
      case 'syscall': {
        // The kernel's table performs it (rax gets the result; rcx and r11 were set by the instruction).
        const nr = Number(this.process.cpu.r64[0]!);
        const after = this.process.machine.kernel.syscallNow(this.process.task);
        if (after.kind === 'continue') return undefined;
        const where = this.process.locate(outcome.address);
        if (after.kind === 'blocked') return (call.finished = { kind: 'error', error: new CallError(`${call.name}: system call ${syscallName(nr)} at ${describeLocation(where, outcome.address)} would block forever (no other task can wake it)`), events });
        const why = after.kind === 'exited' ? `the process exited with status ${after.code}` : `the process was killed by signal ${after.signal}`;
        return (call.finished = { kind: 'error', error: new ProcessExitError(`${call.name}: ${why} in ${syscallName(nr)} at ${describeLocation(where, outcome.address)}`), events });
      }
    }
  }

  private faultError(call: ActiveCall, fault: GuestFault): CallError {
    return faultError(this.process, call.name, fault);
  }
}

function f64BitsOf(v: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v, true);
  return view.getBigUint64(0, true);
}

/** `ret`/`ret imm16` (c3, c2), after any legacy prefixes (`rep ret`, `bnd ret`, operand size). */
function isReturnInstruction(bytes: Uint8Array | null): boolean {
  if (!bytes) return false;
  let k = 0;
  while (k < bytes.length - 1 && (bytes[k] === 0xf2 || bytes[k] === 0xf3 || bytes[k] === 0x66)) k++;
  return bytes[k] === 0xc3 || bytes[k] === 0xc2;
}
