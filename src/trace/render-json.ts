// SPEC.md's JSON form of a trace: strings for addresses and values (0x hex), numbers for sizes and frames.
import type { MemoryAccess, StepEvent, VmaInfo } from './events.ts';

const hex = (v: number | bigint): string => '0x' + v.toString(16);

export interface JsonAccess {
  kind: 'read' | 'write';
  va: string;
  size: number;
  value: string;
  ripRelative: boolean;
  module: string | null;
  offset: string | null;
  symbol: string | null;
  section: string | null;
  relocation?: string;
  vma: string | null;
  frame: number;
  shared: boolean;
  cow: { from: number; to: number } | null;
}

export interface JsonStep {
  call: number;
  rip: string;
  module: string | null;
  offset: string | null;
  symbol: string | null;
  bytes: string;
  asm: string;
  registers: Record<string, string>;
  accesses: JsonAccess[];
}

/** A VMA as its /proc/PID/maps line starts: `start-end perms name`. */
export function vmaText(vma: VmaInfo): string {
  return `${vma.start.toString(16)}-${vma.end.toString(16)} ${vma.perms}${vma.name ? ' ' + vma.name : ''}`;
}

export function bytesHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

export function accessToJson(a: MemoryAccess): JsonAccess {
  const out: JsonAccess = {
    kind: a.kind,
    va: hex(a.va),
    size: a.size,
    value: hex(a.value),
    ripRelative: a.ripRelative,
    module: a.module ?? null,
    offset: a.offset === undefined ? null : hex(a.offset),
    symbol: a.symbol ?? null,
    section: a.section ?? null,
    vma: a.vma ? vmaText(a.vma) : null,
    frame: a.frame,
    shared: a.shared,
    cow: a.cow ? { from: a.cow.from, to: a.cow.to } : null,
  };
  if (a.relocation) out.relocation = a.relocation;
  return out;
}

export function stepToJson(e: StepEvent): JsonStep {
  const registers: Record<string, string> = {};
  for (const r of e.registers) registers[r.name] = hex(r.after);
  return {
    call: e.call,
    rip: hex(e.rip),
    module: e.module ?? null,
    offset: e.offset === undefined ? null : hex(e.offset),
    symbol: e.symbol ?? null,
    bytes: bytesHex(e.bytes),
    asm: e.asm,
    registers,
    accesses: e.accesses.map(accessToJson),
  };
}

export function traceToJson(events: readonly StepEvent[]): JsonStep[] {
  return events.map(stepToJson);
}
