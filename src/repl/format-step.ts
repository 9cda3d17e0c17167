// The context printed after each step, in the spirit of pwndbg: the instruction with module+symbol, the
// registers it changed, and each data access with its symbol, section, frame, shared/private and COW break.
import { hex } from '../util/numbers.ts';
import type { MemoryAccess, RegisterChange, StepEvent } from '../trace/events.ts';
import { addressText, whereText } from './format-location.ts';
import type { Palette } from './palette.ts';

function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** `rax 0x0 -> 0x1`, for every register the instruction changed. */
export function formatRegisterChanges(changes: readonly RegisterChange[], pal: Palette): string {
  return changes.map((r) => `${pal.changed(r.name)} ${hex(r.before)} -> ${hex(r.after)}`).join('  ');
}

export function formatAccess(a: MemoryAccess, pal: Palette): string {
  const kind = a.kind === 'write' ? pal.write('write') : 'read ';
  const where = whereText(a, pal);
  const facts = [
    a.section ? a.section : undefined,
    a.relocation,
    a.vma && a.module === undefined && !a.vma.name ? 'anonymous' : undefined,
    a.frame ? `frame ${a.frame}` : undefined,
    a.shared ? pal.shared('shared') : pal.private('private'),
    a.ripRelative ? 'rip-relative' : undefined,
  ].filter((f): f is string => f !== undefined);
  const cow = a.cow ? `  ${pal.write(`COW break: frame ${a.cow.from} -> ${a.cow.to}`)}` : '';
  return `${kind} ${a.size} @ ${pal.address(hex(a.va))}${where ? ' ' + where : ''} = ${hex(a.value)}  [${facts.join(', ')}]${cow}`;
}

/** The instruction text, with a direct branch's target named (`call 0x7f… <foo>`). */
export function asmText(ev: StepEvent, pal: Palette): string {
  const t = ev.target;
  const where = t ? whereText(t, pal) : '';
  return pal.mnemonic(ev.asm) + (where ? ` ${where}` : '');
}

/** One instruction and what it did, as several lines. */
export function formatStep(ev: StepEvent, pal: Palette): string {
  const head = `${pal.dim(`#${ev.index}`)} ${addressText(ev.rip, ev, pal)}  ${pal.dim(hexBytes(ev.bytes).padEnd(24))} ${asmText(ev, pal)}`;
  const lines = [head];
  const regs = ev.registers.filter((r) => r.before !== r.after);
  if (regs.length) lines.push(`    regs: ${formatRegisterChanges(regs, pal)}`);
  for (const a of ev.accesses) lines.push(`    ${formatAccess(a, pal)}`);
  return lines.join('\n');
}
