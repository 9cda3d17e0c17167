// SSE2/SSSE3/SSE4.1 packed integer arithmetic: add/sub (wrapping, saturating), multiplies, madd, sad,
// averages, min/max, compares, shifts (by immediate and by register, bit and byte), abs, sign, horizontal ops.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import { imm8, signed, source, tmp, tmp16, tmpI16, tmpI32, xmmReg } from './sse-common.ts';
import { sseBinaryRule } from '../compile/sse-rules.ts';
import { Simd } from '../compile/wasm-emitter.ts';

type Lane = (a: number, b: number) => number;
type Width = 8 | 16 | 32;

function view(c: Cpu, width: Width, isSigned: boolean): Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array {
  if (!isSigned) return width === 8 ? c.xmm8 : width === 16 ? c.xmm16 : c.xmm32;
  const s = signed(c);
  return width === 8 ? s.i8 : width === 16 ? s.i16 : s.i32;
}

/** dst[i] = f(dst[i], src[i]) over lanes of `width` bits read as signed or unsigned; stores wrap to the lane. */
function lanewise(width: Width, isSigned: boolean, f: Lane) {
  const n = 128 / width;
  return (insn: Insn) => {
    const dreg = xmmReg(insn, 0);
    const s = source(insn, 1);
    return (c: Cpu) => {
      const v = view(c, width, isSigned);
      const o = s(c) * n, d = dreg * n;
      for (let i = 0; i < n; i++) v[d + i] = f(v[d + i], v[o + i]);
    };
  };
}

/**
 * The hottest lane-wise forms, each its own loop (a shared loop calling a per-op callback would be
 * megamorphic and several times slower). Stores into the typed arrays wrap to the lane width.
 */
type FastOp = 'addb' | 'addw' | 'addd' | 'subb' | 'subw' | 'subd' | 'eqb' | 'eqw' | 'eqd' | 'minub' | 'maxub' | 'addusb' | 'subusb' | 'avgb';
function fast(op: FastOp) {
  return (insn: Insn) => {
    const dreg = xmmReg(insn, 0);
    const s = source(insn, 1);
    const d8 = dreg * 16, d16 = dreg * 8, d32 = dreg * 4;
    switch (op) {
      case 'addb':
        return (c: Cpu) => {
          const v = c.xmm8, o = s(c) * 16;
          for (let i = 0; i < 16; i++) v[d8 + i] = v[d8 + i] + v[o + i];
        };
      case 'addw':
        return (c: Cpu) => {
          const v = c.xmm16, o = s(c) * 8;
          for (let i = 0; i < 8; i++) v[d16 + i] = v[d16 + i] + v[o + i];
        };
      case 'addd':
        return (c: Cpu) => {
          const v = c.xmm32, o = s(c) * 4;
          v[d32] = v[d32] + v[o];
          v[d32 + 1] = v[d32 + 1] + v[o + 1];
          v[d32 + 2] = v[d32 + 2] + v[o + 2];
          v[d32 + 3] = v[d32 + 3] + v[o + 3];
        };
      case 'subb':
        return (c: Cpu) => {
          const v = c.xmm8, o = s(c) * 16;
          for (let i = 0; i < 16; i++) v[d8 + i] = v[d8 + i] - v[o + i];
        };
      case 'subw':
        return (c: Cpu) => {
          const v = c.xmm16, o = s(c) * 8;
          for (let i = 0; i < 8; i++) v[d16 + i] = v[d16 + i] - v[o + i];
        };
      case 'subd':
        return (c: Cpu) => {
          const v = c.xmm32, o = s(c) * 4;
          for (let i = 0; i < 4; i++) v[d32 + i] = v[d32 + i] - v[o + i];
        };
      case 'eqb':
        return (c: Cpu) => {
          const v = c.xmm8, o = s(c) * 16;
          for (let i = 0; i < 16; i++) v[d8 + i] = v[d8 + i] === v[o + i] ? 0xff : 0;
        };
      case 'eqw':
        return (c: Cpu) => {
          const v = c.xmm16, o = s(c) * 8;
          for (let i = 0; i < 8; i++) v[d16 + i] = v[d16 + i] === v[o + i] ? 0xffff : 0;
        };
      case 'eqd':
        return (c: Cpu) => {
          const v = c.xmm32, o = s(c) * 4;
          for (let i = 0; i < 4; i++) v[d32 + i] = v[d32 + i] === v[o + i] ? 0xffffffff : 0;
        };
      case 'minub':
        return (c: Cpu) => {
          const v = c.xmm8, o = s(c) * 16;
          for (let i = 0; i < 16; i++) if (v[o + i] < v[d8 + i]) v[d8 + i] = v[o + i];
        };
      case 'maxub':
        return (c: Cpu) => {
          const v = c.xmm8, o = s(c) * 16;
          for (let i = 0; i < 16; i++) if (v[o + i] > v[d8 + i]) v[d8 + i] = v[o + i];
        };
      case 'addusb':
        return (c: Cpu) => {
          const v = c.xmm8, o = s(c) * 16;
          for (let i = 0; i < 16; i++) {
            const r = v[d8 + i] + v[o + i];
            v[d8 + i] = r > 255 ? 255 : r;
          }
        };
      case 'subusb':
        return (c: Cpu) => {
          const v = c.xmm8, o = s(c) * 16;
          for (let i = 0; i < 16; i++) {
            const r = v[d8 + i] - v[o + i];
            v[d8 + i] = r < 0 ? 0 : r;
          }
        };
      case 'avgb':
        return (c: Cpu) => {
          const v = c.xmm8, o = s(c) * 16;
          for (let i = 0; i < 16; i++) v[d8 + i] = (v[d8 + i] + v[o + i] + 1) >> 1;
        };
    }
  };
}

