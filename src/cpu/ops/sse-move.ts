// SSE/SSE2/SSE3 data movement: full-register moves (aligned and unaligned), scalar and half moves,
// movd/movq between XMM and GPR/memory, sign masks (movmsk*, pmovmskb), maskmovdqu, ldmxcsr/stmxcsr.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { fault } from '../faults.ts';
import { effectiveAddress, getter, setter, xmmStore } from '../operands.ts';
import type { HandlerDef } from '../handler.ts';
import { source, store16, xmmReg } from './sse-common.ts';
import { sseMoveRule } from '../compile/sse-rules.ts';

/** movaps/movdqu & co, load form: the whole register from a register or 16 bytes of memory. */
function load128(aligned: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1, 16, aligned);
    return (c: Cpu) => {
      const x = c.xmm32, o = s(c) * 4;
      x[d] = x[o];
      x[d + 1] = x[o + 1];
      x[d + 2] = x[o + 2];
      x[d + 3] = x[o + 3];
    };
  };
}

/** Store form: register or 16 bytes of memory from a register. */
function store128(aligned: boolean) {
  return (insn: Insn) => {
    const src = xmmReg(insn, 1);
    if (insn.ops[0].kind !== 'mem') {
      const st = xmmStore(insn, 0, 16, aligned);
      return (c: Cpu) => st(c, src);
    }
    const ea = effectiveAddress(insn.mem!);
    return (c: Cpu) => {
      const a = ea(c);
      if (aligned && a % 16 !== 0) fault('misaligned', a, 'write');
      store16(c, a, src * 4);
    };
  };
}

/** movss/movsd load: from memory, zero-extended; between registers, only the low lane. */
function scalarLoad(bytes: 4 | 8) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 16;
    if (insn.ops[1].kind === 'xmm') {
      const s = insn.ops[1].reg * 16;
      return (c: Cpu) => c.xmm8.copyWithin(d, s, s + bytes);
    }
    const s = source(insn, 1, bytes, false);
    return (c: Cpu) => {
      const slot = s(c) * 16;
      c.xmm8.copyWithin(d, slot, slot + 16);
    };
  };
}

/** movss/movsd store form (also reg-reg: the low lane merges). */
function scalarStore(bytes: 4 | 8) {
  return (insn: Insn) => {
    const src = xmmReg(insn, 1);
    const st = xmmStore(insn, 0, bytes, false);
    return (c: Cpu) => st(c, src);
  };
}

/** movlps/movlpd/movhps/movhpd loads: 8 bytes of memory into the low or high half. */
function halfLoad(high: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 16 + (high ? 8 : 0);
    const s = source(insn, 1, 8, false);
    return (c: Cpu) => {
      const slot = s(c) * 16;
      c.xmm8.copyWithin(d, slot, slot + 8);
    };
  };
}

/** movlps/movlpd/movhps/movhpd stores: the low or high half to 8 bytes of memory. */
function halfStore(high: boolean) {
  return (insn: Insn) => {
    const s = xmmReg(insn, 1) * 16 + (high ? 8 : 0);
    const ea = effectiveAddress(insn.mem!);
    return (c: Cpu) => c.writeBytes(ea(c), c.xmm8, s, 8);
  };
}

/** movhlps (dst.low = src.high) and movlhps (dst.high = src.low). */
function halfRegMove(fromHigh: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 16 + (fromHigh ? 0 : 8);
    const s = xmmReg(insn, 1) * 16 + (fromHigh ? 8 : 0);
    return (c: Cpu) => c.xmm8.copyWithin(d, s, s + 8);
  };
}

/** movd/movq xmm, r/m: zero-extended into the register. */
function movToXmm(bits: 32 | 64) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const g = getter(insn, 1, bits);
    return (c: Cpu) => {
      const lo = g(c);
      const x = c.xmm32;
      x[d] = lo;
      x[d + 1] = bits === 64 ? c.hi : 0;
      x[d + 2] = 0;
      x[d + 3] = 0;
    };
  };
}

