// SSE2/SSSE3/SSE4.1 lane rearrangement: packs with saturation, unpacks, shuffles, byte shuffles and
// alignment, blends, zero/sign extension, element insert and extract, phminposuw, mpsadbw.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import { getter, setter } from '../operands.ts';
import { imm8, signed, source, tmp, tmp16, tmp8, tmpI16, xmmReg } from './sse-common.ts';

const clamp = (lo: number, hi: number) => (x: number) => (x < lo ? lo : x > hi ? hi : x);

/** packsswb/packuswb (words → bytes), packssdw/packusdw (dwords → words): dst lanes first, then src. */
function pack(fromWidth: 16 | 32, isSignedOut: boolean) {
  const sat = fromWidth === 16 ? (isSignedOut ? clamp(-128, 127) : clamp(0, 255)) : isSignedOut ? clamp(-32768, 32767) : clamp(0, 65535);
  const n = 128 / fromWidth;
  return (insn: Insn) => {
    const dreg = xmmReg(insn, 0);
    const s = source(insn, 1);
    return (c: Cpu) => {
      const sv = signed(c);
      const v = fromWidth === 16 ? sv.i16 : sv.i32;
      const o = s(c) * n, d = dreg * n;
      if (fromWidth === 16) {
        for (let i = 0; i < n; i++) {
          tmp8[i] = sat(v[d + i]);
          tmp8[n + i] = sat(v[o + i]);
        }
      } else {
        for (let i = 0; i < n; i++) {
          tmp16[i] = sat(v[d + i]);
          tmp16[n + i] = sat(v[o + i]);
        }
      }
      c.xmm32.set(tmp, dreg * 4);
    };
  };
}

/** punpckl/punpckh (bw, wd, dq, qdq) and unpckl/unpckh (ps, pd): interleave lanes of `bytes` from the low or high halves of dst and src. */
function unpack(bytes: 1 | 2 | 4 | 8, high: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 16;
    const s = source(insn, 1);
    const start = high ? 8 : 0;
    return (c: Cpu) => {
      const u = c.xmm8, o = s(c) * 16;
      for (let i = 0; i < 8 / bytes; i++) {
        for (let k = 0; k < bytes; k++) {
          tmp8[2 * i * bytes + k] = u[d + start + i * bytes + k];
          tmp8[(2 * i + 1) * bytes + k] = u[o + start + i * bytes + k];
        }
      }
      c.xmm32.set(tmp, d / 4);
    };
  };
}

/** pshufd: dword i of dst = dword (imm >> 2i & 3) of src. */
function pshufd(insn: Insn) {
  const d = xmmReg(insn, 0) * 4;
  const s = source(insn, 1);
  const k = imm8(insn);
  return (c: Cpu) => {
    const x = c.xmm32, o = s(c) * 4;
    for (let i = 0; i < 4; i++) tmp[i] = x[o + ((k >> (2 * i)) & 3)];
    x.set(tmp, d);
  };
}

/** pshuflw / pshufhw: shuffle the words of one half, copy the other. */
function pshufw(high: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 8;
    const s = source(insn, 1);
    const k = imm8(insn);
    const base = high ? 4 : 0, other = high ? 0 : 4;
    return (c: Cpu) => {
      const w = c.xmm16, o = s(c) * 8;
      for (let i = 0; i < 4; i++) {
        tmp16[base + i] = w[o + base + ((k >> (2 * i)) & 3)];
        tmp16[other + i] = w[o + other + i];
      }
      c.xmm32.set(tmp, d / 2);
    };
  };
}

/** shufps: low two dwords from dst, high two from src, each chosen by two immediate bits. */
function shufps(insn: Insn) {
  const d = xmmReg(insn, 0) * 4;
  const s = source(insn, 1);
  const k = imm8(insn);
  return (c: Cpu) => {
    const x = c.xmm32, o = s(c) * 4;
    tmp[0] = x[d + (k & 3)];
    tmp[1] = x[d + ((k >> 2) & 3)];
    tmp[2] = x[o + ((k >> 4) & 3)];
    tmp[3] = x[o + ((k >> 6) & 3)];
    x.set(tmp, d);
  };
}
/** shufpd: low qword from dst (imm bit 0), high from src (bit 1). */
function shufpd(insn: Insn) {
  const d = xmmReg(insn, 0) * 4;
  const s = source(insn, 1);
  const k = imm8(insn);
  return (c: Cpu) => {
    const x = c.xmm32, o = s(c) * 4;
    const a = d + (k & 1 ? 2 : 0), b = o + (k & 2 ? 2 : 0);
    tmp[0] = x[a];
    tmp[1] = x[a + 1];
    tmp[2] = x[b];
    tmp[3] = x[b + 1];
    x.set(tmp, d);
  };
}

