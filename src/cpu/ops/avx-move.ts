// AVX/AVX2 data movement: full-width moves (aligned, unaligned, non-temporal), vmovd/vmovq/vmovss/vmovsd,
// broadcasts, 128-bit lane inserts/extracts/permutes, element inserts/extracts, float-domain logic and
// shuffles, movmsk, vzeroupper/vzeroall.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import { handlerFor } from '../table.ts';
import { noteInitialized } from './avx-state.ts';
import { Code } from 'iced-x86';
import { effectiveAddress, getter, gprSetter, setter, widthOf } from '../operands.ts';
import { memoryHooked } from './sse-common.ts';
import { binaryShape, immOf, loader, RM, RMI, RVM, RVMI, storer, ternaryShape, VA, VB, VC, VD, vexCodes, vlen, type LaneOp } from './avx-common.ts';

/** Whole-register moves; `aligned` checks the operand's natural alignment (16 or 32). */
function move(aligned: boolean) {
  return (insn: Insn) => {
    const L = vlen(insn);
    const fast = L === 32 ? fastMove32(insn, aligned) : null;
    if (fast) return fast;
    const la = loader(insn, 1, VA, L, aligned);
    const st = storer(insn, 0, VA, L, aligned);
    return (c: Cpu) => {
      la(c);
      st(c);
    };
  };
}

/**
 * The 32-byte memory<->register moves (the memcpy/strlen loops' hot instructions) without staging: words go
 * straight between the page and the register file when no memory hook watches and the access stays in one page.
 */
function fastMove32(insn: Insn, aligned: boolean): ((c: Cpu) => void) | null {
  const [d, s] = insn.ops;
  const slow = (c: Cpu, la: (c: Cpu) => void, st: (c: Cpu) => void) => {
    la(c);
    st(c);
  };
  if (d.kind === 'xmm' && s.kind === 'mem') {
    const ea = effectiveAddress(insn.mem!);
    const w = d.reg * 4;
    const la = loader(insn, 1, VA, 32, aligned), st = storer(insn, 0, VA, 32);
    return (c) => {
      const a = ea(c);
      if ((a & 4095) > 4064 || (aligned && a % 32 !== 0) || memoryHooked(c)) return slow(c, la, st);
      const w0 = c.read64(a), w1 = c.hi, w2 = c.read64(a + 8), w3 = c.hi, w4 = c.read64(a + 16), w5 = c.hi, w6 = c.read64(a + 24), w7 = c.hi;
      c.ea = a;
      const x = c.xmm32, y = c.ymmHi32;
      x[w] = w0; x[w + 1] = w1; x[w + 2] = w2; x[w + 3] = w3;
      y[w] = w4; y[w + 1] = w5; y[w + 2] = w6; y[w + 3] = w7;
    };
  }
  if (d.kind === 'mem' && s.kind === 'xmm') {
    const ea = effectiveAddress(insn.mem!);
    const w = s.reg * 4;
    const la = loader(insn, 1, VA, 32), st = storer(insn, 0, VA, 32, aligned);
    return (c) => {
      const a = ea(c);
      if ((a & 4095) > 4064 || (aligned && a % 32 !== 0) || memoryHooked(c)) return slow(c, la, st);
      const x = c.xmm32, y = c.ymmHi32;
      c.write64(a, x[w], x[w + 1]);
      c.write64(a + 8, x[w + 2], x[w + 3]);
      c.write64(a + 16, y[w], y[w + 1]);
      c.write64(a + 24, y[w + 2], y[w + 3]);
    };
  }
  return null;
}

