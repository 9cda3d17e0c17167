// Multiplication and division: mul, imul (one, two and three operands), div, idiv (#DE → SIGFPE FPE_INTDIV).
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { fault } from '../faults.ts';
import { getter, setter, widthOf } from '../operands.ts';
import { codesMatching, type Exec, type HandlerDef } from '../handler.ts';

const TWO32 = 4294967296;

/** Exact unsigned 32×32 → 64: returns lo, writes hi into out[0]. */
function mul32(a: number, b: number, out: Float64Array): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const mid = a0 * b1 + a1 * b0;
  const lo = a0 * b0 + (mid % 65536) * 65536;
  out[0] = a1 * b1 + Math.floor(mid / 65536) + Math.floor(lo / TWO32);
  return lo >>> 0;
}

const t = new Float64Array(1);
/** Unsigned 64×64 → 128 into w[0..3] (32-bit words, little-endian). */
function mul64(alo: number, ahi: number, blo: number, bhi: number, w: Uint32Array): void {
  const l0 = mul32(alo, blo, t);
  const h0 = t[0];
  const l1 = mul32(alo, bhi, t);
  const h1 = t[0];
  const l2 = mul32(ahi, blo, t);
  const h2 = t[0];
  const l3 = mul32(ahi, bhi, t);
  const h3 = t[0];
  const s1 = h0 + l1 + l2;
  const s2 = h1 + h2 + l3 + Math.floor(s1 / TWO32);
  w[0] = l0;
  w[1] = s1;
  w[2] = s2;
  w[3] = h3 + Math.floor(s2 / TWO32);
}
/** Turns an unsigned 128-bit product of a and b into the signed one (two's complement): high -= b if a<0, -= a if b<0. */
function signAdjust(alo: number, ahi: number, blo: number, bhi: number, w: Uint32Array): void {
  const sub = (lo: number, hi: number) => {
    const l = w[2] - lo;
    w[2] = l;
    w[3] = w[3] - hi - (l < 0 ? 1 : 0);
  };
  if (ahi >>> 31) sub(blo, bhi);
  if (bhi >>> 31) sub(alo, ahi);
}
const W = new Uint32Array(4);

function setMulFlags(c: Cpu, overflow: boolean, lo: number, width: number): void {
  c.cf = c.of = overflow ? 1 : 0;
  // SF/ZF/PF/AF are undefined; set them from the low result as the hardware does in practice.
  c.zr = lo;
  c.sr = lo << (32 - width);
  c.pr = lo;
  c.ar = 0;
}

/** mul / imul with one operand: rDX:rAX (AX for 8-bit) = rAX × src. */
function mulOne(signed: boolean) {
  return (insn: Insn): Exec => {
    const width = widthOf(insn, 0);
    const g = getter(insn, 0, width);
    return (c) => {
      const b = g(c);
      const bhi = c.hi;
      const r = c.r32;
      if (width === 8) {
        const a = r[0] & 0xff;
        const p = signed ? ((a << 24) >> 24) * ((b << 24) >> 24) : a * b;
        r[0] = (r[0] & 0xffff0000) | (p & 0xffff);
        setMulFlags(c, signed ? p !== (p << 24) >> 24 : p > 0xff, p & 0xff, 8);
      } else if (width === 16) {
        const a = r[0] & 0xffff;
        const p = signed ? ((a << 16) >> 16) * ((b << 16) >> 16) : a * b;
        r[0] = (r[0] & 0xffff0000) | (p & 0xffff);
        r[4] = (r[4] & 0xffff0000) | ((p >> 16) & 0xffff);
        setMulFlags(c, signed ? p !== (p << 16) >> 16 : p > 0xffff, p & 0xffff, 16);
      } else if (width === 32) {
        const a = r[0];
        let lo = mul32(a, b, t);
        let hi = t[0];
        if (signed) {
          if (a >>> 31) hi -= b;
          if (b >>> 31) hi -= a;
        }
        hi >>>= 0;
        lo >>>= 0;
        r[0] = lo;
        r[1] = 0;
        r[4] = hi;
        r[5] = 0;
        setMulFlags(c, signed ? hi !== (lo >>> 31 ? 0xffffffff : 0) : hi !== 0, lo, 32);
      } else {
        const alo = r[0];
        const ahi = r[1];
        mul64(alo, ahi, b, bhi, W);
        if (signed) signAdjust(alo, ahi, b, bhi, W);
        r[0] = W[0];
        r[1] = W[1];
        r[4] = W[2];
        r[5] = W[3];
        const ext = W[1] >>> 31 ? 0xffffffff : 0;
        setMulFlags(c, signed ? W[2] !== ext || W[3] !== ext : (W[2] | W[3]) !== 0, W[1], 32);
        c.zr = W[0] | W[1];
      }
    };
  };
}

