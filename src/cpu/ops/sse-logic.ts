// SSE/SSE2 bitwise logic on whole registers: and/andn/or/xor in their ps, pd and integer forms; SSE4.1 ptest.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import { source, xmmReg } from './sse-common.ts';
import { sseBinaryRule } from '../compile/sse-rules.ts';
import { Simd } from '../compile/wasm-emitter.ts';

function logic(op: 'and' | 'andn' | 'or' | 'xor') {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1);
    switch (op) {
      case 'and':
        return (c: Cpu) => {
          const x = c.xmm32, o = s(c) * 4;
          for (let i = 0; i < 4; i++) x[d + i] &= x[o + i];
        };
      case 'andn':
        return (c: Cpu) => {
          const x = c.xmm32, o = s(c) * 4;
          for (let i = 0; i < 4; i++) x[d + i] = ~x[d + i] & x[o + i];
        };
      case 'or':
        return (c: Cpu) => {
          const x = c.xmm32, o = s(c) * 4;
          for (let i = 0; i < 4; i++) x[d + i] |= x[o + i];
        };
      default:
        return (c: Cpu) => {
          const x = c.xmm32, o = s(c) * 4;
          for (let i = 0; i < 4; i++) x[d + i] ^= x[o + i];
        };
    }
  };
}

/** ptest: ZF = (dst AND src) == 0, CF = (NOT dst AND src) == 0; OF, SF, AF, PF cleared. */
function ptest(insn: Insn) {
  const d = xmmReg(insn, 0) * 4;
  const s = source(insn, 1);
  return (c: Cpu) => {
    const x = c.xmm32, o = s(c) * 4;
    let and = 0, andn = 0;
    for (let i = 0; i < 4; i++) {
      and |= x[d + i] & x[o + i];
      andn |= ~x[d + i] & x[o + i];
    }
    c.zr = and === 0 ? 0 : 1;
    c.cf = andn === 0 ? 1 : 0;
    c.of = 0;
    c.sr = 0;
    c.ar = 0;
    c.pr = 1; // parity of 1 is odd: PF clear
  };
}

export const handlers: HandlerDef[] = [
  { codes: ['Andps_xmm_xmmm128', 'Andpd_xmm_xmmm128'], build: logic('and') },
  { codes: ['Pand_xmm_xmmm128'], build: logic('and'), compile: sseBinaryRule(Simd.v128_and) },
  { codes: ['Andnps_xmm_xmmm128', 'Andnpd_xmm_xmmm128', 'Pandn_xmm_xmmm128'], build: logic('andn') },
  { codes: ['Orps_xmm_xmmm128', 'Orpd_xmm_xmmm128'], build: logic('or') },
  { codes: ['Por_xmm_xmmm128'], build: logic('or'), compile: sseBinaryRule(Simd.v128_or) },
  { codes: ['Xorps_xmm_xmmm128', 'Xorpd_xmm_xmmm128'], build: logic('xor') },
  { codes: ['Pxor_xmm_xmmm128'], build: logic('xor'), compile: sseBinaryRule(Simd.v128_xor) },
  { codes: ['Ptest_xmm_xmmm128'], build: ptest, feature: 'sse4.1' },
];