/** pinsrw/pinsrb/pinsrd/pinsrq: a GPR or memory element into the lane the immediate names. */
function insert(bytes: 1 | 2 | 4 | 8) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 16;
    const g = getter(insn, 1, insn.ops[1].kind === 'mem' ? bytes * 8 : undefined);
    const lane = imm8(insn) & (16 / bytes - 1);
    return (c: Cpu) => {
      const lo = g(c), hi = c.hi;
      const at = d + lane * bytes;
      const u = c.xmm8;
      for (let k = 0; k < bytes; k++) u[at + k] = k < 4 ? lo >>> (8 * k) : hi >>> (8 * (k - 4));
    };
  };
}

/** pextrw/pextrb/pextrd/pextrq/extractps: a lane into a GPR (zero-extended) or memory. */
function extract(bytes: 1 | 2 | 4 | 8) {
  return (insn: Insn) => {
    const s = xmmReg(insn, 1) * 16;
    const lane = imm8(insn) & (16 / bytes - 1);
    const set = setter(insn, 0, false, insn.ops[0].kind === 'mem' ? bytes * 8 : undefined);
    return (c: Cpu) => {
      const u = c.xmm8;
      const at = s + lane * bytes;
      let lo = 0, hi = 0;
      for (let k = 0; k < bytes; k++) {
        if (k < 4) lo |= u[at + k] << (8 * k);
        else hi |= u[at + k] << (8 * (k - 4));
      }
      set(c, lo >>> 0, hi >>> 0);
    };
  };
}

/** pshufb: byte i = src byte (mask & 15), or 0 when the mask's top bit is set. */
function pshufb(insn: Insn) {
  const d = xmmReg(insn, 0) * 16;
  const s = source(insn, 1);
  return (c: Cpu) => {
    const u = c.xmm8, o = s(c) * 16;
    for (let i = 0; i < 16; i++) {
      const m = u[o + i];
      tmp8[i] = m & 0x80 ? 0 : u[d + (m & 15)];
    }
    c.xmm32.set(tmp, d / 4);
  };
}

/** palignr: (dst:src) >> (imm * 8), low 16 bytes. */
function palignr(insn: Insn) {
  const d = xmmReg(insn, 0) * 16;
  const s = source(insn, 1);
  const k = imm8(insn);
  return (c: Cpu) => {
    const u = c.xmm8, o = s(c) * 16;
    for (let i = 0; i < 16; i++) {
      const j = i + k;
      tmp8[i] = j < 16 ? u[o + j] : j < 32 ? u[d + j - 16] : 0;
    }
    c.xmm32.set(tmp, d / 4);
  };
}

/** pblendvb/blendvps/blendvpd: lanes whose mask (xmm0) sign bit is set come from src. */
function blendv(bytes: 1 | 4 | 8) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 16;
    const s = source(insn, 1);
    return (c: Cpu) => {
      const u = c.xmm8, o = s(c) * 16;
      for (let i = 0; i < 16; i += bytes) if (u[i + bytes - 1] & 0x80) for (let k = 0; k < bytes; k++) u[d + i + k] = u[o + i + k];
    };
  };
}

/** pblendw/blendps/blendpd: lanes whose immediate bit is set come from src. */
function blendImm(bytes: 2 | 4 | 8) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 16;
    const s = source(insn, 1);
    const k = imm8(insn);
    return (c: Cpu) => {
      const u = c.xmm8, o = s(c) * 16;
      for (let i = 0; i < 16 / bytes; i++) if ((k >> i) & 1) for (let b = 0; b < bytes; b++) u[d + i * bytes + b] = u[o + i * bytes + b];
    };
  };
}

