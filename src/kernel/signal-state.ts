// Signal state slots of a task: the handler table a thread group shares (sighand_struct) and each thread's
// blocked mask and pending queue. Delivery (frames, handlers, default actions) is signals' business; exec and
// fork only copy or reset these.

/** SIG_DFL / SIG_IGN as handler values. */
export const SIG_DFL = 0n;
export const SIG_IGN = 1n;
export const NSIG = 64;

/** One rt_sigaction entry, as the kernel keeps it (struct k_sigaction). */
export interface SigAction {
  handler: bigint;
  flags: bigint;
  restorer: bigint;
  /** sa_mask: signals blocked while the handler runs (bit n-1 for signal n). */
  mask: bigint;
}

/** A queued signal (the parts of siginfo_t a frame needs). */
export interface PendingSignal {
  signo: number;
  code: number;
  /** si_addr for faults, si_pid/si_uid for kill. */
  addr?: number;
  pid?: number;
  uid?: number;
}

/** The handler table of a thread group (shared by CLONE_SIGHAND threads; exec resets caught handlers to SIG_DFL). */
export class SignalHandlers {
  readonly actions: SigAction[] = Array.from({ length: NSIG + 1 }, () => ({ handler: SIG_DFL, flags: 0n, restorer: 0n, mask: 0n }));

  clone(): SignalHandlers {
    const copy = new SignalHandlers();
    this.actions.forEach((a, k) => (copy.actions[k] = { ...a }));
    return copy;
  }

  /** What execve does: caught signals go back to SIG_DFL, ignored ones stay ignored. */
  resetForExec(): void {
    for (const a of this.actions) if (a.handler !== SIG_IGN) Object.assign(a, { handler: SIG_DFL, flags: 0n, restorer: 0n, mask: 0n });
  }
}

/** Per-thread signal state. */
export class SignalState {
  /** Blocked mask (bit n-1 for signal n). */
  blocked = 0n;
  readonly pending: PendingSignal[] = [];
  /** sigaltstack: sas_ss_sp, sas_ss_size, sas_ss_flags (a process starts with all 0, as init's are; a size of 0 is "disabled"). */
  altStack = { sp: 0n, size: 0n, flags: 0 };

  clone(): SignalState {
    const copy = new SignalState();
    copy.blocked = this.blocked;
    copy.altStack = { ...this.altStack };
    return copy;
  }
}