/** vmovd/vmovq xmm, r/m: the value zero-extended through bit 255. */
function movToXmm(insn: Insn) {
  const w = widthOf(insn, 1);
  const g = getter(insn, 1, w);
  const st = storer(insn, 0, VD, 16);
  return (c: Cpu) => {
    const lo = g(c);
    VD.u32.fill(0);
    VD.u32[0] = lo;
    if (w === 64) VD.u32[1] = c.hi;
    st(c);
  };
}
/** vmovd/vmovq r/m, xmm. */
function movFromXmm(insn: Insn) {
  const w = widthOf(insn, 0);
  const la = loader(insn, 1, VA, 16);
  const set = setter(insn, 0, false, w);
  return (c: Cpu) => {
    la(c);
    set(c, VA.u32[0], w === 64 ? VA.u32[1] : 0);
  };
}
/** vmovq xmm, xmm/m64 and vmovss/vmovsd xmm, m: the low `bytes`, the rest zeroed; vmovq/vmovss/vmovsd m, xmm stores them. */
function movLow(bytes: number) {
  return (insn: Insn) => {
    const la = loader(insn, 1, VA, 16);
    const st = storer(insn, 0, VD, 16);
    return (c: Cpu) => {
      la(c);
      VD.u32.fill(0);
      VD.u8.set(VA.u8.subarray(0, bytes));
      st(c);
    };
  };
}
/** vmovss/vmovsd xmm, xmm, xmm: the low element from the third operand, bits 127:(size) from the second. */
function movMerge(bytes: number) {
  return ternaryShape((a, b, d) => {
    d.u8.set(a.u8.subarray(0, 16));
    d.u8.set(b.u8.subarray(0, bytes));
  });
}

/** Broadcast the low `bytes` of the source to every element. */
function broadcast(bytes: number) {
  return binaryShape((a, _b, d, n) => {
    for (let i = 0; i < n; i += bytes) d.u8.set(a.u8.subarray(0, bytes), i);
  }, () => 16);
}

const insert128: LaneOp = (a, b, d, _n, imm) => {
  d.u8.set(a.u8);
  d.u8.set(b.u8.subarray(0, 16), (imm & 1) * 16);
};
function extract128(insn: Insn) {
  const la = loader(insn, 1, VA, 32);
  const st = storer(insn, 0, VD, 16);
  const lane = (immOf(insn) & 1) * 16;
  return (c: Cpu) => {
    la(c);
    VD.u8.set(VA.u8.subarray(lane, lane + 16));
    st(c);
  };
}
const perm2x128: LaneOp = (a, b, d, _n, imm) => {
  for (let l = 0; l < 2; l++) {
    const sel = (imm >> (4 * l)) & 0xf;
    if (sel & 8) d.u8.fill(0, 16 * l, 16 * l + 16);
    else d.u8.set((sel & 2 ? b : a).u8.subarray((sel & 1) * 16, (sel & 1) * 16 + 16), 16 * l);
  }
};
const permq: LaneOp = (a, _b, d, _n, imm) => {
  for (let i = 0; i < 4; i++) d.u64[i] = a.u64[(imm >> (2 * i)) & 3];
};
/** vpermd/vpermps dst, idx, table. */
const permd: LaneOp = (a, b, d) => {
  for (let i = 0; i < 8; i++) d.u32[i] = b.u32[a.u32[i] & 7];
};

/** vpinsrb/w/d/q xmm, xmm, r/m, imm8. */
function pinsr(bytes: number) {
  return (insn: Insn) => {
    const la = loader(insn, 1, VA, 16);
    const g = getter(insn, 2, insn.ops[2].kind === 'mem' ? bytes * 8 : bytes === 8 ? 64 : 32);
    const st = storer(insn, 0, VD, 16);
    const at = (immOf(insn) & (16 / bytes - 1)) * bytes;
    return (c: Cpu) => {
      la(c);
      const lo = g(c);
      const hi = c.hi;
      VD.u8.set(VA.u8.subarray(0, 16));
      VB.u32[0] = lo;
      VB.u32[1] = bytes === 8 ? hi : 0;
      VD.u8.set(VB.u8.subarray(0, bytes), at);
      st(c);
    };
  };
}
/** vpextrb/w/d/q r/m, xmm, imm8 (a register destination is zero-extended). */
function pextr(bytes: number) {
  return (insn: Insn) => {
    const la = loader(insn, 1, VA, 16);
    const op = insn.ops[0];
    const w = op.kind === 'gpr' ? op.width : bytes * 8;
    const set = op.kind === 'gpr' ? gprSetter(op) : setter(insn, 0, false, bytes * 8);
    const at = (immOf(insn) & (16 / bytes - 1)) * bytes;
    return (c: Cpu) => {
      la(c);
      VB.u32[0] = VB.u32[1] = 0;
      VB.u8.set(VA.u8.subarray(at, at + bytes));
      set(c, VB.u32[0], w === 64 ? VB.u32[1] : 0);
    };
  };
}
/** vmovmskps/pd r, xmm/ymm: the sign bit of each element. */
function movmsk(bytes: 4 | 8) {
  return (insn: Insn) => {
    const L = vlen(insn);
    const la = loader(insn, 1, VA, L);
    const op = insn.ops[0];
    if (op.kind !== 'gpr') throw new Error('movmsk: no gpr');
    const set = gprSetter(op);
    return (c: Cpu) => {
      la(c);
      let m = 0;
      for (let i = L / bytes - 1; i >= 0; i--) m = (m << 1) | (VA.u8[i * bytes + bytes - 1] >> 7);
      set(c, m, 0);
    };
  };
}

