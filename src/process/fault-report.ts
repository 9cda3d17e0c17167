// What a fault in a call means to a person: an unresolved symbol's trap, or the fault with its instruction (as
// capstone prints it), the module+symbol where it happened and the address it touched.
import { GuestFault } from '../cpu/index.ts';
import type { VirtAddr } from '../mm/types.ts';
import { instructionText } from '../trace/disassemble.ts';
import type { Location } from '../trace/events.ts';
import { CallFault, UnresolvedSymbolError, type CallError } from './errors.ts';
import type { Process } from './process.ts';

/** The CallError for `fault` in the call named `callName` of `process`. */
export function faultError(process: Process, callName: string, fault: GuestFault): CallError {
  const trap =
    process.traps.get(fault.rip) ??
    (fault.address !== undefined && fault.access === 'fetch' ? process.traps.get(fault.address) : undefined) ??
    // Traps are non-canonical: the CPU raises #GP at the call or jmp that would go there.
    (fault.branchTarget !== undefined ? process.traps.get(fault.branchTarget) : undefined);
  if (trap) {
    // A call that faulted is the caller itself; otherwise (a PLT jmp) the return address is on top of the stack.
    if (fault.branchTarget !== undefined && fault.instruction.startsWith('call')) return new UnresolvedSymbolError(trap.symbol, trap.neededBy, process.locate(fault.rip));
    const ret = process.space.peek(process.cpu.gprNumber(4), 8);
    const caller = ret ? process.locate(Number(new DataView(ret.buffer).getBigUint64(0, true))) : undefined;
    return new UnresolvedSymbolError(trap.symbol, trap.neededBy, caller);
  }
  const where = process.locate(fault.rip);
  const target = fault.address !== undefined && fault.address !== 0 ? process.locate(fault.address) : undefined;
  // The instruction in capstone's Intel syntax, as traces show it (int3 reports the address after itself).
  if (fault.kind !== 'breakpoint') {
    const bytes = process.space.peek(fault.rip, 15) ?? process.space.peek(fault.rip, 1);
    const text = bytes ? capstoneText(bytes, fault.rip) : undefined;
    if (text) fault.instruction = text;
  }
  const data = fault.address !== undefined ? ` ${fault.access ?? 'access'} at 0x${fault.address.toString(16)}${target?.module ? ` (${describeLocation(target, fault.address)})` : ''}` : '';
  return new CallFault(fault, where, target, `${callName}: ${fault.kind}${data} (signal ${fault.signal}, code ${fault.code}) by \`${fault.instruction}\` at ${describeLocation(where, fault.rip)}`);
}

function capstoneText(bytes: Uint8Array, va: VirtAddr): string | undefined {
  try {
    const text = instructionText(bytes, va);
    return text === '(bad)' ? undefined : text;
  } catch {
    return undefined; // capstone not loaded (a Machine made with `new`, not `create`)
  }
}

export function haltFault(address: number): GuestFault {
  // Linux: hlt in user mode is a general protection fault, SIGSEGV SI_KERNEL.
  const f = new GuestFault('privileged', undefined, undefined, 'hlt in user mode');
  f.rip = address;
  f.instruction = 'hlt';
  return f;
}

/** `libcounter.so:really_really_nonreentrant+0x4 (libcounter.so+0x1104)`, or the bare address. */
export function describeLocation(loc: Location, va: VirtAddr): string {
  if (loc.module === undefined) return `0x${va.toString(16)}${loc.vma?.name ? ` (${loc.vma.name})` : ''}`;
  return `${loc.symbol ? `${loc.symbol} ` : ''}(${loc.module}+0x${loc.offset!.toString(16)}${loc.section ? `, ${loc.section}` : ''})`;
}
