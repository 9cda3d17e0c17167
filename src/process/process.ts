// A Process: an address space, a CPU, a growing [stack], a thread pointer (TCB + static TLS), the modules
// loaded into it, and System V calls into them, run straight through or stepped with traced events.
import { inspect } from 'node:util';
import { GuestFault, type RunOutcome } from '../cpu/index.ts';
import type { Engine, ProcessEngine } from './engines/engine.ts';
import { STT_GNU_IFUNC } from '../elf/index.ts';
import { instructionText } from '../trace/disassemble.ts';
import { AddressSpace } from '../mm/address-space.ts';
import { INITIAL_STACK_SIZE, processLayout, randomBytesFrom, splitmix64, STACK_RLIMIT } from '../mm/layout.ts';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, type VirtAddr } from '../mm/types.ts';
import type { Location, StepEvent } from '../trace/events.ts';
import { checkTraceFilter, type TraceFilter } from '../trace/filter.ts';
import { Symbolizer, type SymbolizableModule } from '../trace/symbolize.ts';
import { decodeResult, entryStackPointer, layoutArguments, type CallArg, type CallResult, type PlacedArg, type ReturnKind } from './call-args.ts';
import { scanReturnAddresses, type StackFrame } from './backtrace.ts';
import { CowWatch } from './cow-watch.ts';
import { CallError, CallFault, CallLimitError, ProcessExitError, UnresolvedSymbolError } from './errors.ts';
import { syscallName } from '../kernel/syscall-table.ts';
import type { Machine } from './machine.ts';
import type { Task } from '../kernel/task.ts';
import { cloneTask } from '../kernel/lifecycle.ts';
import { SIGCHLD } from '../kernel/signals/constants.ts';
import { errnoName, strerror } from '../kernel/errno.ts';
import type { LoadOptions, LoadResult } from './load.ts';
import type { Linker, LoadedModule } from '../loader/index.ts';
import { locate, recordStep, TraceRecorder } from './step-recorder.ts';
import { appendSteps, lazyEvents } from '../trace/step-view.ts';
import { printable, resultInspect } from './inspect.ts';
import { StaticTlsLayout, TCB_POINTER_GUARD, TCB_SELF, TCB_SELF2, TCB_SIZE, TCB_STACK_GUARD, TLS_GET_ADDR_CODE, TLS_GET_ADDR_TABLE, } from './tls.ts';

/** A module as the process knows it: where it is and what it is. */
export interface ProcessModule extends SymbolizableModule {
  /** The path it was loaded from. */
  path: string;
  /** Its static TLS block, when it has PT_TLS: module ID and distance below the thread pointer. */
  tls?: { moduleId: number; tpOffset: number };
  /** The loader's record (relocations applied, dependencies, init/fini functions). */
  loaded: LoadedModule;
}

/** What a caller may pass: integers (bigint, or a safe-integer number), doubles ({ f64 } or a non-integer number), strings and buffers (placed in guest memory; the pointer is passed), or a `run` CLI argument. */
export type CallArgument = bigint | number | string | Uint8Array | { f64: number } | CallArg;

export interface CallOptions {
  /** How to read the result (default int). */
  ret?: ReturnKind;
  /** Instruction budget (default 200 million, DEFAULT_BUDGET); running out throws CallLimitError('budget'). */
  budget?: number;
  /** Wall-clock limit in ms (default 30 000, DEFAULT_DEADLINE_MS; Infinity for none); passing it throws CallLimitError('timeout'). */
  deadlineMs?: number;
  /** Record a StepEvent per instruction (slower). */
  trace?: boolean;
  /** With trace: each event is handed here as it is recorded and not kept (`events` stays empty), so a long trace can stream. */
  onStep?: (event: StepEvent) => void;
  /** With trace: which steps to keep (modules, ranges, memory or RIP-relative accesses only, first/last N). */
  filter?: TraceFilter;
  /** A call picemu makes itself (an ifunc resolver, an initializer): not counted in the process's call numbers. */
  internal?: boolean;
}

export interface CallOutcome {
  result: CallResult;
  /** Instructions executed. */
  executed: number;
  /** Only when traced. */
  events: StepEvent[];
}

