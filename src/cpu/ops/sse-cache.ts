// SSE/SSE2 cache and ordering hints: prefetch*, lfence/mfence/sfence (no effect in a sequentially
// consistent single-threaded emulator), clflush (faults like a load on an unmapped address), movnti (a store).
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import { effectiveAddress, getter, setter } from '../operands.ts';

const nothing = () => () => {};

function clflush(insn: Insn) {
  const ea = effectiveAddress(insn.mem!);
  return (c: Cpu) => {
    c.read8(ea(c));
  };
}

function movnti(insn: Insn) {
  const g = getter(insn, 1);
  const set = setter(insn, 0);
  return (c: Cpu) => set(c, g(c), c.hi);
}

const fenceCodes = (name: string, alt: string[]) => [name, ...alt.map((a) => `${name}_${a}`)];

export const handlers: HandlerDef[] = [
  // Prefetches never fault and touch nothing architectural.
  { codes: ['Prefetchnta_m8', 'Prefetcht0_m8', 'Prefetcht1_m8', 'Prefetcht2_m8'], build: nothing },
  { codes: [...fenceCodes('Lfence', ['E9', 'EA', 'EB', 'EC', 'ED', 'EE', 'EF']), ...fenceCodes('Mfence', ['F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7']), ...fenceCodes('Sfence', ['F9', 'FA', 'FB', 'FC', 'FD', 'FE', 'FF'])], build: nothing },
  { codes: ['Clflush_m8'], build: clflush },
  { codes: ['Movnti_m32_r32', 'Movnti_m64_r64'], build: movnti },
];