/** dst[i] = f(src[i]) (pabs*). */
function unary(width: Width, f: (a: number) => number) {
  const n = 128 / width;
  return (insn: Insn) => {
    const dreg = xmmReg(insn, 0);
    const s = source(insn, 1);
    return (c: Cpu) => {
      const v = view(c, width, true);
      const o = s(c) * n, d = dreg * n;
      for (let i = 0; i < n; i++) v[d + i] = f(v[o + i]);
    };
  };
}

const clamp = (lo: number, hi: number) => (x: number) => (x < lo ? lo : x > hi ? hi : x);
const sat8 = clamp(-128, 127), satU8 = clamp(0, 255), sat16 = clamp(-32768, 32767), satU16 = clamp(0, 65535);

/** 64-bit lanes as 32-bit halves: paddq, psubq. */
function q64(sub: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1);
    return (c: Cpu) => {
      const x = c.xmm32, o = s(c) * 4;
      for (let i = 0; i < 4; i += 2) {
        const alo = x[d + i], ahi = x[d + i + 1], blo = x[o + i], bhi = x[o + i + 1];
        if (sub) {
          const lo = alo - blo;
          x[d + i] = lo;
          x[d + i + 1] = ahi - bhi - (lo < 0 ? 1 : 0);
        } else {
          const lo = alo + blo;
          x[d + i] = lo;
          x[d + i + 1] = ahi + bhi + (lo > 0xffffffff ? 1 : 0);
        }
      }
    };
  };
}

/** 64-bit compares: pcmpeqq (SSE4.1), pcmpgtq (SSE4.2, signed). */
function cmpq(gt: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1);
    return (c: Cpu) => {
      const x = c.xmm32, xi = c.xmmI32, o = s(c) * 4;
      for (let i = 0; i < 4; i += 2) {
        const alo = x[d + i], ahi = xi[d + i + 1], blo = x[o + i], bhi = xi[o + i + 1];
        const t = gt ? ahi > bhi || (ahi === bhi && alo > blo) : ahi === bhi && alo === blo;
        x[d + i] = x[d + i + 1] = t ? 0xffffffff : 0;
      }
    };
  };
}

