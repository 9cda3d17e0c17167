// Integer arithmetic and logic: add/or/adc/sbb/and/sub/xor/cmp/test, inc/dec/neg/not, indexed by operation × width.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { getter, rmwGetter, setter, widthOf } from '../operands.ts';
import { codesMatching, type Exec, type HandlerDef } from '../handler.ts';

/** A binary operation on values of one width (8/16/32): sets the flags, returns the result (unsigned). */
export type Alu = (c: Cpu, a: number, b: number) => number;
/** The 64-bit form: halves in, low half out, high half in c.hi. */
export type Alu64 = (c: Cpu, alo: number, ahi: number, blo: number, bhi: number) => number;

export type AluOp = 'add' | 'or' | 'adc' | 'sbb' | 'and' | 'sub' | 'xor' | 'cmp';

function narrow(width: 8 | 16): Record<AluOp, Alu> {
  const M = width === 8 ? 0xff : 0xffff;
  const S = width === 8 ? 0x80 : 0x8000;
  const SH = 32 - width;
  const logic = (c: Cpu, r: number) => {
    c.cf = 0;
    c.of = 0;
    c.ar = 0;
    c.zr = r;
    c.sr = r << SH;
    c.pr = r;
    return r;
  };
  const add = (c: Cpu, a: number, b: number, carry: number) => {
    const s = a + b + carry;
    const r = s & M;
    c.cf = s > M ? 1 : 0;
    c.of = (a ^ r) & (b ^ r) & S ? 1 : 0;
    c.ar = a ^ b ^ r;
    c.zr = r;
    c.sr = r << SH;
    c.pr = r;
    return r;
  };
  const sub = (c: Cpu, a: number, b: number, borrow: number) => {
    const s = a - b - borrow;
    const r = s & M;
    c.cf = s < 0 ? 1 : 0;
    c.of = (a ^ b) & (a ^ r) & S ? 1 : 0;
    c.ar = a ^ b ^ r;
    c.zr = r;
    c.sr = r << SH;
    c.pr = r;
    return r;
  };
  return {
    add: (c, a, b) => add(c, a, b, 0),
    adc: (c, a, b) => add(c, a, b, c.cf),
    sub: (c, a, b) => sub(c, a, b, 0),
    sbb: (c, a, b) => sub(c, a, b, c.cf),
    cmp: (c, a, b) => sub(c, a, b, 0),
    and: (c, a, b) => logic(c, a & b),
    or: (c, a, b) => logic(c, a | b),
    xor: (c, a, b) => logic(c, a ^ b),
  };
}

function add32(c: Cpu, a: number, b: number, carry: number): number {
  const s = a + b + carry;
  const r = s >>> 0;
  c.cf = s > 0xffffffff ? 1 : 0;
  c.of = ((a ^ r) & (b ^ r)) >>> 31;
  c.ar = a ^ b ^ r;
  c.zr = r;
  c.sr = r | 0;
  c.pr = r;
  return r;
}
function sub32(c: Cpu, a: number, b: number, borrow: number): number {
  const s = a - b - borrow;
  const r = s >>> 0;
  c.cf = s < 0 ? 1 : 0;
  c.of = ((a ^ b) & (a ^ r)) >>> 31;
  c.ar = a ^ b ^ r;
  c.zr = r;
  c.sr = r | 0;
  c.pr = r;
  return r;
}
function logic32(c: Cpu, x: number): number {
  const r = x >>> 0;
  c.cf = 0;
  c.of = 0;
  c.ar = 0;
  c.zr = r;
  c.sr = x | 0;
  c.pr = r;
  return r;
}
const ALU32: Record<AluOp, Alu> = {
  add: (c, a, b) => add32(c, a, b, 0),
  adc: (c, a, b) => add32(c, a, b, c.cf),
  sub: (c, a, b) => sub32(c, a, b, 0),
  sbb: (c, a, b) => sub32(c, a, b, c.cf),
  cmp: (c, a, b) => sub32(c, a, b, 0),
  and: (c, a, b) => logic32(c, a & b),
  or: (c, a, b) => logic32(c, a | b),
  xor: (c, a, b) => logic32(c, a ^ b),
};

