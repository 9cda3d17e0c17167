// F16C: vcvtph2ps (halves to singles, exact) and vcvtps2ph (singles to halves, rounded by imm8 or MXCSR),
// 128- and 256-bit forms; lane semantics in sse-softfloat.ts.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import { immOf, loader, storer, VA, VD, vlen } from './avx-common.ts';
import { beginFp, endFp } from './sse-common.ts';
import { f16ToF32, f32ToF16 } from './sse-softfloat.ts';

function ph2ps(insn: Insn) {
  const L = vlen(insn);
  const n = L / 4;
  const la = loader(insn, 1, VA, 16);
  const st = storer(insn, 0, VD, L);
  return (c: Cpu) => {
    la(c);
    beginFp(c);
    for (let i = 0; i < n; i++) VD.u32[i] = f16ToF32(VA.u16[i]);
    endFp(c);
    st(c);
  };
}

function ps2ph(insn: Insn) {
  const src = insn.ops[1] as { ymm?: boolean };
  const n = src.ymm ? 8 : 4;
  const la = loader(insn, 1, VA, n * 4);
  const st = storer(insn, 0, VD, 16);
  const imm = immOf(insn);
  return (c: Cpu) => {
    la(c);
    beginFp(c);
    VD.u32.fill(0);
    for (let i = 0; i < n; i++) VD.u16[i] = f32ToF16(VA.u32[i], imm & 3, (imm & 4) !== 0);
    endFp(c);
    st(c);
  };
}

export const handlers: HandlerDef[] = [
  { codes: ['VEX_Vcvtph2ps_xmm_xmmm64', 'VEX_Vcvtph2ps_ymm_xmmm128'], build: ph2ps, feature: 'f16c' },
  { codes: ['VEX_Vcvtps2ph_xmmm64_xmm_imm8', 'VEX_Vcvtps2ph_xmmm128_ymm_imm8'], build: ps2ph, feature: 'f16c' },
];