/** The unsigned 64-bit product of two 32-bit values, as halves in mulLo/mulHi (signed when asked). */
let mulLo = 0, mulHi = 0;
function mul32(a: number, b: number, isSigned: boolean): void {
  const neg = isSigned && (a | 0) < 0 !== (b | 0) < 0;
  const ua = isSigned ? Math.abs(a | 0) : a >>> 0;
  const ub = isSigned ? Math.abs(b | 0) : b >>> 0;
  const a0 = ua & 0xffff, a1 = Math.floor(ua / 65536);
  const b0 = ub & 0xffff, b1 = Math.floor(ub / 65536);
  const lo = a0 * b0, mid = a1 * b0 + a0 * b1, hi = a1 * b1;
  // lo + mid * 2^16 + hi * 2^32, carried exactly
  const midLo = (mid % 65536) * 65536;
  let low = lo + midLo;
  let high = hi + Math.floor(mid / 65536) + Math.floor(low / 4294967296);
  low %= 4294967296;
  if (neg && (low !== 0 || high !== 0)) {
    low = 4294967296 - low;
    high = ~high + (low === 4294967296 ? 1 : 0);
    low %= 4294967296;
  }
  mulLo = low >>> 0;
  mulHi = high >>> 0;
}

/** pmuludq / pmuldq: the even dwords multiplied into 64-bit lanes. */
function mulEvenDwords(isSigned: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 4;
    const s = source(insn, 1);
    return (c: Cpu) => {
      const x = c.xmm32, o = s(c) * 4;
      for (let i = 0; i < 4; i += 2) {
        mul32(x[d + i], x[o + i], isSigned);
        x[d + i] = mulLo;
        x[d + i + 1] = mulHi;
      }
    };
  };
}

/** pmaddwd: pairs of signed word products summed into dwords. */
function pmaddwd(insn: Insn) {
  const dreg = xmmReg(insn, 0);
  const s = source(insn, 1);
  return (c: Cpu) => {
    const w = signed(c).i16, o = s(c) * 8, d = dreg * 8;
    for (let i = 0; i < 4; i++) tmpI32[i] = w[d + 2 * i] * w[o + 2 * i] + w[d + 2 * i + 1] * w[o + 2 * i + 1];
    c.xmm32.set(tmp, dreg * 4);
  };
}

/** pmaddubsw: unsigned bytes of dst times signed bytes of src, pairs summed with signed saturation. */
function pmaddubsw(insn: Insn) {
  const dreg = xmmReg(insn, 0);
  const s = source(insn, 1);
  return (c: Cpu) => {
    const u = c.xmm8, sb = signed(c).i8, o = s(c) * 16, d = dreg * 16;
    for (let i = 0; i < 8; i++) tmpI16[i] = sat16(u[d + 2 * i] * sb[o + 2 * i] + u[d + 2 * i + 1] * sb[o + 2 * i + 1]);
    c.xmm32.set(tmp, dreg * 4);
  };
}

/** psadbw: sums of absolute byte differences per 64-bit half, in its low word. */
function psadbw(insn: Insn) {
  const d = xmmReg(insn, 0) * 16;
  const s = source(insn, 1);
  return (c: Cpu) => {
    const u = c.xmm8, o = s(c) * 16;
    for (let h = 0; h < 16; h += 8) {
      let sum = 0;
      for (let i = 0; i < 8; i++) sum += Math.abs(u[d + h + i] - u[o + h + i]);
      tmp16[h / 2] = sum;
      tmp16[h / 2 + 1] = tmp16[h / 2 + 2] = tmp16[h / 2 + 3] = 0;
    }
    c.xmm32.set(tmp, d / 4);
  };
}

/** Horizontal add/sub of adjacent pairs: dst pairs fill the low half, src pairs the high half (phadd*, phsub*). */
function horizontal(width: 16 | 32, f: Lane) {
  const n = 128 / width;
  return (insn: Insn) => {
    const dreg = xmmReg(insn, 0);
    const s = source(insn, 1);
    return (c: Cpu) => {
      const v = view(c, width, true), o = s(c) * n, d = dreg * n;
      const r = width === 16 ? tmpI16 : tmpI32;
      for (let i = 0; i < n / 2; i++) {
        r[i] = f(v[d + 2 * i], v[d + 2 * i + 1]);
        r[n / 2 + i] = f(v[o + 2 * i], v[o + 2 * i + 1]);
      }
      c.xmm32.set(tmp, dreg * 4);
    };
  };
}

// ---- shifts

type ShiftKind = 'sll' | 'srl' | 'sra';

