// What the REPL asks of picemu's public API, per process, in one narrow interface: session.ts talks only to
// this, and machine-backend.ts implements it over process/'s Machine. Keeps parsing/printing apart from emulation.
import type { CallArg, Frame } from '../index.ts';
import type { Location, StepEvent } from '../trace/events.ts';
import type { FaultFacts } from './format-fault.ts';
import type { LibraryFacts, RegisterFacts } from './format-info.ts';
import type { PageRowFacts } from './format-pages.ts';

export type Pid = number;

/** How a run (`c`, `finish`) ended. */
export type RunOutcome =
  | { kind: 'returned'; rax: bigint }
  | { kind: 'breakpoint'; rip: number }
  | { kind: 'finished'; rip: number }
  | { kind: 'fault'; fault: FaultFacts }
  /** The call failed without a CPU fault (an unresolved symbol, an unsupported system call): one line. */
  | { kind: 'error'; message: string }
  /** This slice's instruction budget ran out; the call goes on (run it again with `resumed`). */
  | { kind: 'budget'; rip: number }
  /** Stopped by the user (Ctrl-C) between slices. */
  | { kind: 'interrupted'; rip: number }
  /** An exec'ed process stopped for a signal, fork or exec (`live`), or ended: gdb's line for it. */
  | { kind: 'ended'; message: string; live: boolean };

/** One slice of a `c` or `finish`: runs stop after `budget` instructions so the REPL can notice Ctrl-C. */
export interface RunSlice {
  breakpoints: ReadonlySet<number>;
  onStep?: (ev: StepEvent) => void;
  budget: number;
  /** A later slice of the same run: a breakpoint at the current rip counts (it was not just left). */
  resumed: boolean;
}

export type StepResult =
  | { event: StepEvent; returned?: bigint }
  | { fault: FaultFacts }
  | { error: string }
  /** An exec'ed process: the step ended in a signal stop, fork or exec (`live`), or the process's end. */
  | { ended: string; live: boolean; event?: StepEvent };

/** One VMA's smaps figures, in bytes. */
export interface SmapsRow {
  /** Its maps line. */
  header: string;
  figures: { size: number; rss: number; pss: number; sharedClean: number; sharedDirty: number; privateClean: number; privateDirty: number; anonymous: number };
}

export interface RegisterValue {
  name: string;
  value: bigint;
}

export interface ProcessSummary {
  pid: Pid;
  /** The call in progress, if any: its symbol and where it stands. */
  call?: { symbol: string; rip: number };
  /** Completed calls so far. */
  calls: number;
}

export interface ReplBackend {
  pids(): Pid[];
  /** A new process with the loaded libraries; its pid. */
  spawn(): Pid;
  /** Forks process `pid` (no call may be in progress); the child's pid. */
  fork(pid: Pid): Pid;
  /** Exec's a program (argv[0] found on PATH) in a new process, stopped at its first instruction; its pid. */
  exec(argv: string[]): Pid;
  /** Prints every system call of exec'ed processes through `out` as strace does (undefined: stop). */
  strace(out: ((line: string) => void) | undefined): void;
  /** What exec'ed programs wrote since the last call. */
  takeOutput(): string;
  /** Loads a library (and its dependencies) into every process; the module's name. */
  load(path: string): string;
  /** Names of loaded modules (in load order). */
  modules(): string[];
  describe(pid: Pid): ProcessSummary;

  locate(pid: Pid, va: number): Location;
  /** Mapped address of a symbol in the process, or undefined. */
  resolve(pid: Pid, name: string): number | undefined;
  /** Every named symbol of the loaded modules with its mapped address, for completion. */
  symbols(pid: Pid): { name: string; va: number }[];

  /** Starts a call: arguments placed, rip at the first instruction of `symbol`. Throws for an unknown symbol. */
  startCall(pid: Pid, symbol: string, args: CallArg[]): void;
  inCall(pid: Pid): boolean;
  /** Executes one instruction of the call in progress: its event, and rax when that instruction ended the call; or the fault it raised. */
  step(pid: Pid): StepResult;
  /** Runs until the call returns, a breakpoint address is about to execute (after at least one step), a fault, or the slice's budget. */
  run(pid: Pid, slice: RunSlice): RunOutcome;
  /** Runs until the function current at the first slice returns to its caller (or as `run` stops). */
  finish(pid: Pid, slice: RunSlice): RunOutcome;

  registers(pid: Pid): RegisterValue[];
  /** Any register the CPU answers to (eax, al, xmm0, mxcsr…); undefined for an unknown name. */
  register(pid: Pid, name: string): bigint | undefined;
  /** gdb's register file for `info registers`: general (eflags, selectors), x87, vector, system. */
  registerFile(pid: Pid): RegisterFacts[];
  /** Loaded modules as gdb's `info sharedlibrary` lists them. */
  sharedLibraries(pid: Pid): LibraryFacts[];
  /** When the last call of `pid` ended with a fault (and no call started since): the fault and its frames. */
  faulted(pid: Pid): { fault: FaultFacts; frames: Frame[] } | undefined;
  rip(pid: Pid): number;
  /** Debugger read: never faults or breaks COW; null where unmapped. */
  peek(pid: Pid, va: number, length: number): Uint8Array | null;
  /** The call's frames, innermost first: #0 at rip, then return addresses found on its stack (Process.backtrace). */
  backtrace(pid: Pid): Frame[];

  maps(pid: Pid): string;
  smaps(pid: Pid): SmapsRow[];
  /** The page/frame table across processes (frames in `pids()` order), optionally for one module. */
  pages(module?: string): PageRowFacts[];
}