/** movd/movq r/m, xmm: the low 32 or 64 bits. */
function movFromXmm(bits: 32 | 64) {
  return (insn: Insn) => {
    const s = xmmReg(insn, 1) * 4;
    const set = setter(insn, 0, false, bits);
    return (c: Cpu) => set(c, c.xmm32[s], c.xmm32[s + 1]);
  };
}

/** movq xmm, xmm/m64 (F3 0F 7E) and movq xmm/m64, xmm (66 0F D6): low 64 bits, upper zeroed in a register. */
function movqLoad(insn: Insn) {
  const d = xmmReg(insn, 0) * 4;
  const s = source(insn, 1, 8, false);
  return (c: Cpu) => {
    const x = c.xmm32;
    const slot = s(c) * 4;
    const lo = x[slot], hi = x[slot + 1];
    x[d] = lo;
    x[d + 1] = hi;
    x[d + 2] = 0;
    x[d + 3] = 0;
  };
}
function movqStore(insn: Insn) {
  if (insn.ops[0].kind === 'xmm') return movqLoad(insn);
  const s = xmmReg(insn, 1);
  const st = xmmStore(insn, 0, 8, false);
  return (c: Cpu) => st(c, s);
}

/** movmskps/movmskpd/pmovmskb: the sign bits of each lane into a GPR (zero-extended). */
function signMask(laneBytes: 1 | 4 | 8) {
  return (insn: Insn) => {
    const s = xmmReg(insn, 1) * 16;
    const set = setter(insn, 0);
    const lanes = 16 / laneBytes;
    return (c: Cpu) => {
      const x = c.xmm8;
      let m = 0;
      for (let i = 0; i < lanes; i++) m |= (x[s + i * laneBytes + laneBytes - 1] >> 7) << i;
      set(c, m, 0);
    };
  };
}

/** maskmovdqu: stores the bytes of src whose mask byte has its top bit set, at [rdi] (unaligned, byte-wise). */
function maskmovdqu(insn: Insn) {
  const src = xmmReg(insn, 1) * 16;
  const mask = xmmReg(insn, 2) * 16;
  const addr32 = insn.mem?.addrSize === 32 || insn.bitness === 32;
  return (c: Cpu) => {
    const x = c.xmm8;
    const base = addr32 ? c.r32[14] : c.gprNumber(7);
    // Check every selected byte is writable first: nothing is written if one faults.
    for (let i = 0; i < 16; i++) if (x[mask + i] & 0x80) c.probeWrite(base + i, 1);
    for (let i = 0; i < 16; i++) if (x[mask + i] & 0x80) c.write8(base + i, x[src + i]);
  };
}

function ldmxcsr(insn: Insn) {
  const g = getter(insn, 0, 32);
  return (c: Cpu) => {
    const v = g(c);
    // Bits above 15 are reserved (MXCSR_MASK 0xffff): setting one is a #GP.
    if (v & 0xffff0000) fault('general-protection', undefined, undefined, `ldmxcsr 0x${v.toString(16)} sets reserved bits`);
    c.mxcsr = v;
  };
}
function stmxcsr(insn: Insn) {
  const set = setter(insn, 0, false, 32);
  return (c: Cpu) => set(c, c.mxcsr, 0);
}

/** movddup (low double to both halves), movshdup (odd singles duplicated), movsldup (even singles). */
function movddup(insn: Insn) {
  const d = xmmReg(insn, 0) * 4;
  const s = source(insn, 1, 8, false);
  return (c: Cpu) => {
    const x = c.xmm32;
    const slot = s(c) * 4;
    const lo = x[slot], hi = x[slot + 1];
    x[d] = x[d + 2] = lo;
    x[d + 1] = x[d + 3] = hi;
  };
}
function movdupSingles(odd: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1);
    const o = odd ? 1 : 0;
    return (c: Cpu) => {
      const x = c.xmm32;
      const slot = s(c) * 4;
      const a = x[slot + o], b = x[slot + 2 + o];
      x[d] = x[d + 1] = a;
      x[d + 2] = x[d + 3] = b;
    };
  };
}