function vzeroupper(): (c: Cpu) => void {
  return (c) => {
    c.ymmHi8.fill(0, 0, 256);
    noteInitialized(c, 4);
  };
}
function vzeroall(): (c: Cpu) => void {
  return (c) => {
    c.ymmHi8.fill(0, 0, 256);
    c.xmm8.fill(0, 0, 256);
    noteInitialized(c, 6);
  };
}

const logic = (f: (x: number, y: number) => number): LaneOp => (a, b, d, n) => {
  for (let i = 0; i < n / 4; i++) d.u32[i] = f(a.u32[i], b.u32[i]);
};
/** Interleave `size`-byte elements of each 128-bit lane's low (or high) halves. */
function unpack(size: number, high: boolean): LaneOp {
  return (a, b, d, n) => {
    for (let l = 0; l < n; l += 16) {
      const from = l + (high ? 8 : 0);
      for (let k = 0; k < 8 / size; k++) {
        d.u8.set(a.u8.subarray(from + k * size, from + k * size + size), l + 2 * k * size);
        d.u8.set(b.u8.subarray(from + k * size, from + k * size + size), l + (2 * k + 1) * size);
      }
    }
  };
}
const shufps: LaneOp = (a, b, d, n, imm) => {
  for (let l = 0; l < n / 4; l += 4) {
    d.u32[l] = a.u32[l + (imm & 3)];
    d.u32[l + 1] = a.u32[l + ((imm >> 2) & 3)];
    d.u32[l + 2] = b.u32[l + ((imm >> 4) & 3)];
    d.u32[l + 3] = b.u32[l + ((imm >> 6) & 3)];
  }
};
const shufpd: LaneOp = (a, b, d, n, imm) => {
  for (let q = 0; q < n / 8; q += 2) {
    d.u64[q] = a.u64[q + ((imm >> q) & 1)];
    d.u64[q + 1] = b.u64[q + ((imm >> (q + 1)) & 1)];
  }
};
const permilpsImm: LaneOp = (a, _b, d, n, imm) => {
  for (let l = 0; l < n / 4; l += 4) for (let k = 0; k < 4; k++) d.u32[l + k] = a.u32[l + ((imm >> (2 * k)) & 3)];
};
const permilpdImm: LaneOp = (a, _b, d, n, imm) => {
  for (let q = 0; q < n / 8; q++) d.u64[q] = a.u64[(q & ~1) + ((imm >> q) & 1)];
};
const permilpsVar: LaneOp = (a, b, d, n) => {
  for (let l = 0; l < n / 4; l += 4) for (let k = 0; k < 4; k++) d.u32[l + k] = a.u32[l + (b.u32[l + k] & 3)];
};
const permilpdVar: LaneOp = (a, b, d, n) => {
  for (let q = 0; q < n / 8; q++) d.u64[q] = a.u64[(q & ~1) + ((b.u32[2 * q] >> 1) & 1)];
};
const dup = (pick: (i: number) => number, bytes: number): LaneOp => (a, _b, d, n) => {
  for (let i = 0; i < n / bytes; i++) d.u8.set(a.u8.subarray(pick(i) * bytes, pick(i) * bytes + bytes), i * bytes);
};

