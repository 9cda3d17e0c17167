// Flag formulas, written once: the 16 conditions (jcc/setcc/cmovcc) and the ALU's CF/OF/AF, as small expression
// descriptors from which both the interpreter's JavaScript (generated here) and the region compiler's WebAssembly
// (compile/) are derived. The CPU's flag fields: cf, of 0/1; ZF iff zr = 0; SF iff sr < 0; PF from pr's low byte; AF bit 4 of ar.
import { ConditionCode } from 'iced-x86';
import type { CpuState } from './state.ts';
import { PARITY } from './state.ts';

export type Condition = (c: CpuState) => boolean;

/** A condition over the status flags: a flag, or or/xor/not of conditions. */
export type ConditionExpr = { flag: 'of' | 'cf' | 'zf' | 'sf' | 'pf' } | { or: [ConditionExpr, ConditionExpr] } | { xor: [ConditionExpr, ConditionExpr] } | { not: ConditionExpr };

const OF = { flag: 'of' } as const, CF = { flag: 'cf' } as const, ZF = { flag: 'zf' } as const, SF = { flag: 'sf' } as const, PF = { flag: 'pf' } as const;
const LESS: ConditionExpr = { xor: [SF, OF] };
/** The even half of the table (o, b, e, be, s, p, l, le); each one's negation follows it in iced's numbering. */
const BASE: [ConditionCode, ConditionExpr][] = [
  [ConditionCode.o, OF],
  [ConditionCode.b, CF],
  [ConditionCode.e, ZF],
  [ConditionCode.be, { or: [CF, ZF] }],
  [ConditionCode.s, SF],
  [ConditionCode.p, PF],
  [ConditionCode.l, LESS],
  [ConditionCode.le, { or: [ZF, LESS] }],
];
/** Every condition code's expression (iced: no = o + 1, ae = b + 1, ...). */
export const CONDITION_EXPRS: ReadonlyMap<ConditionCode, ConditionExpr> = new Map(BASE.flatMap(([cc, e]) => [[cc, e], [(cc + 1) as ConditionCode, { not: e }]]));

/** The expression for an instruction's condition code. */
export function conditionExpr(cc: ConditionCode): ConditionExpr {
  const e = CONDITION_EXPRS.get(cc);
  if (!e) throw new Error(`no condition for ConditionCode ${cc}`);
  return e;
}

/** JavaScript source of a condition as a boolean over `c` (the CPU's flag fields; `P` is the PARITY table). */
export function conditionSource(e: ConditionExpr): string {
  if ('flag' in e) return { of: '(c.of !== 0)', cf: '(c.cf !== 0)', zf: '(c.zr === 0)', sf: '(c.sr < 0)', pf: '(P[c.pr & 0xff] !== 0)' }[e.flag];
  if ('not' in e) return `!(${conditionSource(e.not)})`;
  if ('or' in e) return `(${conditionSource(e.or[0])} || ${conditionSource(e.or[1])})`;
  return `(${conditionSource(e.xor[0])} !== ${conditionSource(e.xor[1])})`;
}

const predicates = new Map<ConditionCode, Condition>();
/** The interpreter's predicate for an instruction's condition code (generated once from its expression). */
export function condition(cc: ConditionCode): Condition {
  let p = predicates.get(cc);
  if (!p) {
    p = new Function('P', `return (c) => ${conditionSource(conditionExpr(cc))};`)(PARITY) as Condition;
    predicates.set(cc, p);
  }
  return p;
}

/** A bitwise expression over an ALU operation's operands a, b and its result v (all of one width). */
export type Bits = 'a' | 'b' | 'v' | { not: Bits } | { and: [Bits, Bits] } | { or: [Bits, Bits] } | { xor: [Bits, Bits] };
const A = 'a', B = 'b', V = 'v';
const and = (x: Bits, y: Bits): Bits => ({ and: [x, y] });
const or = (x: Bits, y: Bits): Bits => ({ or: [x, y] });
const xor = (x: Bits, y: Bits): Bits => ({ xor: [x, y] });
const not = (x: Bits): Bits => ({ not: x });

/**
 * CF and OF are the top bit of their expression, AF (kept whole in `ar`) bit 4 of its; null: the flag is cleared.
 * The carry and borrow out of the top bit hold with a carry or borrow in (adc/sbb) too.
 */
export interface AluFlagFormulas {
  cf: Bits | null;
  of: Bits | null;
  af: Bits | null;
}
export const ALU_FLAGS: Readonly<Record<'add' | 'sub' | 'logic', AluFlagFormulas>> = {
  add: { cf: or(and(A, B), and(or(A, B), not(V))), of: and(xor(A, V), xor(B, V)), af: xor(xor(A, B), V) },
  sub: { cf: or(and(not(A), B), and(not(xor(A, B)), V)), of: and(xor(A, B), xor(A, V)), af: xor(xor(A, B), V) },
  logic: { cf: null, of: null, af: null },
};

/**
 * shl/shr/sar by a masked count n >= 1, with `a` the operand shifted by n - 1 the same way and `v` the result: CF is
 * the last bit shifted out — a's top bit (shl) or low bit (shr/sar) — and OF the top bit of `of` (a ^ v: for every
 * count, as QEMU and the hardware compute it; 0 for sar, the old sign for a one-bit shr).
 */
export const SHIFT_FLAGS: { readonly cf: Readonly<Record<'shl' | 'shr' | 'sar', 'top' | 'low'>>; readonly of: Bits } = {
  cf: { shl: 'top', shr: 'low', sar: 'low' },
  of: xor(A, V),
};

/** JavaScript source of a Bits expression, the operands named by `names` (int32 bitwise arithmetic). */
export function bitsSource(e: Bits, names: { a: string; b: string; v: string }): string {
  if (typeof e === 'string') return names[e];
  if ('not' in e) return `~${bitsSource(e.not, names)}`;
  const [op, [x, y]] = 'and' in e ? ['&', e.and] : 'or' in e ? ['|', e.or] : ['^', e.xor];
  return `(${bitsSource(x, names)} ${op} ${bitsSource(y, names)})`;
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
