// The SSE forms with MMX operands: CVTPI2PS, CVTPI2PD (register and m64), CVTPS2PI, CVTTPS2PI, CVTPD2PI,
// CVTTPD2PI (MXCSR rounding, flags and #XM as the SSE conversions), MOVQ2DQ and MOVDQ2Q.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { fault } from '../faults.ts';
import type { Exec, HandlerDef } from '../handler.ts';
import { effectiveAddress } from '../operands.ts';
import { beginFp, endFp, xmmReg } from './sse-common.ts';
import { f32ToInt, f64ToInt, int32ToF32, intOut, putF64 } from './sse-softfloat.ts';
import { enterMmx, mmOf, mmSource, wroteMm } from './mmx.ts';
import { checkPending } from './x87-common.ts';

const t = new Uint32Array(4);

/** CVTPI2PS xmm, mm/m64: two int32 to single (MXCSR rounding); lanes 2-3 kept. A register source enters MMX mode. */
function cvtpi2ps(insn: Insn): Exec {
  const d = xmmReg(insn, 0) * 4;
  const src = mmSource(insn, 1);
  const fromMm = mmOf(insn, 1) >= 0;
  return (c: Cpu) => {
    // a memory source touches no MMX state: no #MF, no transition (the host CPU)
    if (fromMm) checkPending(c);
    src(c, t, 0);
    if (fromMm) enterMmx(c);
    beginFp(c);
    const a = int32ToF32(t[0] | 0), b = int32ToF32(t[1] | 0);
    endFp(c);
    c.xmm32[d] = a;
    c.xmm32[d + 1] = b;
  };
}

/** CVTPI2PD xmm, mm/m64: two int32 to double (exact). */
function cvtpi2pd(insn: Insn): Exec {
  const d = xmmReg(insn, 0) * 4;
  const src = mmSource(insn, 1);
  const fromMm = mmOf(insn, 1) >= 0;
  return (c: Cpu) => {
    // a memory source touches no MMX state: no #MF, no transition (the host CPU)
    if (fromMm) checkPending(c);
    src(c, t, 0);
    if (fromMm) enterMmx(c);
    putF64(c.xmm32, d, t[0] | 0);
    putF64(c.xmm32, d + 2, t[1] | 0);
  };
}

/** An XMM or memory source of `bytes` (16 must be aligned) into t. */
function xmmOrMem(insn: Insn, i: number, bytes: 8 | 16): (c: Cpu) => void {
  const op = insn.ops[i];
  if (op.kind === 'xmm') {
    const s = op.reg * 4;
    return (c) => t.set(c.xmm32.subarray(s, s + 4));
  }
  const ea = effectiveAddress(insn.mem!);
  return (c) => {
    const a = ea(c);
    if (bytes === 16 && a % 16 !== 0) fault('misaligned', a, 'read');
    t[0] = c.read64(a);
    t[1] = c.hi;
    if (bytes === 16) {
      t[2] = c.read64(a + 8);
      t[3] = c.hi;
    }
  };
}

/** CVT(T)PS2PI / CVT(T)PD2PI mm, xmm/m: two lanes to int32 (the integer indefinite on NaN/overflow). */
function toPi(double: boolean, truncate: boolean) {
  return (insn: Insn): Exec => {
    const d = mmOf(insn, 0);
    const src = xmmOrMem(insn, 1, double ? 16 : 8);
    return (c: Cpu) => {
      checkPending(c);
      src(c);
      beginFp(c);
      let a: number, b: number;
      if (double) {
        f64ToInt(t[0], t[1], 32, truncate);
        a = intOut[0];
        f64ToInt(t[2], t[3], 32, truncate);
        b = intOut[0];
      } else {
        f32ToInt(t[0], 32, truncate);
        a = intOut[0];
        f32ToInt(t[1], 32, truncate);
        b = intOut[0];
      }
      endFp(c);
      enterMmx(c);
      c.x87.mm32[2 * d] = a;
      c.x87.mm32[2 * d + 1] = b;
      wroteMm(c, d);
    };
  };
}

function movq2dq(insn: Insn): Exec {
  const d = xmmReg(insn, 0) * 4;
  const s = mmOf(insn, 1);
  return (c: Cpu) => {
    enterMmx(c);
    const m = c.x87.mm32;
    c.xmm32[d] = m[2 * s];
    c.xmm32[d + 1] = m[2 * s + 1];
    c.xmm32[d + 2] = c.xmm32[d + 3] = 0;
  };
}
function movdq2q(insn: Insn): Exec {
  const d = mmOf(insn, 0);
  const s = xmmReg(insn, 1) * 4;
  return (c: Cpu) => {
    enterMmx(c);
    c.x87.mm32[2 * d] = c.xmm32[s];
    c.x87.mm32[2 * d + 1] = c.xmm32[s + 1];
    wroteMm(c, d);
  };
}

export const handlers: HandlerDef[] = [
  { codes: ['Cvtpi2ps_xmm_mmm64'], build: cvtpi2ps },
  { codes: ['Cvtpi2pd_xmm_mmm64'], build: cvtpi2pd },
  { codes: ['Cvtps2pi_mm_xmmm64'], build: toPi(false, false) },
  { codes: ['Cvttps2pi_mm_xmmm64'], build: toPi(false, true) },
  { codes: ['Cvtpd2pi_mm_xmmm128'], build: toPi(true, false) },
  { codes: ['Cvttpd2pi_mm_xmmm128'], build: toPi(true, true) },
  { codes: ['Movq2dq_xmm_mm'], build: movq2dq },
  { codes: ['Movdq2q_mm_xmm'], build: movdq2q },
];