export interface RunUntilOptions {
  /** Mapped addresses (or symbols) to stop before. */
  breakpoints?: Iterable<VirtAddr>;
  /** At most this many instructions in this run. */
  budget?: number;
  deadlineMs?: number;
  /** Record events (returned in `events`). */
  trace?: boolean;
  /** With trace: each event is handed here as it is recorded and not kept (`events` stays empty). */
  onStep?: (event: StepEvent) => void;
  /** With trace: which steps to keep (modules, ranges, memory or RIP-relative accesses only, first/last N). */
  filter?: TraceFilter;
}

export interface FinishOptions extends RunUntilOptions {
  /**
   * Go on with the finish a previous finish() of this call began (which stopped at its budget or deadline): the
   * frame to leave is the one current then, and a breakpoint at the current rip counts. Default: a new finish of
   * the function current now.
   */
  resume?: boolean;
}

/** Why stepping or running a started call stopped. */
export type CallStop =
  | { kind: 'returned'; result: CallResult; events: StepEvent[] }
  | { kind: 'breakpoint'; rip: VirtAddr; events: StepEvent[] }
  /** finish(): the function has returned to its caller (still inside the call); rip is the return address. */
  | { kind: 'finished'; rip: VirtAddr; events: StepEvent[] }
  | { kind: 'budget' | 'timeout'; events: StepEvent[] }
  | { kind: 'error'; error: CallError; events: StepEvent[] };

/** A call in progress (startCall): step it or run it. */
export class ActiveCall {
  /** 0-based number of this call in its process. */
  readonly index: number;
  executed = 0;
  /** The call's kept steps (built from the trace's log when read). */
  readonly events: StepEvent[] = lazyEvents();
  finished: CallStop | undefined;
  /** rsp when the finish() in progress began (kept while it stops at budget or deadline, for `resume`). */
  finishFrame: VirtAddr | undefined;

  constructor(
    readonly process: Process,
    readonly entry: VirtAddr,
    readonly name: string,
    readonly ret: ReturnKind,
    index: number,
    /** rsp at entry: the slot holding the return trampoline; this call's frames all lie below it. */
    readonly entryRsp: VirtAddr = 0,
  ) {
    this.index = index;
  }
}

/** Default instruction budget of a call (Process.call). */
export const DEFAULT_BUDGET = 200_000_000;
/** Default wall-clock limit of a call (Process.call), so no call can hang its host. */
export const DEFAULT_DEADLINE_MS = 30_000;
const STATIC_TLS_SIZE = 0x10000;
const SCRATCH_SIZE = 0x40000;
/** How picemu's own code page shows in maps and traces (an anonymous mapping, named as [stack] is). */
export const RUNTIME_NAME = '[picemu]';
const RUNTIME_TRAMPOLINE = 0x0;
const HEAP_START = 0x555555559000;
const RUNTIME_TLS_GET_ADDR = 0x40;
/** Module IDs for __tls_get_addr's table (up to this many modules with TLS). */
const MAX_TLS_MODULES = 64;

export class Process {
  readonly space: AddressSpace;
  readonly memory: CowWatch;
  /** What executes this process's instructions (picemu's CPU or unicorn-engine: Machine's `engine` option). */
  readonly cpu: ProcessEngine;
  readonly symbolizer: Symbolizer;
  /** Modules in load order. */
  readonly modules: ProcessModule[] = [];
  /** [stack]: mapped address range. */
  readonly stackTop: VirtAddr;
  readonly stackBottom: VirtAddr;
  /** The thread pointer (fs base): the TCB's address. */
  readonly threadPointer: VirtAddr;
  readonly tls: StaticTlsLayout;
  /** A page of picemu's own code: the return trampoline and __tls_get_addr. */
  readonly runtimePage: VirtAddr;
  /** Undefined-symbol trap addresses the loader handed out → who needs what. */
  readonly traps = new Map<VirtAddr, { symbol: string; neededBy: string }>();
  /** The kernel's side of this process: its system calls run against this task (files, brk, ids). */
  readonly task: Task;
  private readonly random: () => bigint;
  /** The dynamic linker state of this address space (created on first load). */
  linker: Linker | undefined;
  private scratch: { start: VirtAddr; used: number; size: number } | undefined;
  private calls = 0;
  private returned = 0;
  /** ifunc resolver address → the implementation it picked (dlsym runs a resolver once per lookup; picemu caches). */
  private readonly ifuncs = new Map<VirtAddr, VirtAddr>();
  private active: ActiveCall | undefined;

