// One emulation run the way uc_emu_start does it, over picemu's Cpu: start at `begin`, stop at an exit, after
// `count` instructions, at the timeout or on emu_stop, and turn the CPU's outcome into unicorn's error code.
import { Cpu, type RunOutcome } from '../cpu/cpu.ts';
import type { GuestFault } from '../cpu/faults.ts';
import type { CpuHooks } from '../cpu/memory-access.ts';
import type { GuestMemory } from '../mm/types.ts';
import { constants as uc } from './constants.ts';

/** picemu's own engine options (beyond unicorn's API): the CPU's compiler mode (CpuOptions.jit; tests force it on or off). */
export interface EngineOptions {
  jit?: 'auto' | 'always' | 'off';
}

export interface RunResult {
  code: number;
  timedOut: boolean;
}

/** unicorn's uc_err for a guest fault that ended a run. */
export function faultCode(f: GuestFault): number {
  switch (f.kind) {
    case 'unmapped':
      return f.access === 'write' ? uc.ERR_WRITE_UNMAPPED : f.access === 'fetch' ? uc.ERR_FETCH_UNMAPPED : uc.ERR_READ_UNMAPPED;
    case 'protection':
      return f.access === 'write' ? uc.ERR_WRITE_PROT : f.access === 'fetch' ? uc.ERR_FETCH_PROT : uc.ERR_READ_PROT;
    case 'invalid-opcode':
    case 'unimplemented':
      return uc.ERR_INSN_INVALID;
    default:
      // #DE, #GP, int3/int N with no interrupt hook, ...: QEMU raises a CPU exception nobody handles.
      return uc.ERR_EXCEPTION;
  }
}

export class Engine {
  readonly state: Cpu;
  /** The timeout (microseconds) of the last emu_start, for ctl_get_timeout. */
  lastTimeout = 0;
  /** The fault that ended the last run, if any (picemu's detail behind unicorn's error code). */
  lastFault: GuestFault | null = null;
  private userHooks: CpuHooks = {};
  /** Where the current run stops: unicorn ends a translated block there, so block sizes stop there too. */
  exits: number[] = [];
  private running = false;

  constructor(memory: GuestMemory, bits: 64 | 32, options: EngineOptions = {}) {
    this.state = new Cpu(memory, { bitness: bits, jit: options.jit });
    // unicorn's reset EFLAGS is 0x2 (only the reserved bit).
    this.state.rflags = 0x2;
  }

  setHooks(hooks: CpuHooks): void {
    this.userHooks = hooks;
    this.state.setHooks(hooks);
  }

  stop(): void {
    if (this.running) this.state.requestStop();
  }

  invalidateCode(address: number, length: number): void {
    if (length >= Number.MAX_SAFE_INTEGER) this.state.flushCode();
    else this.state.invalidateCode(address, length);
  }

  run(begin: number, exits: number[], timeoutUs: number, count: number): RunResult {
    const cpu = this.state;
    this.lastTimeout = timeoutUs;
    this.exits = exits;
    this.lastFault = null;
    cpu.rip = begin;
    // Several exits (ctl_set_exits) are watched by a code hook; one is the CPU's own `until`.
    const exitSet = exits.length > 1 ? new Set(exits) : null;
    if (exitSet) {
      const user = this.userHooks;
      const atExit = (address: number): boolean => {
        if (!exitSet.has(address)) return false;
        cpu.requestStop();
        return true;
      };
      cpu.setHooks({
        ...user,
        // (A block hook only when the user has one: the code hook sees every exit, and without a block hook compiled code can run.)
        block: user.block
          ? (address, size) => {
              if (!atExit(address)) user.block!(address, size);
            }
          : undefined,
        code: (address, size) => {
          if (!atExit(address)) user.code?.(address, size);
        },
        // (The exits join the user's code ranges: compiled code calls the code hook there too.)
        codeRanges: user.code && !user.codeRanges ? undefined : [...(user.codeRanges ?? []), ...exits.map((x) => [x, x] as const)],
      });
    }
    this.running = true;
    let outcome: RunOutcome;
    const deadline = timeoutUs > 0 ? Date.now() + timeoutUs / 1000 : Infinity;
    let executed = 0;
    try {
      for (;;) {
        outcome = cpu.run({
          until: exits.length === 1 ? exits[0] : undefined,
          maxInstructions: count > 0 ? count - executed : undefined,
          deadlineMs: deadline === Infinity ? undefined : Math.max(0, deadline - Date.now()),
        });
        // A syscall nobody hooks is a no-op to unicorn: carry on after it.
        if (outcome.kind !== 'syscall') break;
        executed += outcome.executed;
        if (count > 0 && executed >= count) break;
      }
    } finally {
      this.running = false;
      if (exitSet) cpu.setHooks(this.userHooks);
    }
    switch (outcome.kind) {
      case 'until':
      case 'budget':
      case 'stopped':
      case 'halt':
      case 'syscall':
        return { code: uc.ERR_OK, timedOut: false };
      case 'timeout':
        return { code: uc.ERR_OK, timedOut: true };
      case 'fault': {
        const f = outcome.fault;
        // The CPU's hooked loop fetches the next block before checking `until` and the budget: a fetch fault
        // at an exit, or after `count` instructions, is where unicorn would simply have stopped.
        if (f.access === 'fetch' && (exits.includes(cpu.rip) || (count > 0 && executed + outcome.executed >= count))) {
          return { code: uc.ERR_OK, timedOut: false };
        }
        this.lastFault = f;
        // With an interrupt hook, unicorn delivers #DE as interrupt 0 and then, having no IDT to deliver it
        // through, a double fault (8), after which the run ends without error; RIP stays at the division.
        if (f.kind === 'divide-error' && this.userHooks.interrupt) {
          this.userHooks.interrupt(0);
          this.userHooks.interrupt(8);
          return { code: uc.ERR_OK, timedOut: false };
        }
        // An unhooked `int N` (CD ib) leaves RIP after it in unicorn, as int3 does.
        if ((f as GuestFault & { intno?: number }).intno !== undefined) cpu.rip = f.rip + 2;
        return { code: faultCode(f), timedOut: false };
      }
    }
  }
}

export function createEngine(memory: GuestMemory, bits: 64 | 32, options: EngineOptions = {}): Engine {
  return new Engine(memory, bits, options);
}
