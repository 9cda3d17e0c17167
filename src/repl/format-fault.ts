// One line for a guest fault: signal and si_code by name and number, the faulting address and the
// instruction's address, each with module+symbol+offset.
import type { Location } from '../trace/events.ts';
import { addressText } from './format-location.ts';
import type { Palette } from './palette.ts';

const SIGNAL_NAMES: Record<number, string> = { 4: 'SIGILL', 5: 'SIGTRAP', 7: 'SIGBUS', 8: 'SIGFPE', 11: 'SIGSEGV' };

// si_code names depend on the signal (the same number means different things).
const CODE_NAMES: Record<number, Record<number, string>> = {
  4: { 1: 'ILL_ILLOPC', 2: 'ILL_ILLOPN', 3: 'ILL_ILLADR', 4: 'ILL_ILLTRP', 5: 'ILL_PRVOPC', 0x80: 'SI_KERNEL' },
  5: { 1: 'TRAP_BRKPT', 2: 'TRAP_TRACE', 0x80: 'SI_KERNEL' },
  7: { 1: 'BUS_ADRALN', 2: 'BUS_ADRERR', 3: 'BUS_OBJERR', 0x80: 'SI_KERNEL' },
  8: { 1: 'FPE_INTDIV', 2: 'FPE_INTOVF', 3: 'FPE_FLTDIV', 4: 'FPE_FLTOVF', 5: 'FPE_FLTUND', 6: 'FPE_FLTRES', 7: 'FPE_FLTINV', 0x80: 'SI_KERNEL' },
  11: { 1: 'SEGV_MAPERR', 2: 'SEGV_ACCERR', 0x80: 'SI_KERNEL' },
};

export function signalName(signal: number): string {
  return SIGNAL_NAMES[signal] ?? `signal ${signal}`;
}

export function codeName(signal: number, code: number): string {
  return CODE_NAMES[signal]?.[code] ?? String(code);
}

/** What the REPL needs of a GuestFault (cpu/faults.ts). */
export interface FaultFacts {
  kind: string;
  signal: number;
  code: number;
  rip: number;
  address?: number;
  access?: string;
  instruction: string;
}

/** e.g. `SIGSEGV (SEGV_ACCERR, code 2): write at 0x… libdemo.so+0x1740 <write_own_code>; rip 0x… … : mov byte ptr …` */
export function formatFault(f: FaultFacts, locate: (va: number) => Location, pal: Palette): string {
  const sig = `${signalName(f.signal)} (${codeName(f.signal, f.code)}, si_code ${f.code})`;
  const what = f.access ? `${f.kind} ${f.access}` : f.kind;
  const addr = f.address !== undefined ? ` at ${addressText(f.address, locate(f.address), pal)}` : '';
  const insn = f.instruction ? `: ${f.instruction}` : '';
  return `${pal.error('fault')}: ${sig}: ${what}${addr}; rip ${addressText(f.rip, locate(f.rip), pal)}${insn}`;
}
