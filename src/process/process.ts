// A Process: an address space, a CPU, a growing [stack], a thread pointer (TCB + static TLS), its kernel task
// and the modules loaded into it. Calls (call-runner.ts), argument memory (argument-memory.ts), modules and
// symbols (modules.ts) and fault reports (fault-report.ts) live in their own files; this file ties them together.
import { inspect } from 'node:util';
import type { ProcessEngine } from './engines/engine.ts';
import { AddressSpace } from '../mm/address-space.ts';
import { INITIAL_STACK_SIZE, processLayout, randomBytesFrom, splitmix64, STACK_RLIMIT } from '../mm/layout.ts';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, type VirtAddr } from '../mm/types.ts';
import type { Location, StepEvent } from '../trace/events.ts';
import { Symbolizer } from '../trace/symbolize.ts';
import type { ReturnKind } from './call-args.ts';
import type { StackFrame } from './backtrace.ts';
import { CowWatch } from './cow-watch.ts';
import { CallError } from './errors.ts';
import type { Machine } from './machine.ts';
import type { Task } from '../kernel/task.ts';
import { cloneTask } from '../kernel/lifecycle.ts';
import { SIGCHLD } from '../kernel/signals/constants.ts';
import { errnoName, strerror } from '../kernel/errno.ts';
import type { LoadOptions, LoadResult } from './load.ts';
import type { Linker } from '../loader/index.ts';
import { locate } from './step-recorder.ts';
import { StaticTlsLayout, TCB_POINTER_GUARD, TCB_SELF, TCB_SELF2, TCB_SIZE, TCB_STACK_GUARD, TLS_GET_ADDR_CODE, TLS_GET_ADDR_TABLE } from './tls.ts';
import { ArgumentMemory } from './argument-memory.ts';
import { CallRunner } from './call-runner.ts';
import type { ActiveCall, CallArgument, CallOptions, CallOutcome, CallStop, FinishOptions, RunUntilOptions } from './call-types.ts';
import { installModuleTls, resolveSymbol, type ProcessModule } from './modules.ts';
import { execUntilEntry, hostEnvironment } from './exec-start.ts';
import { syncModules, type GuestLinkState } from './guest-dlopen.ts';
import { elfOf, rDebugAddress } from './link-map.ts';

export { ActiveCall, DEFAULT_BUDGET, DEFAULT_DEADLINE_MS, type CallArgument, type CallOptions, type CallOutcome, type CallStop, type FinishOptions, type RunUntilOptions } from './call-types.ts';
export { describeLocation } from './fault-report.ts';
export type { ProcessModule } from './modules.ts';

const STATIC_TLS_SIZE = 0x10000;
/** How picemu's own code page shows in maps and traces (an anonymous mapping, named as [stack] is). */
export const RUNTIME_NAME = '[picemu]';
const RUNTIME_TRAMPOLINE = 0x0;
const HEAP_START = 0x555555559000;
const RUNTIME_TLS_GET_ADDR = 0x40;

export class Process {
  space: AddressSpace;
  memory: CowWatch;
  /** What executes this process's instructions (picemu's CPU or unicorn-engine: Machine's `engine` option). */
  cpu: ProcessEngine;
  readonly symbolizer: Symbolizer;
  /** Modules in load order. */
  readonly modules: ProcessModule[] = [];
  /** [stack]: mapped address range. */
  stackTop: VirtAddr;
  stackBottom: VirtAddr;
  /** The thread pointer (fs base): the TCB's address. */
  threadPointer: VirtAddr;
  readonly tls: StaticTlsLayout;
  /** A page of picemu's own code: the return trampoline and __tls_get_addr. */
  readonly runtimePage: VirtAddr;
  /** Undefined-symbol trap addresses the loader handed out → who needs what. */
  readonly traps = new Map<VirtAddr, { symbol: string; neededBy: string }>();
  /** The kernel's side of this process: its system calls run against this task (files, brk, ids). */
  readonly task: Task;
  private readonly random: () => bigint;
  /** picemu's dynamic linker state of this address space (created on the first load of a self-contained library). */
  linker: Linker | undefined;
  /** The paths given to load, in order (what a reopen on the real ld.so opens again). */
  readonly libraries: string[] = [];
  /** The pid this process was forked from, if it was. */
  readonly forkedFrom: number | undefined;
  /** Set once the process runs on the real ld.so (an exec'ed program; libraries opened with the guest's dlopen). */
  guest: GuestLinkState | undefined;
  /** Guest memory for call arguments (strings and buffers passed by pointer). */
  argumentMemory: ArgumentMemory;
  /** The calls of this process (the one in progress, counts). */
  private readonly calls: CallRunner;
  /** ifunc resolver address → the implementation it picked (dlsym runs a resolver once per lookup; picemu caches). */
  private readonly ifuncs = new Map<VirtAddr, VirtAddr>();

