// SSE/SSE2/SSE3/SSE4.1 floating-point arithmetic: add/sub/mul/div/min/max/sqrt in packed and scalar
// single and double forms, rcp/rsqrt estimates, addsub and horizontal ops, round*, dpps/dppd.
// Lane semantics (rounding, flags, NaNs) live in sse-softfloat.ts; results are staged in `tmp`.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import { beginFp, endFp, imm8, source, tmp, xmmReg } from './sse-common.ts';
import { f32Binary, f32Bits, f32Of, f64Binary, fp, OP_ADD, OP_DIV, OP_MAX, OP_MIN, OP_MUL, OP_SQRT, OP_SUB, roundF32, roundF64 } from './sse-softfloat.ts';

/** addps & co: four single lanes, `even` on lanes 0/2 and `odd` on 1/3 (the same but for addsubps); sqrt reads only the source. */
function packedSingle(even: number, odd = even) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1);
    return (c: Cpu) => {
      beginFp(c);
      const x = c.xmm32, o = s(c) * 4;
      for (let i = 0; i < 4; i++) tmp[i] = f32Binary(i & 1 ? odd : even, x[d + i], x[o + i]);
      endFp(c);
      x.set(tmp, d);
    };
  };
}
/** addpd & co: two double lanes, `low` on lane 0 and `high` on lane 1 (the same but for addsubpd). */
function packedDouble(low: number, high = low) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1);
    return (c: Cpu) => {
      beginFp(c);
      const x = c.xmm32, o = s(c) * 4;
      f64Binary(low, x, d, x, o, tmp, 0);
      f64Binary(high, x, d + 2, x, o + 2, tmp, 2);
      endFp(c);
      x.set(tmp, d);
    };
  };
}
/** addss/addsd & co: the low single or double lane; the rest of the destination kept. */
function scalar(op: number, double: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1, double ? 8 : 4);
    return (c: Cpu) => {
      beginFp(c);
      const x = c.xmm32, o = s(c) * 4;
      if (double) f64Binary(op, x, d, x, o, tmp, 0);
      else tmp[0] = f32Binary(op, x[d], x[o]);
      endFp(c);
      x[d] = tmp[0];
      if (double) x[d + 1] = tmp[1];
    };
  };
}

/**
 * rcp and rsqrt estimates. Real CPUs return a table-based approximation (relative error at most
 * 1.5 * 2^-12, model-specific); picemu returns the correctly rounded value, which is within that bound.
 * Denormal inputs count as zero, results below the normal range flush to zero, MXCSR is not touched.
 */
function estimate(bits: number, rsqrt: boolean): number {
  const sign = bits & 0x80000000;
  const exp = (bits >>> 23) & 0xff, frac = bits & 0x7fffff;
  if (exp === 0xff) {
    if (frac !== 0) return (bits | 0x400000) >>> 0; // QNaN
    if (rsqrt) return sign ? 0xffc00000 : 0;
    return sign; // ±0
  }
  if (exp === 0) return rsqrt ? (sign | 0x7f800000) >>> 0 : (sign | 0x7f800000) >>> 0; // ±inf
  if (rsqrt && sign) return 0xffc00000;
  const x = f32Of(bits);
  const r = Math.fround(rsqrt ? 1 / Math.sqrt(x) : 1 / x);
  if (Math.abs(r) < 2 ** -126) return sign;
  return f32Bits(r);
}
function estimatePacked(rsqrt: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1);
    return (c: Cpu) => {
      const x = c.xmm32, o = s(c) * 4;
      for (let i = 0; i < 4; i++) tmp[i] = estimate(x[o + i], rsqrt);
      x.set(tmp, d);
    };
  };
}
function estimateScalar(rsqrt: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1, 4);
    return (c: Cpu) => {
      c.xmm32[d] = estimate(c.xmm32[s(c) * 4], rsqrt);
    };
  };
}

