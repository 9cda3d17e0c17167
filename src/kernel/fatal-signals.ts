// A fault's signal with no handler to run: the default action (terminate, with a core for SIGSEGV, SIGBUS,
// SIGILL, SIGFPE, SIGTRAP). Signal frames and guest handlers take over here when a handler is installed.
import type { GuestFault } from '../cpu/index.ts';
import { describeAddress } from './describe.ts';
import { instructionText } from '../trace/disassemble.ts';
import type { Task } from './task.ts';

/** The parts of a fault that decide its signal (a GuestFault has them all). */
export interface FaultSignal {
  signal: number;
  code: number;
  address?: number;
  rip: number;
  instruction: string;
  kind: string;
  message?: string;
}

/** Signals whose default action dumps core (SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGXCPU, SIGXFSZ, SIGSYS). */
const CORE = new Set([3, 4, 5, 6, 7, 8, 11, 24, 25, 31]);

/** The instruction at `rip` in capstone's Intel syntax, as traces show it; undefined when capstone is not loaded. */
function capstoneText(task: Task, rip: number): string | undefined {
  const bytes = task.space.peek(rip, 15) ?? task.space.peek(rip, 1);
  if (!bytes) return undefined;
  try {
    const text = instructionText(bytes, rip);
    return text === '(bad)' ? undefined : text;
  } catch {
    return undefined; // capstone's wasm not loaded (ensureDisassembler)
  }
}

export function deliverFault(task: Task, fault: GuestFault | FaultSignal): void {
  // Named now: the address space goes away with the process.
  const where = { address: fault.address, rip: fault.rip, instruction: capstoneText(task, fault.rip) ?? fault.instruction, kind: fault.kind, where: describeAddress(task, fault.rip) };
  task.kernel.exitGroup(task.group, { kind: 'signaled', signal: fault.signal, coreDumped: CORE.has(fault.signal), fault: where });
}