/** imul dst, src (two operands) or imul dst, src, imm (three): truncated signed product. */
function imulTwo(insn: Insn): Exec {
  const width = widthOf(insn, 0);
  const three = insn.ops.length === 3;
  const ga = getter(insn, three ? 1 : 0, width);
  const gb = getter(insn, three ? 2 : 1, width);
  const set = setter(insn, 0);
  return (c) => {
    const a = ga(c);
    const ahi = c.hi;
    const b = gb(c);
    const bhi = c.hi;
    if (width === 16) {
      const p = ((a << 16) >> 16) * ((b << 16) >> 16);
      setMulFlags(c, p !== (p << 16) >> 16, p & 0xffff, 16);
      return set(c, p & 0xffff, 0);
    }
    if (width === 32) {
      const p = (a | 0) * (b | 0);
      const lo = Math.imul(a, b) >>> 0;
      setMulFlags(c, p < -2147483648 || p >= 2147483648, lo, 32);
      return set(c, lo, 0);
    }
    mul64(a, ahi, b, bhi, W);
    signAdjust(a, ahi, b, bhi, W);
    const ext = W[1] >>> 31 ? 0xffffffff : 0;
    setMulFlags(c, W[2] !== ext || W[3] !== ext, W[1], 32);
    c.zr = W[0] | W[1];
    c.pr = W[0];
    set(c, W[0], W[1]);
  };
}

const big = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** div / idiv: quotient in rAX (AL), remainder in rDX (AH); #DE on zero divisor or quotient overflow. */
function divide(signed: boolean) {
  return (insn: Insn): Exec => {
    const width = widthOf(insn, 0);
    const g = getter(insn, 0, width);
    const wb = BigInt(width);
    const minQ = signed ? -(1n << (wb - 1n)) : 0n;
    const maxQ = signed ? (1n << (wb - 1n)) - 1n : (1n << wb) - 1n;
    return (c) => {
      const blo = g(c);
      const bhi = c.hi;
      const r = c.r32;
      if (width === 32 && !signed && r[4] === 0) {
        if (blo === 0) fault('divide-error');
        const a = r[0];
        const q = Math.floor(a / blo);
        r[0] = q;
        r[4] = a - q * blo;
        r[1] = r[5] = 0;
        return;
      }
      let dividend: bigint;
      let divisor: bigint;
      if (width === 8) {
        dividend = BigInt(r[0] & 0xffff);
        divisor = BigInt(blo);
      } else if (width === 16) {
        dividend = BigInt(((r[4] & 0xffff) * 65536 + (r[0] & 0xffff)) >>> 0);
        divisor = BigInt(blo);
      } else if (width === 32) {
        dividend = big(r[0], r[4]);
        divisor = BigInt(blo);
      } else {
        dividend = (big(r[4], r[5]) << 64n) | big(r[0], r[1]);
        divisor = big(blo, bhi);
      }
      if (divisor === 0n) fault('divide-error');
      if (signed) {
        dividend = BigInt.asIntN(2 * width, dividend);
        divisor = BigInt.asIntN(width, divisor);
      }
      const q = dividend / divisor; // BigInt division truncates toward zero, as idiv does
      const rem = dividend - q * divisor;
      if (q < minQ || q > maxQ) fault('divide-error', undefined, undefined, 'quotient overflow');
      const qu = BigInt.asUintN(width, q);
      const ru = BigInt.asUintN(width, rem);
      if (width === 8) {
        r[0] = (r[0] & 0xffff0000) | Number(qu) | (Number(ru) << 8);
      } else if (width === 16) {
        r[0] = (r[0] & 0xffff0000) | Number(qu);
        r[4] = (r[4] & 0xffff0000) | Number(ru);
      } else if (width === 32) {
        r[0] = Number(qu);
        r[1] = 0;
        r[4] = Number(ru);
        r[5] = 0;
      } else {
        r[0] = Number(qu & 0xffffffffn);
        r[1] = Number(qu >> 32n);
        r[4] = Number(ru & 0xffffffffn);
        r[5] = Number(ru >> 32n);
      }
    };
  };
}

export const handlers: HandlerDef[] = [
  { codes: ['Mul_rm8', 'Mul_rm16', 'Mul_rm32', 'Mul_rm64'], build: mulOne(false) },
  { codes: ['Imul_rm8', 'Imul_rm16', 'Imul_rm32', 'Imul_rm64'], build: mulOne(true) },
  { codes: codesMatching(/^Imul_r(16|32|64)_rm(16|32|64)(_imm(8|16|32))?$/), build: imulTwo },
  { codes: ['Div_rm8', 'Div_rm16', 'Div_rm32', 'Div_rm64'], build: divide(false) },
  { codes: ['Idiv_rm8', 'Idiv_rm16', 'Idiv_rm32', 'Idiv_rm64'], build: divide(true) },
];