/** vblendps/vblendpd imm8: element i from b when imm8 bit i is set. */
function blendImm(bytes: 4 | 8): LaneOp {
  return (a, b, d, n, imm) => {
    for (let i = 0; i < n / bytes; i++) d.u8.set(((imm >> i) & 1 ? b : a).u8.subarray(i * bytes, i * bytes + bytes), i * bytes);
  };
}
/** vblendvps/vblendvpd dst, a, b, mask: element from b where the mask element's sign bit is set. */
function blendVar(bytes: 4 | 8) {
  return (insn: Insn) => {
    const L = vlen(insn);
    const la = loader(insn, 1, VA, L), lb = loader(insn, 2, VB, L), lc = loader(insn, 3, VC, L);
    const st = storer(insn, 0, VD, L);
    return (c: Cpu) => {
      la(c);
      lb(c);
      lc(c);
      for (let i = 0; i < L; i += bytes) VD.u8.set((VC.u8[i + bytes - 1] & 0x80 ? VB : VA).u8.subarray(i, i + bytes), i);
      st(c);
    };
  };
}

/** vtestps/vtestpd: ptest on the elements' sign bits only. */
function vtest(bytes: 4 | 8) {
  return (insn: Insn) => {
    const L = vlen(insn);
    const la = loader(insn, 0, VA, L), lb = loader(insn, 1, VB, L);
    return (c: Cpu) => {
      la(c);
      lb(c);
      let and = 0, andn = 0;
      for (let i = bytes - 1; i < L; i += bytes) {
        and |= VA.u8[i] & VB.u8[i] & 0x80;
        andn |= ~VA.u8[i] & VB.u8[i] & 0x80;
      }
      c.zr = and ? 1 : 0;
      c.cf = andn ? 0 : 1;
      c.of = c.sr = c.ar = 0;
      c.pr = 1;
    };
  };
}

/** Checks that [a, a+n) is writable, page by page, so a fault names the first byte that cannot be written. */
function probeRange(c: Cpu, a: number, n: number): void {
  const first = Math.min(n, 4096 - (a % 4096));
  c.probeWrite(a, first);
  if (first < n) c.probeWrite(a + first, n - first);
}

/**
 * vmaskmovps/pd and vpmaskmovd/q: elements whose mask element (vvvv) has its sign bit set are loaded (the others
 * zeroed) or stored (the others left untouched); masked-out elements never fault. A store checks every selected
 * element before writing any.
 */
function maskedMove(bytes: 4 | 8, store: boolean) {
  return (insn: Insn) => {
    const L = vlen(insn);
    const ea = effectiveAddress(insn.mem!);
    const lm = loader(insn, 1, VC, L);
    const data = store ? loader(insn, 2, VA, L) : null;
    const st = store ? null : storer(insn, 0, VD, L);
    return (c: Cpu) => {
      lm(c);
      const a = ea(c);
      const selected = (i: number) => (VC.u8[i * bytes + bytes - 1] & 0x80) !== 0;
      if (store) {
        data!(c);
        for (let i = 0; i < L / bytes; i++) if (selected(i)) probeRange(c, a + i * bytes, bytes);
        for (let i = 0; i < L / bytes; i++) if (selected(i)) c.writeBytes(a + i * bytes, VA.u8, i * bytes, bytes);
        return;
      }
      VD.u8.fill(0);
      for (let i = 0; i < L / bytes; i++) if (selected(i)) c.readBytes(a + i * bytes, bytes, VD.u8, i * bytes);
      st!(c);
    };
  };
}

const AVX = 'avx' as const;
const AVX2 = 'avx2' as const;
/** vinsertps: src1 with one single inserted (from src2's lane imm[7:6], or from m32) at lane imm[5:4], lanes in imm[3:0] zeroed. */
function insertps(insn: Insn) {
  const fromReg = insn.ops[2].kind === 'xmm';
  return ternaryShape((a, b, d, _n, imm) => {
    for (let i = 0; i < 4; i++) d.u32[i] = a.u32[i];
    d.u32[(imm >> 4) & 3] = b.u32[fromReg ? (imm >> 6) & 3 : 0];
    for (let i = 0; i < 4; i++) if ((imm >> i) & 1) d.u32[i] = 0;
  })(insn);
}

