// The REPL's backend over picemu's Machine and Process (src/process): translates each request into the
// public API and its results into what the formatters print. No emulation logic of its own.
import { realpathSync } from 'node:fs';
import { CallFault, Machine, scanReturnAddresses, Strace, strerror, type ProfileName, type ActiveCall, type CallArg, type CallError, type CallStop, type EngineName, type Frame, type Process } from '../index.ts';
import { GDB_REGISTERS } from '../gdbserver/registers.ts';
import type { LibraryFacts, RegisterFacts } from './format-info.ts';
import type { Pid, ProcessSummary, RegisterValue, ReplBackend, RunOutcome, RunSlice, SmapsRow, StepResult } from './backend.ts';
import type { FaultFacts } from './format-fault.ts';
import type { PageRowFacts } from './format-pages.ts';
import { ExecedProcess, ProgramOutput } from './exec-process.ts';
import { ProgramProcess } from '../gdbserver/program.ts';
import { findProgram } from '../process/find-program.ts';

const REGISTERS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'rflags', 'fs_base'];

/** gdb's numbers of the signals its default `handle` table passes without stopping (ALRM URG CHLD IO VTALRM PROF WINCH). */
const GDB_NOSTOP_SIGNALS = new Set([14, 16, 20, 23, 26, 27, 28]);

// STT_OBJECT, STT_FUNC, STT_GNU_IFUNC: what a user would type after call/b/x.
const NAMED_TYPES = new Set([1, 2, 10]);

function faultFacts(f: CallFault['fault']): FaultFacts {
  return { kind: f.kind, signal: f.signal, code: f.code, rip: f.rip, address: f.address, access: f.access, instruction: f.instruction };
}

export class MachineBackend implements ReplBackend {
  private readonly loadedPaths: string[] = [];
  /** The last call started in each process (after it ends: for the faulting frame). */
  private readonly lastCall = new Map<Pid, ActiveCall>();

  /** Exec'ed programs' processes (forked ones join on first sight), and the programs' output. */
  private readonly execed = new Map<Pid, ExecedProcess>();
  private readonly outputs: ProgramOutput[] = [];
  private readonly started = new Set<Pid>();

  /**
   * `resolveLibrary`: what the user typed for `load` → the file to load, or an error whose message is the one line to
   * show (the CLI passes its own, so `load ./notes.txt` says what is wrong with the file, as `picemu run` does).
   */
  constructor(
    readonly machine: Machine,
    private readonly resolveLibrary: (name: string) => string = (name) => name,
  ) {}

  private proc(pid: Pid): Process {
    const p = this.machine.process(pid);
    if (!p) throw new Error(`no process ${pid}`);
    return p;
  }

  /** The exec'ed process `pid`, if it is one. */
  private ex(pid: Pid): ExecedProcess | undefined {
    const first = this.execed.values().next().value;
    if (first && !this.execed.has(pid)) {
      for (const [k, p] of first.program.control.processes) if (!this.execed.has(k)) this.execed.set(k, new ExecedProcess(p));
    }
    return this.execed.get(pid);
  }

  /** The registers' owner: an exec'ed process's CPU or a library process's engine (both answer reg()). */
  private cpuOf(pid: Pid): ExecedProcess['program']['cpu'] | Process['cpu'] {
    return this.ex(pid)?.program.cpu ?? this.proc(pid).cpu;
  }

  pids(): Pid[] {
    this.ex(0); // picks up processes the programs forked
    return [...this.machine.processes.map((p) => p.pid), ...this.execed.keys()].sort((a, b) => a - b);
  }