  constructor(
    readonly machine: Machine,
    readonly pid: number,
    layoutSeed: bigint,
    /** fork: the parent, and the kernel task cloneTask made for the child (see fork()). */
    forkOf?: { parent: Process; task: Task },
  ) {
    if (forkOf) {
      const parent = forkOf.parent;
      this.task = forkOf.task;
      this.space = this.task.space;
      this.memory = new CowWatch(this.space);
      this.cpu = machine.engineFactory({ memory: this.memory, space: this.space, profile: machine.cpu });
      this.task.cpu = this.cpu;
      this.task.cpu.copyUserStateFrom(parent.task.cpu);
      this.symbolizer = new Symbolizer(() => this.modules);
      this.modules.push(...parent.modules);
      for (const [va, t] of parent.traps) this.traps.set(va, t);
      ({ stackTop: this.stackTop, stackBottom: this.stackBottom, runtimePage: this.runtimePage, threadPointer: this.threadPointer } = parent);
      this.tls = parent.tls;
      const random = machine.randomWords(pid, 2);
      this.random = splitmix64(random[1]! ^ random[0]!);
      return;
    }
    const layout = processLayout(layoutSeed);
    this.space = new AddressSpace({ physical: machine.physical, pageCache: machine.pageCache, mmapBase: layout.mmapBase });
    this.memory = new CowWatch(this.space);
    // The machine's engine (picemu's CPU by default) with the machine's CPU profile (default x86-64-v3).
    this.cpu = machine.engineFactory({ memory: this.memory, space: this.space, profile: machine.cpu });
    this.symbolizer = new Symbolizer(() => this.modules);

    // The stack: 132 KiB at the randomized top, as exec leaves it, growing on faults to 8 MiB (RLIMIT_STACK);
    // stackBottom is how far it may grow.
    this.stackTop = layout.stackTop;
    this.stackBottom = this.stackTop - STACK_RLIMIT;
    this.space.mapStack(this.stackTop, INITIAL_STACK_SIZE, STACK_RLIMIT);

    // picemu's runtime page: `hlt` as the return address of every call (the run stops before it), and __tls_get_addr.
    this.runtimePage = this.space.mmap({ length: PAGE_SIZE, prot: PROT_READ | PROT_EXEC, anonymous: true, name: RUNTIME_NAME });
    this.space.poke(this.runtimePage + RUNTIME_TRAMPOLINE, Uint8Array.of(0xf4));
    this.space.poke(this.runtimePage + RUNTIME_TLS_GET_ADDR, TLS_GET_ADDR_CODE);

    // Thread area: static TLS blocks below the TCB (variant II), then the TCB.
    const area = this.space.mmap({ length: STATIC_TLS_SIZE + TCB_SIZE, prot: PROT_READ | PROT_WRITE, anonymous: true });
    this.threadPointer = area + STATIC_TLS_SIZE;
    this.tls = new StaticTlsLayout(STATIC_TLS_SIZE);
    const tp = BigInt(this.threadPointer);
    this.space.writeU64(this.threadPointer + TCB_SELF, tp);
    this.space.writeU64(this.threadPointer + TCB_SELF2, tp);
    // glibc's canary has a zero low byte (so string functions cannot leak it); the guard is any value.
    const random = machine.randomWords(pid, 2);
    this.space.writeU64(this.threadPointer + TCB_STACK_GUARD, random[0]! & ~0xffn);
    this.space.writeU64(this.threadPointer + TCB_POINTER_GUARD, random[1]!);
    this.cpu.fsBase = this.threadPointer;
    this.random = splitmix64(random[1]! ^ random[0]!);
    // The program break: no executable here, so [heap] starts where a PIE's would, fixed.
    this.task = machine.kernel.adoptProcess({ pid, space: this.space, cpu: this.cpu, brk: HEAP_START });
  }

  /** The program break (brk): start of [heap] and the current break. */
  get heap(): { start: number; brk: number } {
    return { start: this.task.mm.brk.start, brk: this.task.mm.brk.current };
  }