export const handlers: HandlerDef[] = [
  { codes: ['VEX_Vinsertps_xmm_xmm_xmmm32_imm8'], build: insertps, feature: AVX },
  // vmaskmovdqu writes memory only: the SSE form's behaviour (a byte store per selected byte, all checked first).
  { codes: ['VEX_Vmaskmovdqu_rDI_xmm_xmm'], build: (insn, cpu) => handlerFor(Code.Maskmovdqu_rDI_xmm_xmm)!.build(insn, cpu), feature: AVX },
  { codes: [...['Vmovdqu', 'Vmovups', 'Vmovupd'].flatMap((m) => vexCodes(m, [...RM, 'xmmm128_xmm', 'ymmm256_ymm'])), 'VEX_Vlddqu_xmm_m128', 'VEX_Vlddqu_ymm_m256'], build: move(false), feature: AVX },
  { codes: ['Vmovdqa', 'Vmovaps', 'Vmovapd'].flatMap((m) => vexCodes(m, [...RM, 'xmmm128_xmm', 'ymmm256_ymm'])), build: move(true), feature: AVX },
  { codes: ['Vmovntdq', 'Vmovntps', 'Vmovntpd'].flatMap((m) => vexCodes(m, ['m128_xmm', 'm256_ymm'])), build: move(true), feature: AVX },
  { codes: ['VEX_Vmovntdqa_xmm_m128'], build: move(true), feature: AVX },
  { codes: ['VEX_Vmovntdqa_ymm_m256'], build: move(true), feature: AVX2 },
  { codes: ['VEX_Vmovd_xmm_rm32', 'VEX_Vmovq_xmm_rm64'], build: movToXmm, feature: AVX },
  { codes: ['VEX_Vmovd_rm32_xmm', 'VEX_Vmovq_rm64_xmm'], build: movFromXmm, feature: AVX },
  { codes: ['VEX_Vmovq_xmm_xmmm64', 'VEX_Vmovq_xmmm64_xmm', 'VEX_Vmovsd_xmm_m64', 'VEX_Vmovsd_m64_xmm'], build: movLow(8), feature: AVX },
  { codes: ['VEX_Vmovss_xmm_m32', 'VEX_Vmovss_m32_xmm'], build: movLow(4), feature: AVX },
  { codes: ['VEX_Vmovss_xmm_xmm_xmm', 'VEX_Vmovss_xmm_xmm_xmm_0F11'], build: movMerge(4), feature: AVX },
  { codes: ['VEX_Vmovsd_xmm_xmm_xmm', 'VEX_Vmovsd_xmm_xmm_xmm_0F11'], build: movMerge(8), feature: AVX },
  { codes: ['VEX_Vbroadcastss_xmm_m32', 'VEX_Vbroadcastss_ymm_m32'], build: broadcast(4), feature: AVX },
  { codes: ['VEX_Vbroadcastsd_ymm_m64'], build: broadcast(8), feature: AVX },
  { codes: ['VEX_Vbroadcastf128_ymm_m128'], build: broadcast(16), feature: AVX },
  { codes: ['VEX_Vbroadcasti128_ymm_m128'], build: broadcast(16), feature: AVX2 },
  { codes: ['VEX_Vbroadcastss_xmm_xmm', 'VEX_Vbroadcastss_ymm_xmm'], build: broadcast(4), feature: AVX2 },
  { codes: ['VEX_Vbroadcastsd_ymm_xmm'], build: broadcast(8), feature: AVX2 },
  { codes: ['VEX_Vpbroadcastb_xmm_xmmm8', 'VEX_Vpbroadcastb_ymm_xmmm8'], build: broadcast(1), feature: AVX2 },
  { codes: ['VEX_Vpbroadcastw_xmm_xmmm16', 'VEX_Vpbroadcastw_ymm_xmmm16'], build: broadcast(2), feature: AVX2 },
  { codes: ['VEX_Vpbroadcastd_xmm_xmmm32', 'VEX_Vpbroadcastd_ymm_xmmm32'], build: broadcast(4), feature: AVX2 },
  { codes: ['VEX_Vpbroadcastq_xmm_xmmm64', 'VEX_Vpbroadcastq_ymm_xmmm64'], build: broadcast(8), feature: AVX2 },
  { codes: ['VEX_Vinsertf128_ymm_ymm_xmmm128_imm8'], build: ternaryShape(insert128), feature: AVX },
  { codes: ['VEX_Vinserti128_ymm_ymm_xmmm128_imm8'], build: ternaryShape(insert128), feature: AVX2 },
  { codes: ['VEX_Vextractf128_xmmm128_ymm_imm8'], build: extract128, feature: AVX },
  { codes: ['VEX_Vextracti128_xmmm128_ymm_imm8'], build: extract128, feature: AVX2 },
  { codes: ['VEX_Vperm2f128_ymm_ymm_ymmm256_imm8'], build: ternaryShape(perm2x128), feature: AVX },
  { codes: ['VEX_Vperm2i128_ymm_ymm_ymmm256_imm8'], build: ternaryShape(perm2x128), feature: AVX2 },
  { codes: ['VEX_Vpermq_ymm_ymmm256_imm8', 'VEX_Vpermpd_ymm_ymmm256_imm8'], build: binaryShape(permq), feature: AVX2 },
  { codes: ['VEX_Vpermd_ymm_ymm_ymmm256', 'VEX_Vpermps_ymm_ymm_ymmm256'], build: ternaryShape(permd), feature: AVX2 },
  { codes: ['VEX_Vpinsrb_xmm_xmm_r32m8_imm8', 'VEX_Vpinsrb_xmm_xmm_r64m8_imm8'], build: pinsr(1), feature: AVX },
  { codes: ['VEX_Vpinsrw_xmm_xmm_r32m16_imm8', 'VEX_Vpinsrw_xmm_xmm_r64m16_imm8'], build: pinsr(2), feature: AVX },
  { codes: ['VEX_Vpinsrd_xmm_xmm_rm32_imm8'], build: pinsr(4), feature: AVX },
  { codes: ['VEX_Vpinsrq_xmm_xmm_rm64_imm8'], build: pinsr(8), feature: AVX },
  { codes: ['VEX_Vpextrb_r32m8_xmm_imm8', 'VEX_Vpextrb_r64m8_xmm_imm8'], build: pextr(1), feature: AVX },
  { codes: ['VEX_Vpextrw_r32_xmm_imm8', 'VEX_Vpextrw_r64_xmm_imm8', 'VEX_Vpextrw_r32m16_xmm_imm8', 'VEX_Vpextrw_r64m16_xmm_imm8'], build: pextr(2), feature: AVX },
  { codes: ['VEX_Vpextrd_rm32_xmm_imm8', 'VEX_Vextractps_rm32_xmm_imm8', 'VEX_Vextractps_r64m32_xmm_imm8'], build: pextr(4), feature: AVX },
  { codes: ['VEX_Vpextrq_rm64_xmm_imm8'], build: pextr(8), feature: AVX },
  { codes: ['VEX_Vmovmskps_r32_xmm', 'VEX_Vmovmskps_r64_xmm', 'VEX_Vmovmskps_r32_ymm', 'VEX_Vmovmskps_r64_ymm'], build: movmsk(4), feature: AVX },
  { codes: ['VEX_Vmovmskpd_r32_xmm', 'VEX_Vmovmskpd_r64_xmm', 'VEX_Vmovmskpd_r32_ymm', 'VEX_Vmovmskpd_r64_ymm'], build: movmsk(8), feature: AVX },
  { codes: vexCodes('Vblendps', RVMI), build: ternaryShape(blendImm(4)), feature: AVX },
  { codes: vexCodes('Vblendpd', RVMI), build: ternaryShape(blendImm(8)), feature: AVX },
  { codes: vexCodes('Vblendvps', ['xmm_xmm_xmmm128_xmm', 'ymm_ymm_ymmm256_ymm']), build: blendVar(4), feature: AVX },
  { codes: vexCodes('Vblendvpd', ['xmm_xmm_xmmm128_xmm', 'ymm_ymm_ymmm256_ymm']), build: blendVar(8), feature: AVX },
  { codes: vexCodes('Vtestps', RM), build: vtest(4), feature: AVX },
  { codes: vexCodes('Vtestpd', RM), build: vtest(8), feature: AVX },
  { codes: ['VEX_Vmaskmovps_xmm_xmm_m128', 'VEX_Vmaskmovps_ymm_ymm_m256'], build: maskedMove(4, false), feature: AVX },
  { codes: ['VEX_Vmaskmovpd_xmm_xmm_m128', 'VEX_Vmaskmovpd_ymm_ymm_m256'], build: maskedMove(8, false), feature: AVX },
  { codes: ['VEX_Vmaskmovps_m128_xmm_xmm', 'VEX_Vmaskmovps_m256_ymm_ymm'], build: maskedMove(4, true), feature: AVX },
  { codes: ['VEX_Vmaskmovpd_m128_xmm_xmm', 'VEX_Vmaskmovpd_m256_ymm_ymm'], build: maskedMove(8, true), feature: AVX },
  { codes: ['VEX_Vpmaskmovd_xmm_xmm_m128', 'VEX_Vpmaskmovd_ymm_ymm_m256'], build: maskedMove(4, false), feature: AVX2 },
  { codes: ['VEX_Vpmaskmovq_xmm_xmm_m128', 'VEX_Vpmaskmovq_ymm_ymm_m256'], build: maskedMove(8, false), feature: AVX2 },
  { codes: ['VEX_Vpmaskmovd_m128_xmm_xmm', 'VEX_Vpmaskmovd_m256_ymm_ymm'], build: maskedMove(4, true), feature: AVX2 },
  { codes: ['VEX_Vpmaskmovq_m128_xmm_xmm', 'VEX_Vpmaskmovq_m256_ymm_ymm'], build: maskedMove(8, true), feature: AVX2 },
  { codes: ['VEX_Vzeroupper'], build: vzeroupper, feature: AVX },
  { codes: ['VEX_Vzeroall'], build: vzeroall, feature: AVX },
  { codes: [...vexCodes('Vandps', RVM), ...vexCodes('Vandpd', RVM)], build: ternaryShape(logic((x, y) => x & y)), feature: AVX },
  { codes: [...vexCodes('Vandnps', RVM), ...vexCodes('Vandnpd', RVM)], build: ternaryShape(logic((x, y) => ~x & y)), feature: AVX },
  { codes: [...vexCodes('Vorps', RVM), ...vexCodes('Vorpd', RVM)], build: ternaryShape(logic((x, y) => x | y)), feature: AVX },
  { codes: [...vexCodes('Vxorps', RVM), ...vexCodes('Vxorpd', RVM)], build: ternaryShape(logic((x, y) => x ^ y)), feature: AVX },
  { codes: vexCodes('Vunpcklps', RVM), build: ternaryShape(unpack(4, false)), feature: AVX },
  { codes: vexCodes('Vunpckhps', RVM), build: ternaryShape(unpack(4, true)), feature: AVX },
  { codes: vexCodes('Vunpcklpd', RVM), build: ternaryShape(unpack(8, false)), feature: AVX },
  { codes: vexCodes('Vunpckhpd', RVM), build: ternaryShape(unpack(8, true)), feature: AVX },
  { codes: vexCodes('Vshufps', RVMI), build: ternaryShape(shufps), feature: AVX },
  { codes: vexCodes('Vshufpd', RVMI), build: ternaryShape(shufpd), feature: AVX },
  { codes: vexCodes('Vpermilps', RMI), build: binaryShape(permilpsImm), feature: AVX },
  { codes: vexCodes('Vpermilpd', RMI), build: binaryShape(permilpdImm), feature: AVX },
  { codes: vexCodes('Vpermilps', RVM), build: ternaryShape(permilpsVar), feature: AVX },
  { codes: vexCodes('Vpermilpd', RVM), build: ternaryShape(permilpdVar), feature: AVX },
  { codes: vexCodes('Vmovsldup', RM), build: binaryShape(dup((i) => i & ~1, 4)), feature: AVX },
  { codes: vexCodes('Vmovshdup', RM), build: binaryShape(dup((i) => i | 1, 4)), feature: AVX },
  { codes: ['VEX_Vmovddup_ymm_ymmm256'], build: binaryShape(dup((i) => i & ~1, 8)), feature: AVX },
  { codes: ['VEX_Vmovddup_xmm_xmmm64'], build: binaryShape(dup(() => 0, 8), () => 16), feature: AVX },
];