/** pmovzx and pmovsx (bw, bd, bq, wd, wq, dq): the low lanes of src, each widened from `from` to `to` bytes. */
function extend(from: 1 | 2 | 4, to: 2 | 4 | 8, isSigned: boolean) {
  const n = 16 / to;
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 16;
    const s = source(insn, 1, n * from, false);
    return (c: Cpu) => {
      const u = c.xmm8, o = s(c) * 16;
      for (let i = 0; i < n; i++) {
        const at = o + i * from;
        const neg = isSigned && u[at + from - 1] & 0x80;
        for (let k = 0; k < to; k++) tmp8[i * to + k] = k < from ? u[at + k] : neg ? 0xff : 0;
      }
      c.xmm32.set(tmp, d / 4);
    };
  };
}

/** insertps: a single from src (register lane imm[7:6], or memory) into lane imm[5:4], then zero lanes in imm[3:0]. */
function insertps(insn: Insn) {
  const d = xmmReg(insn, 0) * 4;
  const k = imm8(insn);
  const fromReg = insn.ops[1].kind === 'xmm';
  const s = source(insn, 1, 4, false);
  return (c: Cpu) => {
    const x = c.xmm32, o = s(c) * 4;
    const v = x[o + (fromReg ? (k >> 6) & 3 : 0)];
    x[d + ((k >> 4) & 3)] = v;
    for (let i = 0; i < 4; i++) if ((k >> i) & 1) x[d + i] = 0;
  };
}

/** phminposuw: the smallest unsigned word of src and its index (first on ties); the rest zeroed. */
function phminposuw(insn: Insn) {
  const d = xmmReg(insn, 0) * 4;
  const s = source(insn, 1);
  return (c: Cpu) => {
    const w = c.xmm16, o = s(c) * 8;
    let m = w[o], at = 0;
    for (let i = 1; i < 8; i++) if (w[o + i] < m) (m = w[o + i]), (at = i);
    c.xmm32[d] = m | (at << 16);
    c.xmm32[d + 1] = c.xmm32[d + 2] = c.xmm32[d + 3] = 0;
  };
}

/** mpsadbw: eight sums of absolute differences of 4-byte groups (offsets from imm). */
function mpsadbw(insn: Insn) {
  const d = xmmReg(insn, 0) * 16;
  const s = source(insn, 1);
  const k = imm8(insn);
  const aOff = (k & 4) * 1, bOff = (k & 3) * 4;
  return (c: Cpu) => {
    const u = c.xmm8, o = s(c) * 16;
    for (let i = 0; i < 8; i++) {
      let sum = 0;
      for (let j = 0; j < 4; j++) sum += Math.abs(u[d + aOff + i + j] - u[o + bOff + j]);
      tmpI16[i] = sum;
    }
    c.xmm32.set(tmp, d / 4);
  };
}