  /**
   * fork(): a new process (the next pid) whose memory is this one's, shared copy-on-write — every private page
   * read-only in both until one writes it, shared file pages shared — with the same modules at the same
   * addresses and a copy of the registers. Not during a call. The child's linker scope starts empty: load
   * further libraries into the parent, before forking.
   */
  fork(): Process {
    if (this.activeCall) throw new CallError('fork: a call is in progress in this process');
    const task = cloneTask(this.task, { flags: BigInt(SIGCHLD), stack: 0n, tls: 0n, exitSignal: SIGCHLD });
    if (typeof task === 'number') throw new CallError(`fork: ${errnoName(-task)} (${strerror(-task)})`);
    task.scheduled = this.task.scheduled;
    return this.machine.adopt(new Process(this.machine, task.tid, this.machine.layoutSeed(task.tid), { parent: this, task }));
  }

  /** Seeded random bytes (getrandom). */
  randomBytes(n: number): Uint8Array {
    return randomBytesFrom(this.random, n);
  }

  /** Mapped address of the `__tls_get_addr` picemu provides. */
  get tlsGetAddr(): VirtAddr {
    return this.runtimePage + RUNTIME_TLS_GET_ADDR;
  }

  /** The return address every call starts with; reaching it ends the call. */
  get trampoline(): VirtAddr {
    return this.runtimePage + RUNTIME_TRAMPOLINE;
  }

  // ---- modules -----------------------------------------------------------------------------------

  /** Loads a library and its DT_NEEDED dependencies (see Machine.load; `options` bound initializers and ifunc resolvers). */
  load(path: string, options: LoadOptions = {}): LoadResult {
    return this.machine.load(this, path, options);
  }

  module(name: string): ProcessModule | undefined {
    return this.modules.find((m) => m.name === name || m.path === name);
  }

  /** Base of a loaded module (by file name or path). */
  baseOf(name: string): VirtAddr | undefined {
    return this.module(name)?.base;
  }

  /** Installs a module's static TLS block: its image copied below the TCB, its entry in __tls_get_addr's table. */
  installTls(module: ProcessModule, moduleId: number, tpOffset: number, image: Uint8Array): void {
    if (moduleId >= MAX_TLS_MODULES) throw new Error(`too many modules with TLS (${MAX_TLS_MODULES})`);
    module.tls = { moduleId, tpOffset };
    if (image.length) this.space.write(this.threadPointer - tpOffset, image);
    const entry = new Uint8Array(8);
    new DataView(entry.buffer).setBigInt64(0, BigInt(-tpOffset), true);
    this.space.poke(this.tlsGetAddr + TLS_GET_ADDR_TABLE + 8 * moduleId, entry);
    this.cpu.invalidateCode(this.runtimePage, PAGE_SIZE);
  }

  /**
   * Mapped address of a symbol, or a number passed through. A plain name is looked up in the global scope as
   * dlsym does (an ifunc symbol: its resolver is run and the function it picks is returned); `module:name`, or a
   * name only `.symtab` has (a local such as `i.0`), is looked up in the modules' symbol tables.
   */
  resolve(target: string | VirtAddr): VirtAddr {
    if (typeof target === 'number') return target;
    const colon = target.indexOf(':');
    const [module, name] = colon > 0 ? [target.slice(0, colon), target.slice(colon + 1)] : [undefined, target];
    const global = module === undefined ? this.linker?.lookup(name) : undefined;
    if (global) {
      if (global.symbol.type !== STT_GNU_IFUNC) return global.address;
      let picked = this.ifuncs.get(global.address);
      if (picked === undefined) {
        const r = this.call(global.address, [], { ret: 'ulong', internal: true }).result;
        picked = r.type === 'ulong' ? Number(r.value) : 0;
        this.ifuncs.set(global.address, picked);
      }
      return picked;
    }
    const va = this.symbolizer.resolve(name, module);
    if (va === undefined) throw new CallError(`no symbol ${target} in ${this.modules.map((m) => m.name).join(', ') || '(no modules loaded)'}`);
    return va;
  }

