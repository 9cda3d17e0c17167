// Typed guest faults: what went wrong in the guest, with the signal and si_code Linux would deliver.
import type { AccessKind } from '../mm/types.ts';
import { addressHex } from './address.ts';

export type FaultKind =
  | 'unmapped' // SIGSEGV SEGV_MAPERR
  | 'protection' // SIGSEGV SEGV_ACCERR
  | 'beyond-eof' // SIGBUS BUS_ADRERR
  | 'invalid-opcode' // SIGILL ILL_ILLOPN (Linux reports #UD as ILL_ILLOPN)
  | 'unimplemented' // SIGILL ILL_ILLOPN: valid x86 that picemu does not execute (names itself)
  | 'divide-error' // SIGFPE FPE_INTDIV (division by zero and quotient overflow alike, as Linux reports #DE)
  | 'misaligned' // SIGSEGV SI_KERNEL (0x80), address 0: #GP from an aligned SSE access
  | 'general-protection' // SIGSEGV SI_KERNEL: e.g. a non-canonical address
  | 'stack-fault' // SIGBUS SI_KERNEL: #SS, a non-canonical address through RSP/RBP (the stack segment)
  | 'breakpoint' // SIGTRAP SI_KERNEL (int3)
  | 'debug-trap' // SIGTRAP TRAP_BRKPT (int1/icebp), address after it
  | 'privileged' // SIGSEGV SI_KERNEL (hlt, int N in user mode)
  | 'simd-exception' // SIGFPE: an unmasked MXCSR exception
  | 'x87-exception'; // SIGFPE (#MF): an unmasked x87 exception pending at the next x87 instruction or fwait

export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGBUS = 7;
export const SIGFPE = 8;
export const SIGSEGV = 11;

export const SEGV_MAPERR = 1;
export const SEGV_ACCERR = 2;
export const ILL_ILLOPC = 1;
export const ILL_ILLOPN = 2;
export const FPE_INTDIV = 1;
export const FPE_INTOVF = 2;
export const TRAP_BRKPT = 1;
export const BUS_ADRERR = 2;
export const SI_KERNEL = 0x80;

const SIGNAL: Record<FaultKind, [number, number]> = {
  unmapped: [SIGSEGV, SEGV_MAPERR],
  protection: [SIGSEGV, SEGV_ACCERR],
  'beyond-eof': [SIGBUS, BUS_ADRERR],
  'invalid-opcode': [SIGILL, ILL_ILLOPN],
  unimplemented: [SIGILL, ILL_ILLOPN],
  'divide-error': [SIGFPE, FPE_INTDIV],
  misaligned: [SIGSEGV, SI_KERNEL],
  'general-protection': [SIGSEGV, SI_KERNEL],
  'stack-fault': [SIGBUS, SI_KERNEL],
  'debug-trap': [SIGTRAP, TRAP_BRKPT],
  breakpoint: [SIGTRAP, SI_KERNEL], // the kernel's do_int3 sends SIGTRAP without a TRAP_* code (host_exec shows si_code 0x80)
  privileged: [SIGSEGV, SI_KERNEL],
  'simd-exception': [SIGFPE, 0],
  'x87-exception': [SIGFPE, 0],
};

/** A fault raised by guest code. RIP is the faulting instruction's address and no part of it was committed (int3/int1 excepted: RIP is after them, as the kernel reports). */
export class GuestFault extends Error {
  readonly signal: number;
  code: number;
  /** Address of the faulting instruction (after it, for int3). */
  rip = 0;
  /** Instruction text (Intel syntax), filled in by the CPU. */
  instruction = '';
  /** A #GP from a branch to a non-canonical address: that target (exact below 2^53), for embedders that place traps there. */
  branchTarget?: number;
  constructor(
    readonly kind: FaultKind,
    /** Faulting data/fetch address, when there is one. */
    readonly address?: number,
    readonly access?: AccessKind,
    detail?: string,
  ) {
    super(detail ?? kind);
    this.name = 'GuestFault';
    [this.signal, this.code] = SIGNAL[kind];
    if (kind === 'misaligned' || kind === 'general-protection' || kind === 'stack-fault' || kind === 'privileged') this.address = 0;
  }
  /** A readable one-liner: kind, access, address, where, what. */
  describe(): string {
    const at = this.address !== undefined ? ` ${this.access ?? ''} at ${addressHex(this.address)}` : '';
    return `${this.kind}${at} (signal ${this.signal}, code ${this.code}) by \`${this.instruction}\` at rip ${addressHex(this.rip)}: ${this.message}`;
  }
}

/** Raises a fault (handlers call this; the CPU fills in rip and the instruction text). */
export function fault(kind: FaultKind, address?: number, access?: AccessKind, detail?: string): never {
  throw new GuestFault(kind, address, access, detail);
}