export const handlers: HandlerDef[] = [
  { codes: ['Movups_xmm_xmmm128', 'Movupd_xmm_xmmm128', 'Movdqu_xmm_xmmm128'], build: load128(false), compile: sseMoveRule(false) },
  { codes: ['Lddqu_xmm_m128'], build: load128(false), feature: 'sse3' },
  { codes: ['Movaps_xmm_xmmm128', 'Movapd_xmm_xmmm128', 'Movdqa_xmm_xmmm128'], build: load128(true), compile: sseMoveRule(true) },
  { codes: ['Movntdqa_xmm_m128'], build: load128(true), feature: 'sse4.1' },
  { codes: ['Movups_xmmm128_xmm', 'Movupd_xmmm128_xmm', 'Movdqu_xmmm128_xmm'], build: store128(false), compile: sseMoveRule(false) },
  { codes: ['Movaps_xmmm128_xmm', 'Movapd_xmmm128_xmm', 'Movdqa_xmmm128_xmm', 'Movntps_m128_xmm', 'Movntpd_m128_xmm', 'Movntdq_m128_xmm'], build: store128(true), compile: sseMoveRule(true) },
  { codes: ['Movss_xmm_xmmm32'], build: scalarLoad(4) },
  { codes: ['Movsd_xmm_xmmm64'], build: scalarLoad(8) },
  { codes: ['Movss_xmmm32_xmm'], build: scalarStore(4) },
  { codes: ['Movsd_xmmm64_xmm'], build: scalarStore(8) },
  { codes: ['Movlps_xmm_m64', 'Movlpd_xmm_m64'], build: halfLoad(false) },
  { codes: ['Movhps_xmm_m64', 'Movhpd_xmm_m64'], build: halfLoad(true) },
  { codes: ['Movlps_m64_xmm', 'Movlpd_m64_xmm'], build: halfStore(false) },
  { codes: ['Movhps_m64_xmm', 'Movhpd_m64_xmm'], build: halfStore(true) },
  { codes: ['Movhlps_xmm_xmm'], build: halfRegMove(true) },
  { codes: ['Movlhps_xmm_xmm'], build: halfRegMove(false) },
  { codes: ['Movd_xmm_rm32'], build: movToXmm(32) },
  { codes: ['Movq_xmm_rm64'], build: movToXmm(64) },
  { codes: ['Movd_rm32_xmm'], build: movFromXmm(32) },
  { codes: ['Movq_rm64_xmm'], build: movFromXmm(64) },
  { codes: ['Movq_xmm_xmmm64'], build: movqLoad },
  { codes: ['Movq_xmmm64_xmm'], build: movqStore },
  { codes: ['Movmskps_r32_xmm', 'Movmskps_r64_xmm'], build: signMask(4) },
  { codes: ['Movmskpd_r32_xmm', 'Movmskpd_r64_xmm'], build: signMask(8) },
  { codes: ['Pmovmskb_r32_xmm', 'Pmovmskb_r64_xmm'], build: signMask(1) },
  { codes: ['Maskmovdqu_rDI_xmm_xmm'], build: maskmovdqu },
  { codes: ['Ldmxcsr_m32'], build: ldmxcsr },
  { codes: ['Stmxcsr_m32'], build: stmxcsr },
  { codes: ['Movddup_xmm_xmmm64'], build: movddup, feature: 'sse3' },
  { codes: ['Movshdup_xmm_xmmm128'], build: movdupSingles(true), feature: 'sse3' },
  { codes: ['Movsldup_xmm_xmmm128'], build: movdupSingles(false), feature: 'sse3' },
];