  /** Where a mapped address lies (module, symbol, section, VMA). */
  locate(va: VirtAddr): Location {
    return locate({ space: this.space, symbolizer: this.symbolizer, runtimeSymbol: (x) => this.runtimeSymbol(x) }, va);
  }

  /** Names of picemu's own code in the runtime page. */
  runtimeSymbol(va: VirtAddr): string | undefined {
    if (va === this.trampoline) return 'return trampoline';
    const stub = va - this.tlsGetAddr;
    if (stub >= 0 && stub < TLS_GET_ADDR_TABLE) return stub === 0 ? '__tls_get_addr' : `__tls_get_addr+0x${stub.toString(16)}`;
    return undefined;
  }

  // ---- guest memory for arguments ----------------------------------------------------------------

  /** Copies bytes into the process's scratch memory (8-byte aligned) and returns their mapped address. */
  place(bytes: Uint8Array): VirtAddr {
    const need = Math.ceil(Math.max(bytes.length, 1) / 16) * 16;
    if (!this.scratch || this.scratch.used + need > this.scratch.size) {
      const size = Math.max(SCRATCH_SIZE, Math.ceil(need / PAGE_SIZE) * PAGE_SIZE);
      this.scratch = { start: this.space.mmap({ length: size, prot: PROT_READ | PROT_WRITE, anonymous: true }), used: 0, size };
    }
    const va = this.scratch.start + this.scratch.used;
    this.space.write(va, bytes);
    this.scratch.used += need;
    return va;
  }

  /** A NUL-terminated UTF-8 copy of `text` in guest memory. */
  placeString(text: string): VirtAddr {
    const encoded = new TextEncoder().encode(text);
    const bytes = new Uint8Array(encoded.length + 1);
    bytes.set(encoded);
    return this.place(bytes);
  }