  exec(argv: string[]): Pid {
    const path = findProgram(argv[0]!, process.env.PATH);
    const env = Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined).map(([k, v]) => `${k}=${v}`);
    const started = path === undefined ? -2 : this.machine.exec(path, { argv, env, stdio: {} });
    if (typeof started === 'number') throw new Error(`cannot execute ${argv[0]}: ${strerror(-started)}`);
    this.outputs.push(new ProgramOutput(started));
    const p = new ExecedProcess(new ProgramProcess(this.machine.kernel, started.task));
    this.execed.set(p.pid, p);
    // Stops are for the programs the user exec'ed; what they fork runs on its own (gdb's detach-on-fork).
    this.started.add(p.pid);
    p.program.control.debugged = (pid) => this.started.has(pid);
    p.program.passSignals = GDB_NOSTOP_SIGNALS;
    return p.pid;
  }

  strace(out: ((line: string) => void) | undefined): void {
    this.machine.kernel.tracer = out ? new Strace(out) : undefined;
  }

  takeOutput(): string {
    const notes = [...this.execed.values()].flatMap((e) => e.takeNotes()).map((n) => n + '\n');
    return this.outputs.map((o) => o.take()).join('') + notes.join('');
  }

  spawn(): Pid {
    const p = this.machine.spawn();
    for (const lib of this.loadedPaths) p.load(lib);
    return p.pid;
  }

  fork(pid: Pid): Pid {
    if (this.ex(pid)) throw new Error(`p${pid} runs a program: it forks by itself (fork works on library processes)`);
    return this.proc(pid).fork().pid;
  }

  load(typed: string): string {
    const path = this.resolveLibrary(typed);
    let name = '';
    for (const p of this.machine.processes) name = p.load(path).module.name;
    this.loadedPaths.push(path);
    return name;
  }

  modules(): string[] {
    const names: string[] = [];
    for (const p of this.machine.processes) for (const m of p.modules) if (!names.includes(m.name)) names.push(m.name);
    return names;
  }

  describe(pid: Pid): ProcessSummary {
    const e = this.ex(pid);
    if (e) return { pid, calls: 0, ...(e.live ? { call: { symbol: e.name, rip: e.program.cpu.rip } } : {}) };
    const p = this.proc(pid);
    const call = p.activeCall;
    return { pid, calls: p.completedCalls, ...(call ? { call: { symbol: call.name, rip: p.cpu.rip } } : {}) };
  }

  locate(pid: Pid, va: number) {
    return this.ex(pid)?.locate(va) ?? this.proc(pid).locate(va);
  }

  resolve(pid: Pid, name: string): number | undefined {
    const e = this.ex(pid);
    if (e) return e.resolve(name);
    try {
      return this.proc(pid).resolve(name);
    } catch {
      return undefined;
    }
  }

  symbols(pid: Pid): { name: string; va: number }[] {
    const e = this.ex(pid);
    if (e) return e.symbols();
    const out: { name: string; va: number }[] = [];
    for (const m of this.proc(pid).modules) {
      for (const s of [...(m.elf.symtab ?? []), ...m.elf.dynamicSymbols]) {
        if (s.defined && s.name && NAMED_TYPES.has(s.type) && s.shndx < 0xff00) out.push({ name: s.name, va: m.base + s.value });
      }
    }
    return out;
  }

  startCall(pid: Pid, symbol: string, args: CallArg[]): void {
    if (this.ex(pid)) throw new Error(`p${pid} runs a program: calls are made in library processes`);
    this.lastCall.set(pid, this.proc(pid).startCall(symbol, args));
  }

  inCall(pid: Pid): boolean {
    const e = this.ex(pid);
    if (e) return e.live;
    return this.proc(pid).activeCall !== undefined;
  }

  private ended(pid: Pid, stop: CallStop): RunOutcome {
    const p = this.proc(pid);
    switch (stop.kind) {
      case 'returned':
        return { kind: 'returned', rax: p.cpu.reg('rax') };
      case 'breakpoint':
        return { kind: 'breakpoint', rip: stop.rip };
      case 'finished':
        return { kind: 'finished', rip: stop.rip };
      case 'budget':
      case 'timeout':
        return { kind: 'budget', rip: p.cpu.rip };
      case 'error':
        return errorOutcome(stop.error);
    }
  }

  step(pid: Pid): StepResult {
    const e = this.ex(pid);
    if (e) return e.step();
    const { event, stop } = this.proc(pid).step();
    if (!stop) return { event };
    const o = this.ended(pid, stop);
    if (o.kind === 'returned') return { event, returned: o.rax };
    if (o.kind === 'fault') return { fault: o.fault };
    if (o.kind === 'error') return { error: o.message };
    return { event };
  }

  run(pid: Pid, slice: RunSlice): RunOutcome {
    const e = this.ex(pid);
    if (e) return e.run(slice);
    const p = this.proc(pid);
    // Process.run never stops at the rip it starts from; a resumed slice may start on a breakpoint.
    if (slice.resumed && slice.breakpoints.has(p.cpu.rip)) return { kind: 'breakpoint', rip: p.cpu.rip };
    const stop = p.run({ breakpoints: slice.breakpoints, budget: slice.budget, trace: slice.onStep !== undefined });
    if (slice.onStep) for (const ev of stop.events) slice.onStep(ev);
    return this.ended(pid, stop);
  }

  finish(pid: Pid, slice: RunSlice): RunOutcome {
    if (this.ex(pid)) throw new Error(`p${pid} runs a program: finish works in library calls (use b and c)`);
    const p = this.proc(pid);
    const stop = p.finish({ breakpoints: slice.breakpoints, budget: slice.budget, trace: slice.onStep !== undefined, resume: slice.resumed });
    if (slice.onStep) for (const ev of stop.events) slice.onStep(ev);
    return this.ended(pid, stop);
  }

  registers(pid: Pid): RegisterValue[] {
    const cpu = this.cpuOf(pid);
    return REGISTERS.map((name) => ({ name, value: cpu.reg(name) }));
  }

  register(pid: Pid, name: string): bigint | undefined {
    const cpu = this.cpuOf(pid);
    if (name === 'eflags') name = 'rflags';
    try {
      return cpu.reg(name);
    } catch {
      const gdb = GDB_REGISTERS.find((r) => r.name === name);
      return gdb ? gdb.read(cpu) : undefined;
    }
  }

  registerFile(pid: Pid): RegisterFacts[] {
    const cpu = this.cpuOf(pid);
    return GDB_REGISTERS.filter((r) => r.name !== 'orig_rax').map((r) => ({
      name: r.name,
      value: BigInt.asUintN(r.bits, r.read(cpu)),
      bits: r.bits,
      group: r.feature === 'segments' ? 'system' : r.feature === 'core' ? (r.group === 'float' || r.bits === 80 ? 'float' : 'general') : 'vector',
    }));
  }

  sharedLibraries(pid: Pid): LibraryFacts[] {
    if (this.ex(pid)) return []; // the program's libraries are ld.so's, not picemu's modules
    return this.proc(pid).modules.map((m) => {
      const text = m.elf.sections.find((s) => s.name === '.text');
      let path = m.path;
      try { path = realpathSync(m.path); } catch { /* keep it as given */ }
      return {
        path,
        ...(text ? { from: m.base + text.addr, to: m.base + text.addr + text.size } : {}),
        symbols: m.elf.symtab !== undefined && m.elf.symtab.length > 0,
      };
    });
  }

  faulted(pid: Pid): { fault: FaultFacts; frames: Frame[] } | undefined {
    if (this.ex(pid)) return undefined;
    const p = this.proc(pid);
    const call = this.lastCall.get(pid);
    const end = call?.finished;
    if (p.activeCall || !call || end?.kind !== 'error' || !(end.error instanceof CallFault)) return undefined;
    const rip = p.cpu.rip;
    const found = scanReturnAddresses({
      rsp: p.cpu.gprNumber(4),
      limit: call.entryRsp,
      peek: (va, n) => p.space.peek(va, n),
      isModuleCode: (va) => {
        const loc = p.locate(va);
        return loc.module !== undefined && (loc.vma?.perms.includes('x') ?? false);
      },
    });
    return {
      fault: faultFacts(end.error.fault),
      frames: [{ pc: rip, location: p.locate(rip) }, ...found.map((f) => ({ pc: f.pc, slot: f.slot, location: p.locate(f.pc) }))],
    };
  }

  rip(pid: Pid): number {
    return this.cpuOf(pid).rip;
  }

  peek(pid: Pid, va: number, length: number): Uint8Array | null {
    return (this.ex(pid)?.program.space ?? this.proc(pid).space).peek(va, length);
  }

  backtrace(pid: Pid): Frame[] {
    const e = this.ex(pid);
    if (e) return [{ pc: e.program.cpu.rip, location: e.locate(e.program.cpu.rip) }];
    return this.proc(pid).backtrace();
  }

  maps(pid: Pid): string {
    return this.ex(pid)?.maps() ?? this.proc(pid).maps();
  }

  smaps(pid: Pid): SmapsRow[] {
    const e = this.ex(pid);
    if (e) return e.smaps();
    return this.proc(pid).smaps().map((e) => ({ header: e.header, figures: e.figures }));
  }

  pages(module?: string): PageRowFacts[] {
    const rows = this.machine.pageTable();
    return module === undefined ? rows : rows.filter((r) => r.module === module);
  }
}

function errorOutcome(error: CallError): RunOutcome {
  if (error instanceof CallFault) return { kind: 'fault', fault: faultFacts(error.fault) };
  return { kind: 'error', message: error.message };
}

/** A machine with `procs` processes, each with `libraries` loaded (in order), behind the REPL's interface. */
export async function createMachineBackend(libraries: readonly string[], procs: number, cpu?: ProfileName, engine?: EngineName, resolveLibrary?: (name: string) => string): Promise<MachineBackend> {
  const machine = await Machine.create({ cpu, engine });
  const backend = new MachineBackend(machine, resolveLibrary);
  for (let k = 0; k < procs; k++) machine.spawn();
  for (const lib of libraries) backend.load(lib);
  return backend;
}
