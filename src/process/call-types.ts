// The vocabulary of calls into a process: what a caller passes and gets back, the options of call/run/finish,
// why a started call stopped, and the record of a call in progress (ActiveCall).
import type { VirtAddr } from '../mm/types.ts';
import type { StepEvent } from '../trace/events.ts';
import type { TraceFilter } from '../trace/filter.ts';
import type { CallArg, CallResult, ReturnKind } from './call-args.ts';
import type { CallError } from './errors.ts';
import type { Process } from './process.ts';

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
  readonly events: StepEvent[] = [];
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
