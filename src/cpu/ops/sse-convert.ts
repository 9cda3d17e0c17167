// SSE/SSE2 conversions: integer ↔ single/double (scalar and packed, MXCSR rounding or truncation, the
// integer indefinite on NaN/overflow) and single ↔ double. MMX-register forms (cvtpi2ps & co) are not here.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import { getter, setter } from '../operands.ts';
import { beginFp, endFp, source, tmp, xmmReg } from './sse-common.ts';
import { f32ToF64, f32ToInt, f64ToF32, f64ToInt, int32ToF32, intOut, intToF32, intToF64, putF64 } from './sse-softfloat.ts';

/** cvtsi2ss / cvtsi2sd: a signed 32- or 64-bit integer into the low lane. */
function intToScalar(bits: 32 | 64, double: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const g = getter(insn, 1, bits);
    return (c: Cpu) => {
      const lo = g(c);
      const hi = bits === 32 ? 0 : c.hi | 0;
      beginFp(c);
      if (bits === 32) {
        if (double) putF64(tmp, 0, lo | 0);
        else tmp[0] = int32ToF32(lo | 0);
      } else if (hi >= -0x200000 && hi < 0x200000) {
        // |value| < 2^53: exact as a double; the BigInt path only for wider values
        const v = hi * 4294967296 + (lo >>> 0);
        if (double) putF64(tmp, 0, v);
        else tmp[0] = v >= -16777216 && v <= 16777216 ? int32ToF32(v) : intToF32(BigInt(v));
      } else {
        const v = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
        if (double) intToF64(v, tmp, 0);
        else tmp[0] = intToF32(v);
      }
      endFp(c);
      c.xmm32[d] = tmp[0];
      if (double) c.xmm32[d + 1] = tmp[1];
    };
  };
}

/** cvt(t)ss2si / cvt(t)sd2si: the low lane to a signed 32- or 64-bit GPR. */
function scalarToInt(bits: 32 | 64, double: boolean, truncate: boolean) {
  return (insn: Insn) => {
    const s = source(insn, 1, double ? 8 : 4);
    const set = setter(insn, 0);
    return (c: Cpu) => {
      const x = c.xmm32, o = s(c) * 4;
      beginFp(c);
      if (double) f64ToInt(x[o], x[o + 1], bits, truncate);
      else f32ToInt(x[o], bits, truncate);
      endFp(c);
      set(c, intOut[0], intOut[1]);
    };
  };
}