export const handlers: HandlerDef[] = [
  { codes: ['Packsswb_xmm_xmmm128'], build: pack(16, true) },
  { codes: ['Packuswb_xmm_xmmm128'], build: pack(16, false) },
  { codes: ['Packssdw_xmm_xmmm128'], build: pack(32, true) },
  { codes: ['Packusdw_xmm_xmmm128'], build: pack(32, false), feature: 'sse4.1' },
  { codes: ['Punpcklbw_xmm_xmmm128'], build: unpack(1, false) },
  { codes: ['Punpcklwd_xmm_xmmm128'], build: unpack(2, false) },
  { codes: ['Punpckldq_xmm_xmmm128', 'Unpcklps_xmm_xmmm128'], build: unpack(4, false) },
  { codes: ['Punpcklqdq_xmm_xmmm128', 'Unpcklpd_xmm_xmmm128'], build: unpack(8, false) },
  { codes: ['Punpckhbw_xmm_xmmm128'], build: unpack(1, true) },
  { codes: ['Punpckhwd_xmm_xmmm128'], build: unpack(2, true) },
  { codes: ['Punpckhdq_xmm_xmmm128', 'Unpckhps_xmm_xmmm128'], build: unpack(4, true) },
  { codes: ['Punpckhqdq_xmm_xmmm128', 'Unpckhpd_xmm_xmmm128'], build: unpack(8, true) },
  { codes: ['Pshufd_xmm_xmmm128_imm8'], build: pshufd },
  { codes: ['Pshuflw_xmm_xmmm128_imm8'], build: pshufw(false) },
  { codes: ['Pshufhw_xmm_xmmm128_imm8'], build: pshufw(true) },
  { codes: ['Shufps_xmm_xmmm128_imm8'], build: shufps },
  { codes: ['Shufpd_xmm_xmmm128_imm8'], build: shufpd },
  { codes: ['Pinsrw_xmm_r32m16_imm8', 'Pinsrw_xmm_r64m16_imm8'], build: insert(2) },
  { codes: ['Pextrw_r32_xmm_imm8', 'Pextrw_r64_xmm_imm8'], build: extract(2) },
  // SSSE3
  { codes: ['Pshufb_xmm_xmmm128'], build: pshufb, feature: 'ssse3' },
  { codes: ['Palignr_xmm_xmmm128_imm8'], build: palignr, feature: 'ssse3' },
  // SSE4.1
  { codes: ['Pblendvb_xmm_xmmm128'], build: blendv(1), feature: 'sse4.1' },
  { codes: ['Blendvps_xmm_xmmm128'], build: blendv(4), feature: 'sse4.1' },
  { codes: ['Blendvpd_xmm_xmmm128'], build: blendv(8), feature: 'sse4.1' },
  { codes: ['Pblendw_xmm_xmmm128_imm8'], build: blendImm(2), feature: 'sse4.1' },
  { codes: ['Blendps_xmm_xmmm128_imm8'], build: blendImm(4), feature: 'sse4.1' },
  { codes: ['Blendpd_xmm_xmmm128_imm8'], build: blendImm(8), feature: 'sse4.1' },
  { codes: ['Pmovzxbw_xmm_xmmm64'], build: extend(1, 2, false), feature: 'sse4.1' },
  { codes: ['Pmovzxbd_xmm_xmmm32'], build: extend(1, 4, false), feature: 'sse4.1' },
  { codes: ['Pmovzxbq_xmm_xmmm16'], build: extend(1, 8, false), feature: 'sse4.1' },
  { codes: ['Pmovzxwd_xmm_xmmm64'], build: extend(2, 4, false), feature: 'sse4.1' },
  { codes: ['Pmovzxwq_xmm_xmmm32'], build: extend(2, 8, false), feature: 'sse4.1' },
  { codes: ['Pmovzxdq_xmm_xmmm64'], build: extend(4, 8, false), feature: 'sse4.1' },
  { codes: ['Pmovsxbw_xmm_xmmm64'], build: extend(1, 2, true), feature: 'sse4.1' },
  { codes: ['Pmovsxbd_xmm_xmmm32'], build: extend(1, 4, true), feature: 'sse4.1' },
  { codes: ['Pmovsxbq_xmm_xmmm16'], build: extend(1, 8, true), feature: 'sse4.1' },
  { codes: ['Pmovsxwd_xmm_xmmm64'], build: extend(2, 4, true), feature: 'sse4.1' },
  { codes: ['Pmovsxwq_xmm_xmmm32'], build: extend(2, 8, true), feature: 'sse4.1' },
  { codes: ['Pmovsxdq_xmm_xmmm64'], build: extend(4, 8, true), feature: 'sse4.1' },
  { codes: ['Pinsrb_xmm_r32m8_imm8', 'Pinsrb_xmm_r64m8_imm8'], build: insert(1), feature: 'sse4.1' },
  { codes: ['Pinsrd_xmm_rm32_imm8'], build: insert(4), feature: 'sse4.1' },
  { codes: ['Pinsrq_xmm_rm64_imm8'], build: insert(8), feature: 'sse4.1' },
  { codes: ['Pextrb_r32m8_xmm_imm8', 'Pextrb_r64m8_xmm_imm8'], build: extract(1), feature: 'sse4.1' },
  { codes: ['Pextrw_r32m16_xmm_imm8', 'Pextrw_r64m16_xmm_imm8'], build: extract(2), feature: 'sse4.1' },
  { codes: ['Pextrd_rm32_xmm_imm8', 'Extractps_rm32_xmm_imm8', 'Extractps_r64m32_xmm_imm8'], build: extract(4), feature: 'sse4.1' },
  { codes: ['Pextrq_rm64_xmm_imm8'], build: extract(8), feature: 'sse4.1' },
  { codes: ['Insertps_xmm_xmmm32_imm8'], build: insertps, feature: 'sse4.1' },
  { codes: ['Phminposuw_xmm_xmmm128'], build: phminposuw, feature: 'sse4.1' },
  { codes: ['Mpsadbw_xmm_xmmm128_imm8'], build: mpsadbw, feature: 'sse4.1' },
];