  /** The NUL-terminated string at va (peek: no fault, no COW); null when unreadable. */
  readCString(va: VirtAddr, max = 1 << 20): string | null {
    const chunks: Uint8Array[] = [];
    let at = va;
    for (let total = 0; total < max; ) {
      const chunk = this.space.peek(at, PAGE_SIZE - (at % PAGE_SIZE));
      if (!chunk) return null;
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        chunks.push(chunk.subarray(0, nul));
        break;
      }
      chunks.push(chunk);
      total += chunk.length;
      at += chunk.length;
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private placeArg(a: CallArgument): PlacedArg {
    if (typeof a === 'bigint') return { kind: 'int', value: a };
    if (typeof a === 'number') return Number.isInteger(a) ? { kind: 'int', value: BigInt(a) } : { kind: 'f64', value: a };
    if (typeof a === 'string') return { kind: 'int', value: BigInt(this.placeString(a)) };
    if (a instanceof Uint8Array) return { kind: 'int', value: BigInt(this.place(a)) };
    if ('kind' in a) {
      switch (a.kind) {
        case 'int': return { kind: 'int', value: a.value };
        case 'f64': return { kind: 'f64', value: a.value };
        case 'str': return { kind: 'int', value: BigInt(this.placeString(a.text)) };
        case 'hex': return { kind: 'int', value: BigInt(this.place(a.bytes)) };
      }
    }
    return { kind: 'f64', value: a.f64 };
  }

  // ---- calls -------------------------------------------------------------------------------------

  /** Sets up a System V call of `target` (not yet executed): registers, stack, return trampoline. */
  startCall(target: string | VirtAddr, args: readonly CallArgument[] = [], options: { ret?: ReturnKind; internal?: boolean } = {}): ActiveCall {
    const entry = this.resolve(target);
    const placed = args.map((a) => this.placeArg(a));
    const layout = layoutArguments(placed);
    const cpu = this.cpu;
    // Below a stopped call's frames (and its red zone) when there is one.
    const top = this.activeCall ? Math.min(this.stackTop, cpu.gprNumber(4) - 128) : this.stackTop;
    cpu.r64.fill(0n);
    cpu.xmm64.fill(0n);
    cpu.rflags = 0x202;
    cpu.mxcsr = 0x1f80;
    cpu.fsBase = this.threadPointer;
    for (const [r, v] of layout.registers) cpu.r64[r] = v;
    for (const [x, v] of layout.vectors) cpu.setReg(`xmm${x}`, f64BitsOf(v));
    cpu.r64[0] = BigInt(layout.vectorCount); // al: vector registers used (variadic callees read it)
    const rsp = entryStackPointer(top, layout.stack.length);
    this.space.writeU64(rsp, BigInt(this.trampoline));
    layout.stack.forEach((v, k) => this.space.writeU64(rsp + 8 + 8 * k, v));
    cpu.setReg('rsp', rsp);
    cpu.rip = entry;
    const name = typeof target === 'string' ? target : this.locate(target).symbol ?? `0x${target.toString(16)}`;
    this.active = new ActiveCall(this, entry, name, options.ret ?? 'int', options.internal ? -1 : this.calls++, rsp);
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
    const { event, outcome } = recordStep({ engine: this.cpu, space: this.space, cow: this.memory, symbolizer: this.symbolizer, runtimeSymbol: (va) => this.runtimeSymbol(va), pid: this.pid, call: call.index, index: call.executed });
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
    if (options.trace) return this.runTraced(call, options, breakpoints, budget, deadline);
    if (breakpoints.size > 0) {
      const events: StepEvent[] = [];
      for (let n = 0; ; n++) {
        if (n > 0 && breakpoints.has(this.cpu.rip)) return { kind: 'breakpoint', rip: this.cpu.rip, events };
        if (n >= budget) return { kind: 'budget', events };
        if ((n & 1023) === 1023 && Date.now() > deadline) return { kind: 'timeout', events };
        const stop = this.afterRun(call, this.cpu.step(), events);
        if (stop) return stop;
      }
    }
    // Runs until the trampoline; a system call picemu performs ends one cpu.run and the loop resumes after it.
    let left = budget;
    for (;;) {
      const outcome = this.cpu.run({ until: this.trampoline, maxInstructions: left, deadlineMs: deadline === Infinity ? undefined : Math.max(0, deadline - Date.now()) });
      left -= outcome.executed;
      const stop = this.afterRun(call, outcome, []);
      if (stop) return stop;
      if (outcome.kind === 'budget' || left <= 0) return { kind: 'budget', events: [] };
    }
  }

  /** run() with a trace: the recorder runs the engine (many steps per engine run on picemu's CPU) into one log. */
  private runTraced(call: ActiveCall, options: RunUntilOptions, breakpoints: ReadonlySet<number>, budget: number, deadline: number): CallStop {
    const recorder = new TraceRecorder(
      { engine: this.cpu, space: this.space, cow: this.memory, symbolizer: this.symbolizer, runtimeSymbol: (va) => this.runtimeSymbol(va), pid: this.pid, call: call.index },
      { ...(options.filter ? { filter: options.filter } : {}), ...(options.onStep ? { onStep: options.onStep } : {}), breakpoints },
    );
    // The events of this run: what the recording kept, also added to the call's events (as views over the log).
    const done = (stop: CallStop): CallStop => {
      const kept = recorder.kept();
      appendSteps(call.events, kept);
      const out = { ...stop, events: lazyEvents([kept]) };
      if (call.finished === stop) call.finished = out;
      return out;
    };
    let left = budget;
    for (;;) {
      if (left <= 0) return done({ kind: 'budget', events: [] });
      const outcome = recorder.run({ until: this.trampoline, maxInstructions: left, deadlineMs: deadline === Infinity ? undefined : Math.max(0, deadline - Date.now()) }, call.executed);
      left -= outcome.executed;
      if (recorder.hitBreakpoint) {
        call.executed += outcome.executed;
        return done({ kind: 'breakpoint', rip: this.cpu.rip, events: [] });
      }
      const stop = this.afterRun(call, outcome, []);
      if (stop) return done(stop);
      if (outcome.kind === 'budget') return done({ kind: 'budget', events: [] });
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
    if (!resume) call.finishFrame = this.cpu.gprNumber(4);
    const frame = call.finishFrame!;
    const breakpoints = new Set(options.breakpoints ?? []);
    const budget = options.budget ?? DEFAULT_BUDGET;
    const deadline = options.deadlineMs !== undefined ? Date.now() + options.deadlineMs : Infinity;
    const events: StepEvent[] = [];
    for (let n = 0; ; n++) {
      if ((n > 0 || resume) && breakpoints.has(this.cpu.rip)) return this.endFinish(call, { kind: 'breakpoint', rip: this.cpu.rip, events });
      if (n >= budget) return { kind: 'budget', events };
      if ((n & 1023) === 1023 && Date.now() > deadline) return { kind: 'timeout', events };
      const isRet = isReturnInstruction(this.space.peek(this.cpu.rip, 4) ?? this.space.peek(this.cpu.rip, 1));
      let stop: CallStop | undefined;
      if (options.trace) {
        const r = this.recordOne(!options.onStep);
        if (options.onStep) options.onStep(r.event);
        else events.push(r.event);
        stop = r.stop;
      } else {
        stop = this.afterRun(call, this.cpu.step(), events);
      }
      if (stop) return this.endFinish(call, { ...stop, events });
      if (isRet && this.cpu.gprNumber(4) > frame) return this.endFinish(call, { kind: 'finished', rip: this.cpu.rip, events });
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
    const rip = this.cpu.rip;
    const found = scanReturnAddresses({
      rsp: this.cpu.gprNumber(4),
      limit: call.entryRsp,
      peek: (va, n) => this.space.peek(va, n),
      isModuleCode: (va) => {
        const loc = this.locate(va);
        return loc.module !== undefined && (loc.vma?.perms.includes('x') ?? false);
      },
    });
    return [{ pc: rip, location: this.locate(rip) }, ...found.map((f) => ({ pc: f.pc, slot: f.slot, location: this.locate(f.pc) }))];
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
    const saved = { r64: this.cpu.r64.slice(), xmm64: this.cpu.xmm64.slice(), rip: this.cpu.rip, rflags: this.cpu.rflags, mxcsr: this.cpu.mxcsr, fsBase: this.cpu.fsBase };
    try {
      return this.callOutermost(target, args, options);
    } finally {
      this.cpu.r64.set(saved.r64);
      this.cpu.xmm64.set(saved.xmm64);
      this.cpu.rip = saved.rip;
      this.cpu.rflags = saved.rflags;
      this.cpu.mxcsr = saved.mxcsr;
      this.cpu.fsBase = saved.fsBase;
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
        const where = this.locate(this.cpu.rip);
        this.active = undefined;
        throw new CallLimitError(stop.kind, call.executed, where, `${call.name}: ${stop.kind === 'budget' ? `instruction budget of ${budget} ran out` : `deadline of ${deadlineMs} ms passed`} at ${describeLocation(where, this.cpu.rip)}`);
      }
      case 'breakpoint': case 'finished': throw new CallError(`unexpected ${stop.kind}`);
    }
  }

  private requireActive(): ActiveCall {
    const call = this.activeCall;
    if (!call) throw new CallError(`process ${this.pid} has no call in progress (startCall first)`);
    return call;
  }

  /** Interprets a CPU outcome for the active call; returns the stop when the call is over (or a limit hit). */
  private afterRun(call: ActiveCall, outcome: RunOutcome, events: StepEvent[]): CallStop | undefined {
    call.executed += outcome.executed;
    if (this.cpu.rip === this.trampoline && outcome.kind !== 'fault') {
      const result = decodeResult(call.ret, this.cpu.r64[0]!, this.cpu.xmm64[0]!, (va) => this.readCString(va));
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
        const nr = Number(this.cpu.r64[0]!);
        const after = this.machine.kernel.syscallNow(this.task);
        if (after.kind === 'continue') return undefined;
        const where = this.locate(outcome.address);
        if (after.kind === 'blocked') return (call.finished = { kind: 'error', error: new CallError(`${call.name}: system call ${syscallName(nr)} at ${describeLocation(where, outcome.address)} would block forever (no other task can wake it)`), events });
        const why = after.kind === 'exited' ? `the process exited with status ${after.code}` : `the process was killed by signal ${after.signal}`;
        return (call.finished = { kind: 'error', error: new ProcessExitError(`${call.name}: ${why} in ${syscallName(nr)} at ${describeLocation(where, outcome.address)}`), events });
      }
    }
  }

  private faultError(call: ActiveCall, fault: GuestFault): CallError {
    const trap =
      this.traps.get(fault.rip) ??
      (fault.address !== undefined && fault.access === 'fetch' ? this.traps.get(fault.address) : undefined) ??
      // Traps are non-canonical: the CPU raises #GP at the call or jmp that would go there.
      (fault.branchTarget !== undefined ? this.traps.get(fault.branchTarget) : undefined);
    if (trap) {
      // A call that faulted is the caller itself; otherwise (a PLT jmp) the return address is on top of the stack.
      if (fault.branchTarget !== undefined && fault.instruction.startsWith('call')) return new UnresolvedSymbolError(trap.symbol, trap.neededBy, this.locate(fault.rip));
      const ret = this.space.peek(this.cpu.gprNumber(4), 8);
      const caller = ret ? this.locate(Number(new DataView(ret.buffer).getBigUint64(0, true))) : undefined;
      return new UnresolvedSymbolError(trap.symbol, trap.neededBy, caller);
    }
    const where = this.locate(fault.rip);
    const target = fault.address !== undefined && fault.address !== 0 ? this.locate(fault.address) : undefined;
    // The instruction in capstone's Intel syntax, as traces show it (int3 reports the address after itself).
    if (fault.kind !== 'breakpoint') {
      const bytes = this.space.peek(fault.rip, 15) ?? this.space.peek(fault.rip, 1);
      const text = bytes ? capstoneText(bytes, fault.rip) : undefined;
      if (text) fault.instruction = text;
    }
    const data = fault.address !== undefined ? ` ${fault.access ?? 'access'} at 0x${fault.address.toString(16)}${target?.module ? ` (${describeLocation(target, fault.address)})` : ''}` : '';
    return new CallFault(fault, where, target, `${call.name}: ${fault.kind}${data} (signal ${fault.signal}, code ${fault.code}) by \`${fault.instruction}\` at ${describeLocation(where, fault.rip)}`);
  }

  // ---- views -------------------------------------------------------------------------------------

  /** /proc/PID/maps */
  maps(): string {
    return this.space.maps();
  }

  smaps(): ReturnType<AddressSpace['smaps']> {
    return this.space.smaps();
  }

  [inspect.custom](): string {
    const mods = this.modules.map((m) => `${m.name}@0x${m.base.toString(16)}`).join(', ');
    return `Process ${this.pid} { modules: [${mods}], fs: 0x${this.threadPointer.toString(16)}, stack: 0x${this.stackBottom.toString(16)}-0x${this.stackTop.toString(16)}${this.activeCall ? `, in call ${this.activeCall.name} at rip 0x${this.cpu.rip.toString(16)}` : ''} }`;
  }
}

function f64BitsOf(v: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v, true);
  return view.getBigUint64(0, true);
}