function cvtss2sd(insn: Insn) {
  const d = xmmReg(insn, 0) * 4;
  const s = source(insn, 1, 4);
  return (c: Cpu) => {
    beginFp(c);
    f32ToF64(c.xmm32[s(c) * 4], tmp, 0);
    endFp(c);
    c.xmm32[d] = tmp[0];
    c.xmm32[d + 1] = tmp[1];
  };
}
function cvtsd2ss(insn: Insn) {
  const d = xmmReg(insn, 0) * 4;
  const s = source(insn, 1, 8);
  return (c: Cpu) => {
    const x = c.xmm32, o = s(c) * 4;
    beginFp(c);
    const r = f64ToF32(x[o], x[o + 1]);
    endFp(c);
    x[d] = r;
  };
}
/** cvtps2pd: the two low singles widened. */
function cvtps2pd(insn: Insn) {
  const d = xmmReg(insn, 0) * 4;
  const s = source(insn, 1, 8);
  return (c: Cpu) => {
    const x = c.xmm32, o = s(c) * 4;
    beginFp(c);
    const a = x[o], b = x[o + 1];
    f32ToF64(a, tmp, 0);
    f32ToF64(b, tmp, 2);
    endFp(c);
    x.set(tmp, d);
  };
}
/** cvtpd2ps: two doubles narrowed into the low lanes; the high lanes zeroed. */
function cvtpd2ps(insn: Insn) {
  const d = xmmReg(insn, 0) * 4;
  const s = source(insn, 1);
  return (c: Cpu) => {
    const x = c.xmm32, o = s(c) * 4;
    beginFp(c);
    tmp[0] = f64ToF32(x[o], x[o + 1]);
    tmp[1] = f64ToF32(x[o + 2], x[o + 3]);
    tmp[2] = tmp[3] = 0;
    endFp(c);
    x.set(tmp, d);
  };
}
/** cvtdq2ps: four int32 to single (rounded under MXCSR). */
function cvtdq2ps(insn: Insn) {
  const d = xmmReg(insn, 0) * 4;
  const s = source(insn, 1);
  return (c: Cpu) => {
    const x = c.xmmI32, o = s(c) * 4;
    beginFp(c);
    for (let i = 0; i < 4; i++) tmp[i] = int32ToF32(x[o + i]);
    endFp(c);
    c.xmm32.set(tmp, d);
  };
}
/** cvtdq2pd: the two low int32 to double (exact). */
function cvtdq2pd(insn: Insn) {
  const d = xmmReg(insn, 0) * 4;
  const s = source(insn, 1, 8);
  return (c: Cpu) => {
    const x = c.xmmI32, o = s(c) * 4;
    const a = x[o], b = x[o + 1];
    putF64(tmp, 0, a);
    putF64(tmp, 2, b);
    c.xmm32.set(tmp, d);
  };
}
/** cvt(t)ps2dq: four singles to int32. */
function cvtps2dq(truncate: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1);
    return (c: Cpu) => {
      const x = c.xmm32, o = s(c) * 4;
      beginFp(c);
      for (let i = 0; i < 4; i++) {
        f32ToInt(x[o + i], 32, truncate);
        tmp[i] = intOut[0];
      }
      endFp(c);
      x.set(tmp, d);
    };
  };
}
/** cvt(t)pd2dq: two doubles to int32 in the low lanes; the high lanes zeroed. */
function cvtpd2dq(truncate: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1);
    return (c: Cpu) => {
      const x = c.xmm32, o = s(c) * 4;
      beginFp(c);
      for (let i = 0; i < 2; i++) {
        f64ToInt(x[o + 2 * i], x[o + 2 * i + 1], 32, truncate);
        tmp[i] = intOut[0];
      }
      tmp[2] = tmp[3] = 0;
      endFp(c);
      x.set(tmp, d);
    };
  };
}

export const handlers: HandlerDef[] = [
  { codes: ['Cvtsi2ss_xmm_rm32'], build: intToScalar(32, false) },
  { codes: ['Cvtsi2ss_xmm_rm64'], build: intToScalar(64, false) },
  { codes: ['Cvtsi2sd_xmm_rm32'], build: intToScalar(32, true) },
  { codes: ['Cvtsi2sd_xmm_rm64'], build: intToScalar(64, true) },
  { codes: ['Cvtss2si_r32_xmmm32'], build: scalarToInt(32, false, false) },
  { codes: ['Cvtss2si_r64_xmmm32'], build: scalarToInt(64, false, false) },
  { codes: ['Cvttss2si_r32_xmmm32'], build: scalarToInt(32, false, true) },
  { codes: ['Cvttss2si_r64_xmmm32'], build: scalarToInt(64, false, true) },
  { codes: ['Cvtsd2si_r32_xmmm64'], build: scalarToInt(32, true, false) },
  { codes: ['Cvtsd2si_r64_xmmm64'], build: scalarToInt(64, true, false) },
  { codes: ['Cvttsd2si_r32_xmmm64'], build: scalarToInt(32, true, true) },
  { codes: ['Cvttsd2si_r64_xmmm64'], build: scalarToInt(64, true, true) },
  { codes: ['Cvtss2sd_xmm_xmmm32'], build: cvtss2sd },
  { codes: ['Cvtsd2ss_xmm_xmmm64'], build: cvtsd2ss },
  { codes: ['Cvtps2pd_xmm_xmmm64'], build: cvtps2pd },
  { codes: ['Cvtpd2ps_xmm_xmmm128'], build: cvtpd2ps },
  { codes: ['Cvtdq2ps_xmm_xmmm128'], build: cvtdq2ps },
  { codes: ['Cvtdq2pd_xmm_xmmm64'], build: cvtdq2pd },
  { codes: ['Cvtps2dq_xmm_xmmm128'], build: cvtps2dq(false) },
  { codes: ['Cvttps2dq_xmm_xmmm128'], build: cvtps2dq(true) },
  { codes: ['Cvtpd2dq_xmm_xmmm128'], build: cvtpd2dq(false) },
  { codes: ['Cvttpd2dq_xmm_xmmm128'], build: cvtpd2dq(true) },
];
