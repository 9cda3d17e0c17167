// Typed failures of guest calls and loads, each naming where in which module it happened.
import type { GuestFault } from '../cpu/faults.ts';
import type { Location } from '../trace/events.ts';

/** Any call that did not return normally. The process stays usable for the next call. */
export class CallError extends Error {
  override name = 'CallError';
}

/** The guest faulted: signal, faulting instruction and where it lies. */
export class CallFault extends CallError {
  override name = 'CallFault';
  /** si_addr as the kernel would report it: the data address for SIGSEGV/SIGBUS, the instruction for SIGILL/SIGFPE. */
  readonly siAddr: number;
  constructor(
    readonly fault: GuestFault,
    /** Where RIP was: module+offset, symbol+offset. */
    readonly where: Location,
    /** Where the faulting data address lies, when there is one. */
    readonly target: Location | undefined,
    message: string,
  ) {
    super(message);
    this.siAddr = fault.signal === 4 || fault.signal === 8 ? fault.rip : fault.address ?? 0;
  }
}

/** Execution reached the trap address the loader bound an undefined symbol to. */
export class UnresolvedSymbolError extends CallError {
  override name = 'UnresolvedSymbolError';
  constructor(
    readonly symbol: string,
    readonly neededBy: string,
    /** The call site (the return address pushed by the call into the trap), when known. */
    readonly caller: Location | undefined,
  ) {
    super(`unresolved symbol ${symbol} (needed by ${neededBy})${caller?.symbol ? `, called from ${caller.module}:${caller.symbol}` : ''}`);
  }
}

/** The instruction budget or the wall-clock deadline ran out before the call returned. */
export class CallLimitError extends CallError {
  override name = 'CallLimitError';
  constructor(
    readonly limit: 'budget' | 'timeout',
    readonly executed: number,
    readonly where: Location,
    message: string,
  ) {
    super(message);
  }
}

/** The guest made a system call picemu does not provide (no longer thrown: such calls get -ENOSYS, as the kernel answers). */
export class UnsupportedSyscallError extends CallError {
  override name = 'UnsupportedSyscallError';
}

/** The call ended the process (exit, exit_group) instead of returning. */
export class ProcessExitError extends CallError {
  override name = 'ProcessExitError';
}

/**
 * A DT_INIT / DT_INIT_ARRAY function (or an ifunc resolver) failed while loading: faulted, or ran past the
 * load's instruction budget or deadline (LoadOptions initBudget / initDeadlineMs; `limit` says which).
 */
export class InitializerError extends Error {
  override name = 'InitializerError';
  constructor(
    readonly module: string,
    /** The initializer's symbol (or address) text. */
    readonly initializer: string,
    readonly failure: CallError,
    /** The limit it hit ('budget': instructions, 'timeout': the deadline), when that is why it failed. */
    readonly limit?: 'budget' | 'timeout',
    /** The limit described, with its value and the load option that sets it. */
    limitText?: string,
  ) {
    super(limitText
      ? `initializer ${initializer} of ${module} did not return within its ${limitText}: ${failure.message}`
      : `initializer ${initializer} of ${module} failed: ${failure.message}`);
  }
}