function shiftLanes(c: Cpu, dreg: number, width: Width | 64, kind: ShiftKind, count: number): void {
  if (width === 64) {
    const x = c.xmm32, d = dreg * 4;
    for (let i = 0; i < 4; i += 2) {
      const lo = x[d + i], hi = x[d + i + 1];
      if (count > 63) {
        x[d + i] = x[d + i + 1] = 0;
      } else if (kind === 'sll') {
        if (count === 0) continue;
        if (count >= 32) {
          x[d + i + 1] = lo << (count - 32);
          x[d + i] = 0;
        } else {
          x[d + i + 1] = (hi << count) | (lo >>> (32 - count));
          x[d + i] = lo << count;
        }
      } else {
        if (count === 0) continue;
        if (count >= 32) {
          x[d + i] = hi >>> (count - 32);
          x[d + i + 1] = 0;
        } else {
          x[d + i] = (lo >>> count) | (hi << (32 - count));
          x[d + i + 1] = hi >>> count;
        }
      }
    }
    return;
  }
  const n = 128 / width, d = dreg * n;
  if (kind === 'sra') {
    const v = view(c, width, true);
    const k = count > width - 1 ? width - 1 : count;
    for (let i = 0; i < n; i++) v[d + i] = v[d + i] >> k;
    return;
  }
  const v = view(c, width, false);
  if (count > width - 1) {
    v.fill(0, d, d + n);
    return;
  }
  if (kind === 'sll') for (let i = 0; i < n; i++) v[d + i] = v[d + i] << count;
  else for (let i = 0; i < n; i++) v[d + i] = v[d + i] >>> count;
}

function shiftImm(width: Width | 64, kind: ShiftKind) {
  return (insn: Insn) => {
    const dreg = xmmReg(insn, 0);
    const count = imm8(insn);
    return (c: Cpu) => shiftLanes(c, dreg, width, kind, count);
  };
}

function shiftXmm(width: Width | 64, kind: ShiftKind) {
  return (insn: Insn) => {
    const dreg = xmmReg(insn, 0);
    const s = source(insn, 1);
    return (c: Cpu) => {
      const x = c.xmm32, o = s(c) * 4;
      // The count is the whole low quadword: anything at or above 2^32 shifts everything out.
      const count = x[o + 1] !== 0 ? 0xffffffff : x[o];
      shiftLanes(c, dreg, width, kind, count);
    };
  };
}

/** pslldq / psrldq: whole-register byte shifts. */
function byteShift(left: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0) * 16;
    const k = imm8(insn);
    return (c: Cpu) => {
      const u = c.xmm8;
      if (k > 15) {
        u.fill(0, d, d + 16);
        return;
      }
      if (left) {
        u.copyWithin(d + k, d, d + 16 - k);
        u.fill(0, d, d + k);
      } else {
        u.copyWithin(d, d + k, d + 16);
        u.fill(0, d + 16 - k, d + 16);
      }
    };
  };
}

const ones = (t: boolean, mask: number) => (t ? mask : 0);