function capstoneText(bytes: Uint8Array, va: VirtAddr): string | undefined {
  try {
    const text = instructionText(bytes, va);
    return text === '(bad)' ? undefined : text;
  } catch {
    return undefined; // capstone not loaded (a Machine made with `new`, not `create`)
  }
}

/** `ret`/`ret imm16` (c3, c2), after any legacy prefixes (`rep ret`, `bnd ret`, operand size). */
function isReturnInstruction(bytes: Uint8Array | null): boolean {
  if (!bytes) return false;
  let k = 0;
  while (k < bytes.length - 1 && (bytes[k] === 0xf2 || bytes[k] === 0xf3 || bytes[k] === 0x66)) k++;
  return bytes[k] === 0xc3 || bytes[k] === 0xc2;
}

function haltFault(address: number): GuestFault {
  // Linux: hlt in user mode is a general protection fault, SIGSEGV SI_KERNEL.
  const f = new GuestFault('privileged', undefined, undefined, 'hlt in user mode');
  f.rip = address;
  f.instruction = 'hlt';
  return f;
}

/** `libcounter.so:really_really_nonreentrant+0x4 (libcounter.so+0x1104)`, or the bare address. */
export function describeLocation(loc: Location, va: VirtAddr): string {
  if (loc.module === undefined) return `0x${va.toString(16)}${loc.vma?.name ? ` (${loc.vma.name})` : ''}`;
  return `${loc.symbol ? `${loc.symbol} ` : ''}(${loc.module}+0x${loc.offset!.toString(16)}${loc.section ? `, ${loc.section}` : ''})`;
}
