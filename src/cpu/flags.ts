// Named condition predicates over the CPU's flag fields, indexed by iced's ConditionCode (jcc/setcc/cmovcc).
import { ConditionCode } from 'iced-x86';
import type { CpuState } from './state.ts';
import { PARITY } from './state.ts';

export type Condition = (c: CpuState) => boolean;

export const isOverflow: Condition = (c) => c.of !== 0;
export const isNotOverflow: Condition = (c) => c.of === 0;
export const isBelow: Condition = (c) => c.cf !== 0;
export const isAboveOrEqual: Condition = (c) => c.cf === 0;
export const isEqual: Condition = (c) => c.zr === 0;
export const isNotEqual: Condition = (c) => c.zr !== 0;
export const isBelowOrEqual: Condition = (c) => c.cf !== 0 || c.zr === 0;
export const isAbove: Condition = (c) => c.cf === 0 && c.zr !== 0;
export const isSign: Condition = (c) => c.sr < 0;
export const isNotSign: Condition = (c) => c.sr >= 0;
export const isParity: Condition = (c) => PARITY[c.pr & 0xff] !== 0;
export const isNotParity: Condition = (c) => PARITY[c.pr & 0xff] === 0;
export const isLess: Condition = (c) => c.sr < 0 !== (c.of !== 0);
export const isGreaterOrEqual: Condition = (c) => c.sr < 0 === (c.of !== 0);
export const isLessOrEqual: Condition = (c) => c.zr === 0 || c.sr < 0 !== (c.of !== 0);
export const isGreater: Condition = (c) => c.zr !== 0 && c.sr < 0 === (c.of !== 0);

export const CONDITIONS: ReadonlyMap<ConditionCode, Condition> = new Map([
  [ConditionCode.o, isOverflow],
  [ConditionCode.no, isNotOverflow],
  [ConditionCode.b, isBelow],
  [ConditionCode.ae, isAboveOrEqual],
  [ConditionCode.e, isEqual],
  [ConditionCode.ne, isNotEqual],
  [ConditionCode.be, isBelowOrEqual],
  [ConditionCode.a, isAbove],
  [ConditionCode.s, isSign],
  [ConditionCode.ns, isNotSign],
  [ConditionCode.p, isParity],
  [ConditionCode.np, isNotParity],
  [ConditionCode.l, isLess],
  [ConditionCode.ge, isGreaterOrEqual],
  [ConditionCode.le, isLessOrEqual],
  [ConditionCode.g, isGreater],
]);

/** The predicate for an instruction's condition code. */
export function condition(cc: ConditionCode): Condition {
  const p = CONDITIONS.get(cc);
  if (!p) throw new Error(`no condition for ConditionCode ${cc}`);
  return p;
}

/** Sets ZF/SF/PF from a result of `width` bits (value as unsigned, 64-bit as halves). */
export function setResultFlags(c: CpuState, width: number, lo: number, hi = 0): void {
  if (width === 64) {
    c.zr = lo | hi;
    c.sr = hi | 0;
  } else {
    c.zr = lo;
    c.sr = lo << (32 - width);
  }
  c.pr = lo;
}
