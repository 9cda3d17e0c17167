// A program the REPL exec'ed (`exec PROGRAM [ARG...]`), and the processes it forks: stepped and run through the
// kernel's scheduler by gdbserver's ProgramControl (signals stop it as gdb's do), its symbols read from the ELF
// files it maps, its maps/smaps from its own /proc, its output collected and shown after each command.
import { basename } from 'node:path';
import { describeAddress, type Spawned, type Task } from '../index.ts';
import type { Location, StepEvent } from '../trace/events.ts';
import { disassembleSync } from '../trace/disassemble.ts';
import { elfOfFile } from '../trace/mapped-elf.ts';
import type { ProgramProcess, ProgramStop } from '../gdbserver/program.ts';
import type { RegisterValue, RunOutcome, RunSlice, SmapsRow, StepResult } from './backend.ts';

const REGISTERS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'rflags', 'fs_base'];
const MAX_INSN = 15;
const PAGE = 4096;
// STT_OBJECT, STT_FUNC, STT_GNU_IFUNC: what a user would type after b/x.
const NAMED_TYPES = new Set([1, 2, 10]);
const ET_DYN = 3;

/** gdb's words for a signal stop (`Program received signal SIGSEGV, Segmentation fault.`). */
const SIGNAL_TEXT: Record<number, string> = {
  1: 'SIGHUP, Hangup', 2: 'SIGINT, Interrupt', 3: 'SIGQUIT, Quit', 4: 'SIGILL, Illegal instruction', 5: 'SIGTRAP, Trace/breakpoint trap',
  6: 'SIGABRT, Aborted', 7: 'SIGBUS, Bus error', 8: 'SIGFPE, Arithmetic exception', 9: 'SIGKILL, Killed', 10: 'SIGUSR1, User defined signal 1',
  11: 'SIGSEGV, Segmentation fault', 12: 'SIGUSR2, User defined signal 2', 13: 'SIGPIPE, Broken pipe', 14: 'SIGALRM, Alarm clock',
  15: 'SIGTERM, Terminated', 17: 'SIGCHLD, Child status changed',
};
const signalText = (sig: number): string => SIGNAL_TEXT[sig] ?? `signal ${sig}`;

export class ExecedProcess {
  /** Instructions stepped (the `#N` of each step). */
  private stepped = 0;
  /** A signal whose delivery stopped the process: the next step or continue passes it on, as gdb's `pass`. */
  private signal: number | undefined;
  /** gdb's lines for events a run went on past (a fork's child detached, an exec), shown after the command. */
  private notes: string[] = [];

  constructor(readonly program: ProgramProcess) {}

  takeNotes(): string[] {
    return this.notes.splice(0);
  }

  get pid(): number {
    return this.program.pid;
  }

  private get task(): Task {
    return this.program.task;
  }

  get live(): boolean {
    return this.task.group.exit === undefined;
  }

  /** The program's name (its exe's basename). */
  get name(): string {
    return basename(this.program.exe);
  }

  registers(): RegisterValue[] {
    return REGISTERS.map((name) => ({ name, value: this.program.cpu.reg(name) }));
  }

  /** The mapped file and symbol at `va`, from the ELF file mapped there (as describeAddress names it). */
  locate(va: number): Location {
    const vma = this.task.space.vmaAt(va);
    const text = describeAddress(this.task, va);
    const m = /^([^:+]+):(.+)$/.exec(text) ?? /^([^:+]+)\+(0x[0-9a-f]+)$/.exec(text);
    if (!m || !vma?.file) return {};
    return { module: m[1]!, ...(m[2]!.startsWith('0x') ? {} : { symbol: m[2]! }) };
  }

  /** Named symbols of every ELF file the process maps, at their mapped addresses. */
  symbols(): { name: string; va: number }[] {
    const out: { name: string; va: number }[] = [];
    const seen = new Set<string>();
    for (const vma of this.task.space.mappings()) {
      const file = vma.file && !vma.file.inode.anonymous ? vma.file : undefined;
      if (!file || vma.pgoff !== 0 || seen.has(file.identity.path)) continue;
      seen.add(file.identity.path);
      const elf = elfOfFile(file.inode);
      const first = elf?.loads[0];
      if (!elf || !first) continue;
      const base = elf.header.type === ET_DYN ? vma.start - (first.vaddr - (first.vaddr % PAGE)) : 0;
      for (const s of [...(elf.symtab ?? []), ...elf.dynamicSymbols]) {
        if (s.defined && s.name && NAMED_TYPES.has(s.type) && s.shndx < 0xff00) out.push({ name: s.name, va: base + s.value });
      }
    }
    return out;
  }

  resolve(name: string): number | undefined {
    return this.symbols().find((s) => s.name === name)?.va;
  }

  /** One instruction, as si shows it: the instruction, the registers it changed (memory accesses are not recorded). */
  step(): StepResult {
    if (!this.live) return { ended: this.endText(), live: false };
    const cpu = this.program.cpu;
    const rip = cpu.rip;
    const before = this.registers();
    const bytes = this.task.space.peek(rip, MAX_INSN) ?? this.task.space.peek(rip, PAGE - (rip % PAGE)) ?? new Uint8Array();
    const insn = disassembleSync(bytes, rip, 1)[0];
    const signal = this.takeSignal();
    const stop = this.program.step(signal);
    if (stop.kind === 'stopped' && stop.handler) return { ended: `${signalText(signal!).split(',')[0]} delivered: at its handler`, live: true };
    const after = this.registers();
    const event: StepEvent = {
      pid: this.pid, call: 0, index: this.stepped++, rip, ...this.locate(rip),
      frame: this.task.space.frameAt(rip)?.frame ?? 0,
      bytes: bytes.subarray(0, insn?.size ?? 1), asm: insn?.text ?? '(bad)',
      registers: before.map((r, k) => ({ name: r.name, before: r.value, after: after[k]!.value })).filter((r) => r.name !== 'rip'),
      accesses: [],
    };
    const ended = this.stopText(stop);
    return ended ? { event, ...ended } : { event };
  }