function add64(c: Cpu, alo: number, ahi: number, blo: number, bhi: number, carry: number): number {
  const lo = alo + blo + carry;
  const hi = ahi + bhi + (lo > 0xffffffff ? 1 : 0);
  const rlo = lo >>> 0;
  const rhi = hi >>> 0;
  c.cf = hi > 0xffffffff ? 1 : 0;
  c.of = ((ahi ^ rhi) & (bhi ^ rhi)) >>> 31;
  c.ar = alo ^ blo ^ rlo;
  c.zr = rlo | rhi;
  c.sr = rhi | 0;
  c.pr = rlo;
  c.hi = rhi;
  return rlo;
}
function sub64(c: Cpu, alo: number, ahi: number, blo: number, bhi: number, borrow: number): number {
  const lo = alo - blo - borrow;
  const hi = ahi - bhi - (lo < 0 ? 1 : 0);
  const rlo = lo >>> 0;
  const rhi = hi >>> 0;
  c.cf = hi < 0 ? 1 : 0;
  c.of = ((ahi ^ bhi) & (ahi ^ rhi)) >>> 31;
  c.ar = alo ^ blo ^ rlo;
  c.zr = rlo | rhi;
  c.sr = rhi | 0;
  c.pr = rlo;
  c.hi = rhi;
  return rlo;
}
function logic64(c: Cpu, lo: number, hi: number): number {
  c.cf = 0;
  c.of = 0;
  c.ar = 0;
  c.zr = lo | hi;
  c.sr = hi | 0;
  c.pr = lo;
  c.hi = hi >>> 0;
  return lo >>> 0;
}
export const ALU64: Record<AluOp, Alu64> = {
  add: (c, a, ah, b, bh) => add64(c, a, ah, b, bh, 0),
  adc: (c, a, ah, b, bh) => add64(c, a, ah, b, bh, c.cf),
  sub: (c, a, ah, b, bh) => sub64(c, a, ah, b, bh, 0),
  sbb: (c, a, ah, b, bh) => sub64(c, a, ah, b, bh, c.cf),
  cmp: (c, a, ah, b, bh) => sub64(c, a, ah, b, bh, 0),
  and: (c, a, ah, b, bh) => logic64(c, a & b, ah & bh),
  or: (c, a, ah, b, bh) => logic64(c, a | b, ah | bh),
  xor: (c, a, ah, b, bh) => logic64(c, a ^ b, ah ^ bh),
};

/** ALU[op][width] for widths 8, 16, 32 (64 is ALU64). */
export const ALU: Record<8 | 16 | 32, Record<AluOp, Alu>> = { 8: narrow(8), 16: narrow(16), 32: ALU32 };

/** Builds `op dst, src` (writes back unless cmp/test). */
function binary(op: AluOp, writes: boolean) {
  return (insn: Insn): Exec => {
    const width = widthOf(insn, 0);
    const d = insn.ops[0];
    const s = insn.ops[1];
    if (width === 64) {
      const f = ALU64[op];
      if (d.kind === 'gpr' && s.kind === 'gpr') {
        const di = 2 * d.reg;
        const si = 2 * s.reg;
        return writes
          ? (c) => {
              const r = c.r32;
              r[di] = f(c, r[di], r[di + 1], r[si], r[si + 1]);
              r[di + 1] = c.hi;
            }
          : (c) => {
              const r = c.r32;
              f(c, r[di], r[di + 1], r[si], r[si + 1]);
            };
      }
      if (d.kind === 'gpr' && s.kind === 'imm') {
        const di = 2 * d.reg;
        const lo = s.lo;
        const hi = s.hi;
        return writes
          ? (c) => {
              const r = c.r32;
              r[di] = f(c, r[di], r[di + 1], lo, hi);
              r[di + 1] = c.hi;
            }
          : (c) => {
              const r = c.r32;
              f(c, r[di], r[di + 1], lo, hi);
            };
      }
      const ga = writes ? rmwGetter(insn, 0) : getter(insn, 0);
      const gb = getter(insn, 1, 64);
      const set = writes ? setter(insn, 0, true) : null;
      return (c) => {
        const a = ga(c);
        const ah = c.hi;
        const b = gb(c);
        const lo = f(c, a, ah, b, c.hi);
        if (set) set(c, lo, c.hi);
      };
    }
    const f = ALU[width as 8 | 16 | 32][op];
    if (width === 32 && d.kind === 'gpr' && s.kind === 'gpr') {
      const di = 2 * d.reg;
      const si = 2 * s.reg;
      return writes
        ? (c) => {
            const r = c.r32;
            r[di] = f(c, r[di], r[si]);
            r[di + 1] = 0;
          }
        : (c) => {
            const r = c.r32;
            f(c, r[di], r[si]);
          };
    }
    if (width === 32 && d.kind === 'gpr' && s.kind === 'imm') {
      const di = 2 * d.reg;
      const imm = s.lo;
      return writes
        ? (c) => {
            const r = c.r32;
            r[di] = f(c, r[di], imm);
            r[di + 1] = 0;
          }
        : (c) => {
            f(c, c.r32[di], imm);
          };
    }
    const ga = writes ? rmwGetter(insn, 0) : getter(insn, 0);
    const gb = getter(insn, 1, width);
    if (!writes) return (c) => void f(c, ga(c), gb(c));
    const set = setter(insn, 0, true);
    return (c) => {
      const a = ga(c);
      set(c, f(c, a, gb(c)), 0);
    };
  };
}

