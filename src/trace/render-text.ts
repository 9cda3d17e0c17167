// The stable text form of a trace: every address relative to its module's base, so the same run prints the
// same text whatever the load bases (snapshots), with the facts SPEC.md asks for on each access.
import type { Location, MemoryAccess, StepEvent } from './events.ts';
import { bytesHex } from './render-json.ts';

export interface TextOptions {
  /** Show physical frame numbers (they depend on allocation order, not on randomization). Default true. */
  frames?: boolean;
  /** Show register values after the instruction (absolute: rsp and pointers depend on bases). Default false: names only. */
  registerValues?: boolean;
  /** Show the instruction bytes. Default true. */
  bytes?: boolean;
}

const hex = (v: number | bigint): string => '0x' + v.toString(16);

/** `libcounter.so+0x4010`, or the mapped address when it is in no module. */
export function placeText(loc: Location, va?: number): string {
  if (loc.module !== undefined && loc.offset !== undefined) return `${loc.module}+${hex(loc.offset)}`;
  if (loc.vma?.name) return va === undefined ? loc.vma.name : `${loc.vma.name}+${hex(va - loc.vma.start)}`;
  return va === undefined ? '?' : hex(va);
}

/** The instruction text with a direct branch target shown relative to its module. */
export function stableAsm(e: StepEvent): string {
  if (!e.target || e.target.module === undefined) return e.asm;
  const literal = hex(e.target.va);
  const where = e.target.symbol ? `${e.target.symbol} <${placeText(e.target)}>` : `<${placeText(e.target)}>`;
  return e.asm.includes(literal) ? e.asm.replace(literal, where) : e.asm;
}

export function accessText(a: MemoryAccess, options: TextOptions = {}): string {
  const frames = options.frames ?? true;
  // A stack address depends on where the stack is; show it against its VMA instead.
  const where = a.module !== undefined ? placeText(a) : a.vma?.name ? `${a.vma.name}` : 'anon';
  const named = [a.symbol, a.section ? `(${a.section})` : undefined].filter(Boolean).join(' ');
  const parts = [
    `${a.kind.padEnd(5)} ${a.size}B ${where}${named ? ' ' + named : ''}`,
    // A pointer value is shown by where it points, so the text does not depend on load bases.
    `${a.kind === 'read' ? '→' : '←'} ${a.pointsTo ? placeText(a.pointsTo, Number(a.value)) : hex(a.value)}`,
  ];
  if (a.ripRelative) parts.push('rip-relative');
  if (a.relocation) parts.push(`[${a.relocation}]`);
  const frame = frames ? `frame ${a.frame} ` : '';
  parts.push(`${frame}${a.shared ? 'shared' : 'private'}`);
  if (a.cow) parts.push(frames ? `COW break ${a.cow.from}→${a.cow.to}` : 'COW break');
  return parts.join('  ');
}

export function stepText(e: StepEvent, options: TextOptions = {}): string {
  const place = placeText(e, e.rip);
  const head = [`${place.padEnd(22)}`, (e.symbol ?? '').padEnd(34)];
  if (options.bytes ?? true) head.push(bytesHex(e.bytes).padEnd(20));
  head.push(stableAsm(e));
  const lines = [head.join(' ').trimEnd()];
  if (e.registers.length) {
    lines.push('    regs  ' + e.registers.map((r) => (options.registerValues ? `${r.name}=${hex(r.after)}` : r.name)).join(' '));
  }
  for (const a of e.accesses) lines.push('    ' + accessText(a, options));
  return lines.join('\n');
}

export function traceText(events: readonly StepEvent[], options: TextOptions = {}): string {
  return events.map((e) => stepText(e, options)).join('\n');
}