/** haddps/hsubps: [d0∘d1, d2∘d3, s0∘s1, s2∘s3]. */
function horizontalSingle(op: number) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1);
    return (c: Cpu) => {
      beginFp(c);
      const x = c.xmm32, o = s(c) * 4;
      tmp[0] = f32Binary(op, x[d], x[d + 1]);
      tmp[1] = f32Binary(op, x[d + 2], x[d + 3]);
      tmp[2] = f32Binary(op, x[o], x[o + 1]);
      tmp[3] = f32Binary(op, x[o + 2], x[o + 3]);
      endFp(c);
      x.set(tmp, d);
    };
  };
}
function horizontalDouble(op: number) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1);
    return (c: Cpu) => {
      beginFp(c);
      const x = c.xmm32, o = s(c) * 4;
      f64Binary(op, x, d, x, d + 2, tmp, 0);
      f64Binary(op, x, o, x, o + 2, tmp, 2);
      endFp(c);
      x.set(tmp, d);
    };
  };
}

/** roundps/roundpd/roundss/roundsd (SSE4.1). */
function roundPacked(double: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1);
    const k = imm8(insn);
    return (c: Cpu) => {
      beginFp(c);
      const x = c.xmm32, o = s(c) * 4;
      if (double) {
        roundF64(x[o], x[o + 1], k, tmp, 0);
        roundF64(x[o + 2], x[o + 3], k, tmp, 2);
      } else for (let i = 0; i < 4; i++) tmp[i] = roundF32(x[o + i], k);
      endFp(c);
      x.set(tmp, d);
    };
  };
}
function roundScalar(double: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1, double ? 8 : 4);
    const k = imm8(insn);
    return (c: Cpu) => {
      beginFp(c);
      const x = c.xmm32, o = s(c) * 4;
      if (double) roundF64(x[o], x[o + 1], k, tmp, 0);
      else tmp[0] = roundF32(x[o], k);
      endFp(c);
      x[d] = tmp[0];
      if (double) x[d + 1] = tmp[1];
    };
  };
}

/**
 * dpps/dppd run in steps (multiply, add pairs, add), each step over every lane at once: an unmasked exception in a
 * step traps there, with the earlier steps' flags kept and, when it is a pre-computation one (invalid, denormal),
 * the post-computation flags of that step dropped, as for one instruction; later steps raise nothing (the host CPU).
 */
function stageFp(c: Cpu, earlier: number): number {
  if (fp.flags & ~(c.mxcsr >> 7) & 0x3f) {
    const now = fp.flags & ~earlier;
    if (now & ~(c.mxcsr >> 7) & 0x7) fp.flags = earlier | (now & 0x7);
    endFp(c, true);
  }
  return fp.flags;
}

const dotP = new Uint32Array(8), dotPair = new Uint32Array(4), dotSum = new Uint32Array(2);
/**
 * The dot products of `a` and `b` (32-bit word arrays, `lanes` 128-bit lanes): dpps sums the singles selected by
 * imm[7:4] and broadcasts to the lanes in imm[3:0]; dppd the same with two doubles (imm[5:4], imm[1:0]). Traps
 * (SIGFPE) before `out` is written.
 */
export function dotProduct(c: Cpu, a: Uint32Array, ao: number, b: Uint32Array, bo: number, k: number, lanes: number, double: boolean, out: Uint32Array, oo: number): void {
  beginFp(c);
  if (!double) {
    for (let l = 0; l < lanes; l++) for (let i = 0; i < 4; i++) dotP[4 * l + i] = (k >> (4 + i)) & 1 ? f32Binary(OP_MUL, a[ao + 4 * l + i], b[bo + 4 * l + i]) : 0;
    let earlier = stageFp(c, 0);
    for (let l = 0; l < lanes; l++) for (let h = 0; h < 2; h++) dotPair[2 * l + h] = f32Binary(OP_ADD, dotP[4 * l + 2 * h], dotP[4 * l + 2 * h + 1]);
    earlier = stageFp(c, earlier);
    for (let l = 0; l < lanes; l++) dotSum[l] = f32Binary(OP_ADD, dotPair[2 * l], dotPair[2 * l + 1]);
    stageFp(c, earlier);
    endFp(c, true);
    for (let l = 0; l < lanes; l++) for (let i = 0; i < 4; i++) out[oo + 4 * l + i] = (k >> i) & 1 ? dotSum[l] : 0;
    return;
  }
  for (let h = 0; h < 2; h++) {
    if ((k >> (4 + h)) & 1) f64Binary(OP_MUL, a, ao + 2 * h, b, bo + 2 * h, dotP, 2 * h);
    else dotP[2 * h] = dotP[2 * h + 1] = 0;
  }
  const earlier = stageFp(c, 0);
  f64Binary(OP_ADD, dotP, 0, dotP, 2, dotSum, 0);
  stageFp(c, earlier);
  endFp(c, true);
  for (let h = 0; h < 2; h++) {
    out[oo + 2 * h] = (k >> h) & 1 ? dotSum[0] : 0;
    out[oo + 2 * h + 1] = (k >> h) & 1 ? dotSum[1] : 0;
  }
}