/** inc/dec: add/sub 1 keeping CF. */
function incDec(op: 'add' | 'sub') {
  return (insn: Insn): Exec => {
    const width = widthOf(insn, 0);
    const ga = rmwGetter(insn, 0);
    const set = setter(insn, 0, true);
    const d = insn.ops[0];
    if (width === 64) {
      const f = ALU64[op];
      return (c) => {
        const cf = c.cf;
        const lo = f(c, ga(c), c.hi, 1, 0);
        c.cf = cf;
        set(c, lo, c.hi);
      };
    }
    const f = ALU[width as 8 | 16 | 32][op];
    if (width === 32 && d.kind === 'gpr') {
      const di = 2 * d.reg;
      return (c) => {
        const cf = c.cf;
        const r = c.r32;
        r[di] = f(c, r[di], 1);
        r[di + 1] = 0;
        c.cf = cf;
      };
    }
    return (c) => {
      const cf = c.cf;
      const v = f(c, ga(c), 1);
      c.cf = cf;
      set(c, v, 0);
    };
  };
}

function neg(insn: Insn): Exec {
  const width = widthOf(insn, 0);
  const ga = rmwGetter(insn, 0);
  const set = setter(insn, 0, true);
  if (width === 64) {
    return (c) => {
      const a = ga(c);
      const lo = ALU64.sub(c, 0, 0, a, c.hi);
      set(c, lo, c.hi);
    };
  }
  const f = ALU[width as 8 | 16 | 32].sub;
  return (c) => set(c, f(c, 0, ga(c)), 0);
}

function not(insn: Insn): Exec {
  const width = widthOf(insn, 0);
  const ga = rmwGetter(insn, 0);
  const set = setter(insn, 0, true);
  const mask = width >= 32 ? 0xffffffff : (1 << width) - 1;
  return (c) => {
    const a = ga(c);
    set(c, ~a & mask, ~c.hi);
  };
}

const legacy = (mn: string) => codesMatching(new RegExp(`^${mn}_(rm|r|AL|AX|EAX|RAX)(8|16|32|64)?_`)).concat(codesMatching(new RegExp(`^${mn}_(AL|AX|EAX|RAX)_imm`)));
const uniq = (xs: string[]) => [...new Set(xs)];

export const handlers: HandlerDef[] = [
  ...(['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'] as const).map((op) => ({
    codes: uniq(legacy(op[0].toUpperCase() + op.slice(1))),
    build: binary(op, op !== 'cmp'),
  })),
  { codes: uniq(legacy('Test')), build: binary('and', false) },
  { codes: ['Inc_r16', 'Inc_r32', 'Inc_rm8', 'Inc_rm16', 'Inc_rm32', 'Inc_rm64'], build: incDec('add') },
  { codes: ['Dec_r16', 'Dec_r32', 'Dec_rm8', 'Dec_rm16', 'Dec_rm32', 'Dec_rm64'], build: incDec('sub') },
  { codes: ['Neg_rm8', 'Neg_rm16', 'Neg_rm32', 'Neg_rm64'], build: neg },
  { codes: ['Not_rm8', 'Not_rm16', 'Not_rm32', 'Not_rm64'], build: not },
];