export const handlers: HandlerDef[] = [
  { codes: ['Paddb_xmm_xmmm128'], build: fast('addb'), compile: sseBinaryRule(Simd.i8x16_add) },
  { codes: ['Paddw_xmm_xmmm128'], build: fast('addw'), compile: sseBinaryRule(Simd.i16x8_add) },
  { codes: ['Paddd_xmm_xmmm128'], build: fast('addd'), compile: sseBinaryRule(Simd.i32x4_add) },
  { codes: ['Paddq_xmm_xmmm128'], build: q64(false), compile: sseBinaryRule(Simd.i64x2_add) },
  { codes: ['Psubb_xmm_xmmm128'], build: fast('subb'), compile: sseBinaryRule(Simd.i8x16_sub) },
  { codes: ['Psubw_xmm_xmmm128'], build: fast('subw'), compile: sseBinaryRule(Simd.i16x8_sub) },
  { codes: ['Psubd_xmm_xmmm128'], build: fast('subd'), compile: sseBinaryRule(Simd.i32x4_sub) },
  { codes: ['Psubq_xmm_xmmm128'], build: q64(true), compile: sseBinaryRule(Simd.i64x2_sub) },
  { codes: ['Paddsb_xmm_xmmm128'], build: lanewise(8, true, (a, b) => sat8(a + b)) },
  { codes: ['Paddsw_xmm_xmmm128'], build: lanewise(16, true, (a, b) => sat16(a + b)) },
  { codes: ['Paddusb_xmm_xmmm128'], build: fast('addusb') },
  { codes: ['Paddusw_xmm_xmmm128'], build: lanewise(16, false, (a, b) => satU16(a + b)) },
  { codes: ['Psubsb_xmm_xmmm128'], build: lanewise(8, true, (a, b) => sat8(a - b)) },
  { codes: ['Psubsw_xmm_xmmm128'], build: lanewise(16, true, (a, b) => sat16(a - b)) },
  { codes: ['Psubusb_xmm_xmmm128'], build: fast('subusb') },
  { codes: ['Psubusw_xmm_xmmm128'], build: lanewise(16, false, (a, b) => satU16(a - b)) },
  { codes: ['Pmullw_xmm_xmmm128'], build: lanewise(16, false, (a, b) => Math.imul(a, b)) },
  { codes: ['Pmulhw_xmm_xmmm128'], build: lanewise(16, true, (a, b) => (a * b) >> 16) },
  { codes: ['Pmulhuw_xmm_xmmm128'], build: lanewise(16, false, (a, b) => (a * b) / 65536) },
  { codes: ['Pmuludq_xmm_xmmm128'], build: mulEvenDwords(false) },
  { codes: ['Pmaddwd_xmm_xmmm128'], build: pmaddwd },
  { codes: ['Psadbw_xmm_xmmm128'], build: psadbw },
  { codes: ['Pavgb_xmm_xmmm128'], build: fast('avgb') },
  { codes: ['Pavgw_xmm_xmmm128'], build: lanewise(16, false, (a, b) => (a + b + 1) >> 1) },
  { codes: ['Pminub_xmm_xmmm128'], build: fast('minub') },
  { codes: ['Pmaxub_xmm_xmmm128'], build: fast('maxub') },
  { codes: ['Pminsw_xmm_xmmm128'], build: lanewise(16, true, Math.min) },
  { codes: ['Pmaxsw_xmm_xmmm128'], build: lanewise(16, true, Math.max) },
  { codes: ['Pcmpeqb_xmm_xmmm128'], build: fast('eqb') },
  { codes: ['Pcmpeqw_xmm_xmmm128'], build: fast('eqw') },
  { codes: ['Pcmpeqd_xmm_xmmm128'], build: fast('eqd') },
  { codes: ['Pcmpgtb_xmm_xmmm128'], build: lanewise(8, true, (a, b) => ones(a > b, -1)) },
  { codes: ['Pcmpgtw_xmm_xmmm128'], build: lanewise(16, true, (a, b) => ones(a > b, -1)) },
  { codes: ['Pcmpgtd_xmm_xmmm128'], build: lanewise(32, true, (a, b) => ones(a > b, -1)) },
  { codes: ['Psllw_xmm_imm8'], build: shiftImm(16, 'sll') },
  { codes: ['Pslld_xmm_imm8'], build: shiftImm(32, 'sll') },
  { codes: ['Psllq_xmm_imm8'], build: shiftImm(64, 'sll') },
  { codes: ['Psrlw_xmm_imm8'], build: shiftImm(16, 'srl') },
  { codes: ['Psrld_xmm_imm8'], build: shiftImm(32, 'srl') },
  { codes: ['Psrlq_xmm_imm8'], build: shiftImm(64, 'srl') },
  { codes: ['Psraw_xmm_imm8'], build: shiftImm(16, 'sra') },
  { codes: ['Psrad_xmm_imm8'], build: shiftImm(32, 'sra') },
  { codes: ['Psllw_xmm_xmmm128'], build: shiftXmm(16, 'sll') },
  { codes: ['Pslld_xmm_xmmm128'], build: shiftXmm(32, 'sll') },
  { codes: ['Psllq_xmm_xmmm128'], build: shiftXmm(64, 'sll') },
  { codes: ['Psrlw_xmm_xmmm128'], build: shiftXmm(16, 'srl') },
  { codes: ['Psrld_xmm_xmmm128'], build: shiftXmm(32, 'srl') },
  { codes: ['Psrlq_xmm_xmmm128'], build: shiftXmm(64, 'srl') },
  { codes: ['Psraw_xmm_xmmm128'], build: shiftXmm(16, 'sra') },
  { codes: ['Psrad_xmm_xmmm128'], build: shiftXmm(32, 'sra') },
  { codes: ['Pslldq_xmm_imm8'], build: byteShift(true) },
  { codes: ['Psrldq_xmm_imm8'], build: byteShift(false) },
  // SSSE3
  { codes: ['Pabsb_xmm_xmmm128'], build: unary(8, Math.abs), feature: 'ssse3' },
  { codes: ['Pabsw_xmm_xmmm128'], build: unary(16, Math.abs), feature: 'ssse3' },
  { codes: ['Pabsd_xmm_xmmm128'], build: unary(32, Math.abs), feature: 'ssse3' },
  { codes: ['Psignb_xmm_xmmm128'], build: lanewise(8, true, (a, b) => (b < 0 ? -a : b === 0 ? 0 : a)), feature: 'ssse3' },
  { codes: ['Psignw_xmm_xmmm128'], build: lanewise(16, true, (a, b) => (b < 0 ? -a : b === 0 ? 0 : a)), feature: 'ssse3' },
  { codes: ['Psignd_xmm_xmmm128'], build: lanewise(32, true, (a, b) => (b < 0 ? -a : b === 0 ? 0 : a)), feature: 'ssse3' },
  { codes: ['Pmulhrsw_xmm_xmmm128'], build: lanewise(16, true, (a, b) => (((a * b) >> 14) + 1) >> 1), feature: 'ssse3' },
  { codes: ['Pmaddubsw_xmm_xmmm128'], build: pmaddubsw, feature: 'ssse3' },
  { codes: ['Phaddw_xmm_xmmm128'], build: horizontal(16, (a, b) => a + b), feature: 'ssse3' },
  { codes: ['Phaddd_xmm_xmmm128'], build: horizontal(32, (a, b) => a + b), feature: 'ssse3' },
  { codes: ['Phaddsw_xmm_xmmm128'], build: horizontal(16, (a, b) => sat16(a + b)), feature: 'ssse3' },
  { codes: ['Phsubw_xmm_xmmm128'], build: horizontal(16, (a, b) => a - b), feature: 'ssse3' },
  { codes: ['Phsubd_xmm_xmmm128'], build: horizontal(32, (a, b) => a - b), feature: 'ssse3' },
  { codes: ['Phsubsw_xmm_xmmm128'], build: horizontal(16, (a, b) => sat16(a - b)), feature: 'ssse3' },
  // SSE4.1
  { codes: ['Pminsb_xmm_xmmm128'], build: lanewise(8, true, Math.min), feature: 'sse4.1' },
  { codes: ['Pmaxsb_xmm_xmmm128'], build: lanewise(8, true, Math.max), feature: 'sse4.1' },
  { codes: ['Pminuw_xmm_xmmm128'], build: lanewise(16, false, Math.min), feature: 'sse4.1' },
  { codes: ['Pmaxuw_xmm_xmmm128'], build: lanewise(16, false, Math.max), feature: 'sse4.1' },
  { codes: ['Pminsd_xmm_xmmm128'], build: lanewise(32, true, Math.min), feature: 'sse4.1' },
  { codes: ['Pmaxsd_xmm_xmmm128'], build: lanewise(32, true, Math.max), feature: 'sse4.1' },
  { codes: ['Pminud_xmm_xmmm128'], build: lanewise(32, false, Math.min), feature: 'sse4.1' },
  { codes: ['Pmaxud_xmm_xmmm128'], build: lanewise(32, false, Math.max), feature: 'sse4.1' },
  { codes: ['Pmulld_xmm_xmmm128'], build: lanewise(32, false, (a, b) => Math.imul(a, b)), feature: 'sse4.1' },
  { codes: ['Pmuldq_xmm_xmmm128'], build: mulEvenDwords(true), feature: 'sse4.1' },
  { codes: ['Pcmpeqq_xmm_xmmm128'], build: cmpq(false), feature: 'sse4.1' },
  { codes: ['Pcmpgtq_xmm_xmmm128'], build: cmpq(true), feature: 'sse4.2' },
];