  constructor(
    readonly machine: Machine,
    readonly pid: number,
    layoutSeed: bigint,
    /** fork: the parent, and the kernel task cloneTask made for the child (see fork()). */
    forkOf?: { parent: Process; task: Task },
  ) {
    if (forkOf) {
      const parent = forkOf.parent;
      this.forkedFrom = parent.pid;
      this.libraries.push(...parent.libraries);
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
      if (parent.guest) {
        const { vdsoCopies, ...guest } = parent.guest;
        this.guest = { ...guest, handles: new Map(guest.handles), symbols: new Map(guest.symbols), ...(vdsoCopies ? { vdsoCopies: vdsoCopies.inSpace(this.space) } : {}) };
      }
      const random = machine.randomWords(pid, 2);
      this.random = splitmix64(random[1]! ^ random[0]!);
      this.argumentMemory = new ArgumentMemory(this.space, parent.guest ? RUNTIME_NAME : undefined);
      this.calls = new CallRunner(this);
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
    this.argumentMemory = new ArgumentMemory(this.space);
    this.calls = new CallRunner(this);
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

  /** The return address every call starts with; reaching it ends the call (the exec'ed program's entry, once there is one). */
  get trampoline(): VirtAddr {
    return this.guest ? this.guest.entry : this.runtimePage + RUNTIME_TRAMPOLINE;
  }

  /**
   * Turns this new process into an exec'ed HOST_PROGRAM stopped at its entry, every initializer run by the real
   * ld.so (exec-start.ts): its address space, CPU and stack are the program's from now on. Only before any
   * library is loaded; Process.load does it for the first library that needs libc. Its layout is randomized per
   * pid from the machine's seed, as the process's own layout is (different bases per process, fixed for a seed).
   */
  /** Forgets the libraries picemu's loader mapped (before a reopen on the real ld.so replaces the address space). */
  forgetLoaderModules(): void {
    this.modules.length = 0;
    this.traps.clear();
    this.ifuncs.clear();
    this.linker = undefined;
  }

  enterHostProgram(env: readonly string[] = hostEnvironment()): { guest: GuestLinkState; modules: ProcessModule[] } {
    if (this.guest) return { guest: this.guest, modules: [] };
    if (this.modules.length > 0 || this.activeCall) throw new CallError(`process ${this.pid} already holds libraries mapped by picemu's loader: a library that needs libc must be loaded first`);
    const old = this.cpu;
    const { start, cpu } = execUntilEntry(this.task, () => this.machine.engineFactory({ memory: (this.memory = new CowWatch(this.task.space)), space: (this.space = this.task.space), profile: this.machine.cpu }), env, splitmix64(this.machine.layoutSeed(this.pid) ^ 0xe8ecn));
    old.dispose();
    this.cpu = cpu;
    this.argumentMemory = new ArgumentMemory(this.space, RUNTIME_NAME);
    this.argumentMemory.reserve();
    // Calls run below the program's argc/argv/envp/auxv (libc keeps pointers to them), on its [stack].
    this.stackTop = Math.floor((start.entryRsp - 256) / 16) * 16;
    this.stackBottom = this.stackTop - STACK_RLIMIT;
    this.threadPointer = cpu.fsBase;
    const interpreter = elfOf(this.task.mm.exe).interp ?? '';
    this.guest = { entry: start.entry, rDebug: rDebugAddress(start.interpreterBase, interpreter), handles: new Map(), symbols: new Map(), startInstructions: start.executed, ...(start.vdsoCopies ? { vdsoCopies: start.vdsoCopies } : {}) };
    return { guest: this.guest, modules: syncModules(this, this.guest) };
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
    installModuleTls(this, module, moduleId, tpOffset, image);
  }

  /**
   * Mapped address of a symbol, or a number passed through. A plain name is looked up in the global scope as
   * dlsym does (an ifunc symbol: its resolver is run and the function it picks is returned); `module:name`, or a
   * name only `.symtab` has (a local such as `i.0`), is looked up in the modules' symbol tables.
   */
  resolve(target: string | VirtAddr): VirtAddr {
    return typeof target === 'number' ? target : resolveSymbol(this, target, this.ifuncs);
  }

  /** Where a mapped address lies (module, symbol, section, VMA). */
  locate(va: VirtAddr): Location {
    return locate({ space: this.space, symbolizer: this.symbolizer, runtimeSymbol: (x) => this.runtimeSymbol(x) }, va);
  }

  /** Names of picemu's own code in the runtime page. */
  runtimeSymbol(va: VirtAddr): string | undefined {
    if (va === this.trampoline) return 'return trampoline';
    if (this.guest) return undefined; // the runtime page went with the address space exec replaced
    const stub = va - this.tlsGetAddr;
    if (stub >= 0 && stub < TLS_GET_ADDR_TABLE) return stub === 0 ? '__tls_get_addr' : `__tls_get_addr+0x${stub.toString(16)}`;
    return undefined;
  }

  // ---- guest memory for arguments (argument-memory.ts) ----------------------------------------------

  /** Copies bytes into the process's scratch memory (16-byte aligned) and returns their mapped address. */
  place(bytes: Uint8Array): VirtAddr {
    return this.argumentMemory.place(bytes);
  }

  /** A NUL-terminated UTF-8 copy of `text` in guest memory. */
  placeString(text: string): VirtAddr {
    return this.argumentMemory.placeString(text);
  }

  /** The NUL-terminated string at va (peek: no fault, no COW); null when unreadable. */
  readCString(va: VirtAddr, max = 1 << 20): string | null {
    return this.argumentMemory.readCString(va, max);
  }

  // ---- calls (call-runner.ts) ------------------------------------------------------------------------

  /** Sets up a System V call of `target` (not yet executed): registers, stack, return trampoline. */
  startCall(target: string | VirtAddr, args: readonly CallArgument[] = [], options: { ret?: ReturnKind; internal?: boolean } = {}): ActiveCall {
    return this.calls.startCall(target, args, options);
  }

  /** The call in progress, if any. */
  get activeCall(): ActiveCall | undefined {
    return this.calls.activeCall;
  }

  /** Calls (started with call or startCall, not picemu's internal ones) that have returned, in this process. */
  get completedCalls(): number {
    return this.calls.completedCalls;
  }

  /** Executes one instruction of the active call and returns its event (and the stop, when this ended the call). */
  step(): { event: StepEvent; stop?: CallStop } {
    return this.calls.step();
  }

  /** Runs the active call until it returns, faults, hits a breakpoint, or a limit. */
  run(options: RunUntilOptions = {}): CallStop {
    return this.calls.run(options);
  }

  /** Runs the active call until the function current now returns to its caller (see CallRunner.finish). */
  finish(options: FinishOptions = {}): CallStop {
    return this.calls.finish(options);
  }

  /** Frames of the active call, innermost first (a heuristic scan of the stack: see CallRunner.backtrace). */
  backtrace(): StackFrame[] {
    return this.calls.backtrace();
  }

  /**
   * Calls `target` with the System V convention and returns its result; throws a CallError (the process stays
   * usable). Bounded by default: 200 million instructions and 30 s of wall-clock time (`budget`, `deadlineMs`),
   * either ending the call with a CallLimitError ('budget' or 'timeout').
   */
  call(target: string | VirtAddr, args: readonly CallArgument[] = [], options: CallOptions = {}): CallOutcome {
    return this.calls.call(target, args, options);
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