  /**
   * Runs until a breakpoint, a signal, the process's end, or the slice's budget. As gdb without catchpoints, a run
   * goes on past a fork (the child runs on its own, as with detach-on-fork), a vfork's end and an exec.
   */
  run(slice: RunSlice): RunOutcome {
    if (!this.live) return { kind: 'ended', message: this.endText(), live: false };
    const rip = this.program.cpu.rip;
    if (slice.resumed && slice.breakpoints.has(rip)) return { kind: 'breakpoint', rip };
    const kernel = this.program.kernel;
    const start = kernel.executed;
    let stop = this.program.continue(slice.breakpoints, slice.budget, this.takeSignal());
    while (stop.kind === 'fork' || stop.kind === 'vfork' || stop.kind === 'vforkdone' || stop.kind === 'exec') {
      if (stop.kind === 'fork' || stop.kind === 'vfork') this.notes.push(`[Detaching after ${stop.kind} from child p${stop.child}]`);
      if (stop.kind === 'exec') this.notes.push(`p${stop.pid} is executing new program: ${stop.path}`);
      const left = slice.budget - (kernel.executed - start);
      if (left <= 0) return { kind: 'budget', rip: this.program.cpu.rip };
      stop = this.program.continue(slice.breakpoints, left);
    }
    if (stop.kind === 'budget') return { kind: 'budget', rip: this.program.cpu.rip };
    if (stop.kind === 'stopped' && stop.breakpoint) return { kind: 'breakpoint', rip: this.program.cpu.rip };
    const ended = this.stopText(stop);
    return ended ? { kind: 'ended', message: ended.ended, live: ended.live } : { kind: 'budget', rip: this.program.cpu.rip };
  }

  private takeSignal(): number | undefined {
    const s = this.signal;
    this.signal = undefined;
    return s;
  }

  /** What a stop other than a step or breakpoint says, as gdb says it. */
  private stopText(stop: ProgramStop): { ended: string; live: boolean } | undefined {
    switch (stop.kind) {
      case 'signal':
        this.signal = stop.signal;
        return { ended: `Program received signal ${signalText(stop.signal)}.`, live: true };
      case 'exited': case 'signaled':
        return { ended: this.endText(), live: false };
      case 'fork': case 'vfork':
        return { ended: `p${stop.pid} ${stop.kind}ed p${stop.child}`, live: true };
      case 'exec':
        return { ended: `p${stop.pid} is executing new program: ${stop.path}`, live: true };
      default:
        return undefined;
    }
  }

  private endText(): string {
    const exit = this.task.group.exit;
    if (!exit) return `p${this.pid} is running`;
    return exit.kind === 'exited'
      ? `[p${this.pid} exited ${exit.code === 0 ? 'normally' : `with code ${exit.code.toString(8).padStart(2, '0')}`}]`
      : `[p${this.pid} terminated with signal ${signalText(exit.signal)}.]`;
  }

  /** A file of its own /proc (maps, smaps), as the process reads it. */
  private procText(name: string): string {
    const f = this.task.kernel.vfs.open(this.task, `/proc/${this.pid}/${name}`, 0, 0);
    if (typeof f === 'number') throw new Error(`cannot read /proc/${this.pid}/${name}`);
    const parts: Uint8Array[] = [];
    try {
      for (;;) {
        const r = f.read(65536);
        if (!(r instanceof Uint8Array) || r.length === 0) break;
        parts.push(r);
      }
    } finally {
      f.release();
    }
    return Buffer.concat(parts).toString();
  }

  maps(): string {
    return this.procText('maps');
  }

  /** Each VMA's figures from its own /proc/PID/smaps (kB there, bytes here). */
  smaps(): SmapsRow[] {
    const rows: SmapsRow[] = [];
    const field = (lines: string[], name: string) => 1024 * Number(/(\d+) kB/.exec(lines.find((l) => l.startsWith(name + ':')) ?? '')?.[1] ?? 0);
    let header: string | undefined;
    let lines: string[] = [];
    const flush = () => {
      if (header === undefined) return;
      rows.push({
        header,
        figures: {
          size: field(lines, 'Size'), rss: field(lines, 'Rss'), pss: field(lines, 'Pss'), sharedClean: field(lines, 'Shared_Clean'), sharedDirty: field(lines, 'Shared_Dirty'),
          privateClean: field(lines, 'Private_Clean'), privateDirty: field(lines, 'Private_Dirty'), anonymous: field(lines, 'Anonymous'),
        },
      });
    };
    for (const line of this.procText('smaps').split('\n')) {
      if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) {
        flush();
        header = line;
        lines = [];
      } else lines.push(line);
    }
    flush();
    return rows;
  }
}

/** A program's output, collected in buffers its processes share, shown once each (stdout, then stderr). */
export class ProgramOutput {
  private shown = { out: 0, err: 0 };

  constructor(private readonly io: Pick<Spawned, 'stdout' | 'stderr'>) {}

  take(): string {
    const out = this.io.stdout?.bytes ?? new Uint8Array();
    const err = this.io.stderr?.bytes ?? new Uint8Array();
    const text = Buffer.from(out.subarray(this.shown.out)).toString() + Buffer.from(err.subarray(this.shown.err)).toString();
    this.shown = { out: out.length, err: err.length };
    return text;
  }
}
