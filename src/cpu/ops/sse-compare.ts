// SSE/SSE2 floating-point comparisons: cmpps/cmppd/cmpss/cmpsd (the eight legacy predicates, as lane masks)
// and ucomiss/ucomisd/comiss/comisd (ZF, PF, CF; OF, SF, AF cleared). Invalid/denormal flags in MXCSR.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import { beginFp, endFp, imm8, source, tmp, xmmReg } from './sse-common.ts';
import { f32Compare, f64Compare, predicateHolds, predicateSignals } from './sse-softfloat.ts';

/** SSE encodings have 8 predicates (imm8 & 7); VEX ones (vcmpps & co, run through avx-legacy.ts) have 32. */
function predicateMask(insn: Insn): number {
  let k = 0;
  while (k < insn.bytes.length && [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x67].includes(insn.bytes[k])) k++;
  return insn.bytes[k] === 0xc4 || insn.bytes[k] === 0xc5 ? 31 : 7;
}

function cmpSingle(lanes: 1 | 4) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1, lanes * 4);
    const pred = imm8(insn) & predicateMask(insn);
    const signals = predicateSignals(pred);
    return (c: Cpu) => {
      beginFp(c);
      const x = c.xmm32, o = s(c) * 4;
      for (let i = 0; i < lanes; i++) tmp[i] = predicateHolds(pred, f32Compare(x[d + i], x[o + i], signals)) ? 0xffffffff : 0;
      endFp(c);
      for (let i = 0; i < lanes; i++) x[d + i] = tmp[i];
    };
  };
}
function cmpDouble(lanes: 1 | 2) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1, lanes * 8);
    const pred = imm8(insn) & predicateMask(insn);
    const signals = predicateSignals(pred);
    return (c: Cpu) => {
      beginFp(c);
      const x = c.xmm32, o = s(c) * 4;
      for (let i = 0; i < 2 * lanes; i += 2) tmp[i] = tmp[i + 1] = predicateHolds(pred, f64Compare(x[d + i], x[d + i + 1], x[o + i], x[o + i + 1], signals)) ? 0xffffffff : 0;
      endFp(c);
      for (let i = 0; i < 2 * lanes; i++) x[d + i] = tmp[i];
    };
  };
}

/** (u)comis*: outcome 0 less → CF; 1 equal → ZF; 2 greater → none; 3 unordered → ZF PF CF. comis* signals on QNaN. */
function comis(double: boolean, signalQNaN: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1, double ? 8 : 4);
    return (c: Cpu) => {
      beginFp(c);
      const x = c.xmm32, o = s(c) * 4;
      const r = double ? f64Compare(x[d], x[d + 1], x[o], x[o + 1], signalQNaN) : f32Compare(x[d], x[o], signalQNaN);
      endFp(c);
      c.zr = r === 1 || r === 3 ? 0 : 1;
      c.pr = r === 3 ? 0 : 1; // PF set iff unordered (pr = 0 has even parity)
      c.cf = r === 0 || r === 3 ? 1 : 0;
      c.of = 0;
      c.sr = 0;
      c.ar = 0;
    };
  };
}

export const handlers: HandlerDef[] = [
  { codes: ['Cmpps_xmm_xmmm128_imm8'], build: cmpSingle(4) },
  { codes: ['Cmpss_xmm_xmmm32_imm8'], build: cmpSingle(1) },
  { codes: ['Cmppd_xmm_xmmm128_imm8'], build: cmpDouble(2) },
  { codes: ['Cmpsd_xmm_xmmm64_imm8'], build: cmpDouble(1) },
  { codes: ['Ucomiss_xmm_xmmm32'], build: comis(false, false) },
  { codes: ['Ucomisd_xmm_xmmm64'], build: comis(true, false) },
  { codes: ['Comiss_xmm_xmmm32'], build: comis(false, true) },
  { codes: ['Comisd_xmm_xmmm64'], build: comis(true, true) },
];