/** dpps/dppd xmm, xmm/m128, imm8. */
function dp(double: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1);
    const k = imm8(insn);
    return (c: Cpu) => {
      const x = c.xmm32;
      dotProduct(c, x, d, x, s(c) * 4, k, 1, double, x, d);
    };
  };
}

const ARITH: [string, number][] = [
  ['Add', OP_ADD],
  ['Sub', OP_SUB],
  ['Mul', OP_MUL],
  ['Div', OP_DIV],
  ['Min', OP_MIN],
  ['Max', OP_MAX],
  ['Sqrt', OP_SQRT],
];

export const handlers: HandlerDef[] = [
  ...ARITH.flatMap(([name, op]): HandlerDef[] => [
    { codes: [`${name}ps_xmm_xmmm128`], build: packedSingle(op) },
    { codes: [`${name}ss_xmm_xmmm32`], build: scalar(op, false) },
    { codes: [`${name}pd_xmm_xmmm128`], build: packedDouble(op) },
    { codes: [`${name}sd_xmm_xmmm64`], build: scalar(op, true) },
  ]),
  { codes: ['Rcpps_xmm_xmmm128'], build: estimatePacked(false) },
  { codes: ['Rsqrtps_xmm_xmmm128'], build: estimatePacked(true) },
  { codes: ['Rcpss_xmm_xmmm32'], build: estimateScalar(false) },
  { codes: ['Rsqrtss_xmm_xmmm32'], build: estimateScalar(true) },
  // SSE3
  { codes: ['Haddps_xmm_xmmm128'], build: horizontalSingle(OP_ADD), feature: 'sse3' },
  { codes: ['Hsubps_xmm_xmmm128'], build: horizontalSingle(OP_SUB), feature: 'sse3' },
  { codes: ['Haddpd_xmm_xmmm128'], build: horizontalDouble(OP_ADD), feature: 'sse3' },
  { codes: ['Hsubpd_xmm_xmmm128'], build: horizontalDouble(OP_SUB), feature: 'sse3' },
  { codes: ['Addsubps_xmm_xmmm128'], build: packedSingle(OP_SUB, OP_ADD), feature: 'sse3' },
  { codes: ['Addsubpd_xmm_xmmm128'], build: packedDouble(OP_SUB, OP_ADD), feature: 'sse3' },
  // SSE4.1
  { codes: ['Roundps_xmm_xmmm128_imm8'], build: roundPacked(false), feature: 'sse4.1' },
  { codes: ['Roundpd_xmm_xmmm128_imm8'], build: roundPacked(true), feature: 'sse4.1' },
  { codes: ['Roundss_xmm_xmmm32_imm8'], build: roundScalar(false), feature: 'sse4.1' },
  { codes: ['Roundsd_xmm_xmmm64_imm8'], build: roundScalar(true), feature: 'sse4.1' },
  { codes: ['Dpps_xmm_xmmm128_imm8'], build: dp(false), feature: 'sse4.1' },
  { codes: ['Dppd_xmm_xmmm128_imm8'], build: dp(true), feature: 'sse4.1' },
];
