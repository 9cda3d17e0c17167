// Integer arithmetic and logic: add/or/adc/sbb/and/sub/xor/cmp/test, inc/dec/neg/not, indexed by operation × width.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { getter, rmwGetter, setter, widthOf } from '../operands.ts';
import { codesMatching, type Exec, type HandlerDef } from '../handler.ts';
import { ALU_FLAGS, bitsSource, type Bits } from '../flags.ts';
import { aluRule, unaryRule } from '../compile/integer-rules.ts';

/** A binary operation on values of one width (8/16/32): sets the flags, returns the result (unsigned). */
export type Alu = (c: Cpu, a: number, b: number) => number;
/** The 64-bit form: halves in, low half out, high half in c.hi. */
export type Alu64 = (c: Cpu, alo: number, ahi: number, blo: number, bhi: number) => number;

export type AluOp = 'add' | 'or' | 'adc' | 'sbb' | 'and' | 'sub' | 'xor' | 'cmp';

/** The JavaScript of CF/OF/AF from flags.ts's formulas: top bit (`top`) of CF/OF, AF whole. */
function flagSource(kind: 'add' | 'sub' | 'logic', top: number, hiNames: { a: string; b: string; v: string }, loNames: { a: string; b: string; v: string }): string {
  const f = ALU_FLAGS[kind];
  const topBit = (e: Bits | null) => (e === null ? '0' : `(${bitsSource(e, hiNames)} >>> ${top}) & 1`);
  return `c.cf = ${topBit(f.cf)}; c.of = ${topBit(f.of)}; c.ar = ${f.af === null ? '0' : bitsSource(f.af, loNames)};`;
}

/** One width's (8/16/32) add/sub/logic with its flags; `k` is the carry or borrow in. */
function narrowFunction(kind: 'add' | 'sub' | 'logic', width: 8 | 16 | 32): (c: Cpu, a: number, b: number, k: number) => number {
  const mask = width === 32 ? '>>> 0' : `& ${(1 << width) - 1}`;
  const names = { a: 'a', b: 'b', v: 'v' };
  const value = kind === 'add' ? `(a + b + k) ${mask}` : kind === 'sub' ? `(a - b - k) ${mask}` : `b ${mask}`;
  const sign = width === 32 ? 'v | 0' : `v << ${32 - width}`;
  const body = `const v = ${value}; ${flagSource(kind, width - 1, names, names)} c.zr = v; c.sr = ${sign}; c.pr = v; return v;`;
  return new Function(`return (c, a, b, k) => { ${body} };`)();
}

/** The 64-bit form over halves (low half returned, high half in c.hi); `k` is the carry or borrow in. */
function wideFunction(kind: 'add' | 'sub' | 'logic'): (c: Cpu, al: number, ah: number, bl: number, bh: number, k: number) => number {
  const value =
    kind === 'add'
      ? 'const lo = al + bl + k, vl = lo >>> 0, vh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;'
      : kind === 'sub'
        ? 'const lo = al - bl - k, vl = lo >>> 0, vh = (ah - bh - (lo < 0 ? 1 : 0)) >>> 0;'
        : 'const vl = bl >>> 0, vh = bh >>> 0;';
  const flags = flagSource(kind, 31, { a: 'ah', b: 'bh', v: 'vh' }, { a: 'al', b: 'bl', v: 'vl' });
  return new Function(`return (c, al, ah, bl, bh, k) => { ${value} ${flags} c.zr = vl | vh; c.sr = vh | 0; c.pr = vl; c.hi = vh; return vl; };`)();
}

function narrow(width: 8 | 16 | 32): Record<AluOp, Alu> {
  const add = narrowFunction('add', width);
  const sub = narrowFunction('sub', width);
  const logic = narrowFunction('logic', width);
  return {
    add: (c, a, b) => add(c, a, b, 0),
    adc: (c, a, b) => add(c, a, b, c.cf),
    sub: (c, a, b) => sub(c, a, b, 0),
    sbb: (c, a, b) => sub(c, a, b, c.cf),
    cmp: (c, a, b) => sub(c, a, b, 0),
    and: (c, a, b) => logic(c, 0, a & b, 0),
    or: (c, a, b) => logic(c, 0, a | b, 0),
    xor: (c, a, b) => logic(c, 0, a ^ b, 0),
  };
}

const add64 = wideFunction('add');
const sub64 = wideFunction('sub');
const logic64 = wideFunction('logic');
export const ALU64: Record<AluOp, Alu64> = {
  add: (c, a, ah, b, bh) => add64(c, a, ah, b, bh, 0),
  adc: (c, a, ah, b, bh) => add64(c, a, ah, b, bh, c.cf),
  sub: (c, a, ah, b, bh) => sub64(c, a, ah, b, bh, 0),
  sbb: (c, a, ah, b, bh) => sub64(c, a, ah, b, bh, c.cf),
  cmp: (c, a, ah, b, bh) => sub64(c, a, ah, b, bh, 0),
  and: (c, a, ah, b, bh) => logic64(c, 0, 0, a & b, ah & bh, 0),
  or: (c, a, ah, b, bh) => logic64(c, 0, 0, a | b, ah | bh, 0),
  xor: (c, a, ah, b, bh) => logic64(c, 0, 0, a ^ b, ah ^ bh, 0),
};

/** ALU[op][width] for widths 8, 16, 32 (64 is ALU64). */
export const ALU: Record<8 | 16 | 32, Record<AluOp, Alu>> = { 8: narrow(8), 16: narrow(16), 32: narrow(32) };

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
    compile: aluRule(op),
  })),
  { codes: uniq(legacy('Test')), build: binary('and', false), compile: aluRule('test') },
  { codes: ['Inc_r16', 'Inc_r32', 'Inc_rm8', 'Inc_rm16', 'Inc_rm32', 'Inc_rm64'], build: incDec('add'), compile: unaryRule('inc') },
  { codes: ['Dec_r16', 'Dec_r32', 'Dec_rm8', 'Dec_rm16', 'Dec_rm32', 'Dec_rm64'], build: incDec('sub'), compile: unaryRule('dec') },
  { codes: ['Neg_rm8', 'Neg_rm16', 'Neg_rm32', 'Neg_rm64'], build: neg, compile: unaryRule('neg') },
  { codes: ['Not_rm8', 'Not_rm16', 'Not_rm32', 'Not_rm64'], build: not, compile: unaryRule('not') },
];
