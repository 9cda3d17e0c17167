// AVX/AVX2 packed-integer forms (VEX.128 and VEX.256): arithmetic, logic, compares, min/max, shifts,
// unpack/pack/shuffles per 128-bit lane, byte masks, ptest, blends, sign/abs, multiplies.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import { binaryShape, loader, map2, map2q, RM, RMI, RVM, RVMI, storer, ternaryShape, VA, VB, VC, VD, vexCodes, vlen, type LaneOp, type Vec, type View } from './avx-common.ts';
import { gprSetter } from '../operands.ts';

const sat = (lo: number, hi: number) => (x: number) => (x < lo ? lo : x > hi ? hi : x);
const s8 = sat(-128, 127), u8 = sat(0, 255), s16 = sat(-32768, 32767), u16 = sat(0, 65535);

type Def = [mnemonic: string, op: LaneOp];
const ARITH: Def[] = [
  ['Vpaddb', map2('u8', (x, y) => x + y)],
  ['Vpaddw', map2('u16', (x, y) => x + y)],
  ['Vpaddd', map2('u32', (x, y) => x + y)],
  ['Vpaddq', map2q('u64', (x, y) => x + y)],
  ['Vpsubb', map2('u8', (x, y) => x - y)],
  ['Vpsubw', map2('u16', (x, y) => x - y)],
  ['Vpsubd', map2('u32', (x, y) => x - y)],
  ['Vpsubq', map2q('u64', (x, y) => x - y)],
  ['Vpaddsb', map2('i8', (x, y) => s8(x + y))],
  ['Vpaddsw', map2('i16', (x, y) => s16(x + y))],
  ['Vpaddusb', map2('u8', (x, y) => u8(x + y))],
  ['Vpaddusw', map2('u16', (x, y) => u16(x + y))],
  ['Vpsubsb', map2('i8', (x, y) => s8(x - y))],
  ['Vpsubsw', map2('i16', (x, y) => s16(x - y))],
  ['Vpsubusb', map2('u8', (x, y) => u8(x - y))],
  ['Vpsubusw', map2('u16', (x, y) => u16(x - y))],
  ['Vpand', map2('u32', (x, y) => x & y)],
  ['Vpandn', map2('u32', (x, y) => ~x & y)],
  ['Vpor', map2('u32', (x, y) => x | y)],
  ['Vpxor', map2('u32', (x, y) => x ^ y)],
  ['Vpcmpeqb', map2('u8', (x, y) => (x === y ? 0xff : 0))],
  ['Vpcmpeqw', map2('u16', (x, y) => (x === y ? 0xffff : 0))],
  ['Vpcmpeqd', map2('u32', (x, y) => (x === y ? -1 : 0))],
  ['Vpcmpeqq', map2q('u64', (x, y) => (x === y ? -1n : 0n))],
  ['Vpcmpgtb', map2('i8', (x, y) => (x > y ? -1 : 0))],
  ['Vpcmpgtw', map2('i16', (x, y) => (x > y ? -1 : 0))],
  ['Vpcmpgtd', map2('i32', (x, y) => (x > y ? -1 : 0))],
  ['Vpcmpgtq', map2q('i64', (x, y) => (x > y ? -1n : 0n))],
  ['Vpminub', map2('u8', Math.min)],
  ['Vpminuw', map2('u16', Math.min)],
  ['Vpminud', map2('u32', Math.min)],
  ['Vpminsb', map2('i8', Math.min)],
  ['Vpminsw', map2('i16', Math.min)],
  ['Vpminsd', map2('i32', Math.min)],
  ['Vpmaxub', map2('u8', Math.max)],
  ['Vpmaxuw', map2('u16', Math.max)],
  ['Vpmaxud', map2('u32', Math.max)],
  ['Vpmaxsb', map2('i8', Math.max)],
  ['Vpmaxsw', map2('i16', Math.max)],
  ['Vpmaxsd', map2('i32', Math.max)],
  ['Vpavgb', map2('u8', (x, y) => (x + y + 1) >> 1)],
  ['Vpavgw', map2('u16', (x, y) => (x + y + 1) >> 1)],
  ['Vpmullw', map2('u16', (x, y) => Math.imul(x, y))],
  ['Vpmulld', map2('u32', (x, y) => Math.imul(x, y))],
  ['Vpmulhw', map2('i16', (x, y) => (x * y) >> 16)],
  ['Vpmulhuw', map2('u16', (x, y) => (x * y) >>> 16)],
  ['Vpmulhrsw', map2('i16', (x, y) => (((x * y) >> 14) + 1) >> 1)],
  ['Vpsignb', map2('i8', (x, y) => (y < 0 ? -x : y === 0 ? 0 : x))],
  ['Vpsignw', map2('i16', (x, y) => (y < 0 ? -x : y === 0 ? 0 : x))],
  ['Vpsignd', map2('i32', (x, y) => (y < 0 ? -x : y === 0 ? 0 : x))],
  ['Vpsllvd', map2('u32', (x, y) => (y > 31 ? 0 : x << y))],
  ['Vpsrlvd', map2('u32', (x, y) => (y > 31 ? 0 : x >>> y))],
  ['Vpsravd', map2('u32', (x, y) => x >> (y > 31 ? 31 : y))],
  ['Vpsllvq', map2q('u64', (x, y) => (y > 63n ? 0n : x << y))],
  ['Vpsrlvq', map2q('u64', (x, y) => (y > 63n ? 0n : x >> y))],
  // pmuludq/pmuldq: the even 32-bit lanes, 64-bit products.
  ['Vpmuludq', (a, b, d, n) => {
    for (let i = 0; i < n / 8; i++) d.u64[i] = BigInt(a.u32[2 * i]) * BigInt(b.u32[2 * i]);
  }],
  ['Vpmuldq', (a, b, d, n) => {
    for (let i = 0; i < n / 8; i++) d.i64[i] = BigInt(a.i32[2 * i]) * BigInt(b.i32[2 * i]);
  }],
  ['Vpmaddwd', (a, b, d, n) => {
    for (let i = 0; i < n / 4; i++) d.u32[i] = a.i16[2 * i] * b.i16[2 * i] + a.i16[2 * i + 1] * b.i16[2 * i + 1];
  }],
  ['Vpmaddubsw', (a, b, d, n) => {
    for (let i = 0; i < n / 2; i++) d.i16[i] = s16(a.u8[2 * i] * b.i8[2 * i] + a.u8[2 * i + 1] * b.i8[2 * i + 1]);
  }],
  ['Vpsadbw', (a, b, d, n) => {
    for (let q = 0; q < n / 8; q++) {
      let s = 0;
      for (let k = 0; k < 8; k++) s += Math.abs(a.u8[8 * q + k] - b.u8[8 * q + k]);
      d.u64[q] = BigInt(s);
    }
  }],
  // Per 128-bit lane from here on.
  ['Vpunpcklbw', unpack(1, false)],
  ['Vpunpcklwd', unpack(2, false)],
  ['Vpunpckldq', unpack(4, false)],
  ['Vpunpcklqdq', unpack(8, false)],
  ['Vpunpckhbw', unpack(1, true)],
  ['Vpunpckhwd', unpack(2, true)],
  ['Vpunpckhdq', unpack(4, true)],
  ['Vpunpckhqdq', unpack(8, true)],
  ['Vpacksswb', pack('i16', 'i8', s8)],
  ['Vpackuswb', pack('i16', 'u8', u8)],
  ['Vpackssdw', pack('i32', 'i16', s16)],
  ['Vpackusdw', pack('i32', 'u16', u16)],
  ['Vpshufb', (a, b, d, n) => {
    for (let l = 0; l < n; l += 16) for (let i = 0; i < 16; i++) {
      const s = b.u8[l + i];
      d.u8[l + i] = s & 0x80 ? 0 : a.u8[l + (s & 15)];
    }
  }],
  ['Vphaddw', horizontal('i16', (x, y) => x + y)],
  ['Vphaddd', horizontal('i32', (x, y) => x + y)],
  ['Vphaddsw', horizontal('i16', (x, y) => s16(x + y))],
  ['Vphsubw', horizontal('i16', (x, y) => x - y)],
  ['Vphsubd', horizontal('i32', (x, y) => x - y)],
  ['Vphsubsw', horizontal('i16', (x, y) => s16(x - y))],
];

/** punpckl/h: interleave the low (or high) halves of each 128-bit lane, `size`-byte elements. */
function unpack(size: number, high: boolean): LaneOp {
  return (a, b, d, n) => {
    for (let l = 0; l < n; l += 16) {
      const from = l + (high ? 8 : 0);
      for (let k = 0; k < 8 / size; k++)
        for (let j = 0; j < size; j++) {
          d.u8[l + 2 * k * size + j] = a.u8[from + k * size + j];
          d.u8[l + (2 * k + 1) * size + j] = b.u8[from + k * size + j];
        }
    }
  };
}
/** pack*: per 128-bit lane, a's elements then b's, narrowed with saturation. */
function pack(from: View, to: View, s: (x: number) => number): LaneOp {
  return (a, b, d, n) => {
    const wide = from === 'i16' ? 2 : 4;
    const per = 16 / wide;
    const A = a[from] as unknown as ArrayLike<number>, B = b[from] as unknown as ArrayLike<number>, D = d[to] as unknown as { [i: number]: number };
    for (let l = 0; l < n / 16; l++) {
      for (let k = 0; k < per; k++) {
        D[l * 2 * per + k] = s(A[l * per + k]);
        D[l * 2 * per + per + k] = s(B[l * per + k]);
      }
    }
  };
}
/** phadd/phsub: per lane, pairs of a then pairs of b. */
function horizontal(t: 'i16' | 'i32', f: (x: number, y: number) => number): LaneOp {
  return (a, b, d, n) => {
    const per = t === 'i16' ? 8 : 4;
    const A = a[t], B = b[t], D = d[t];
    for (let l = 0; l < n / 16; l++) {
      const o = l * per;
      for (let k = 0; k < per / 2; k++) {
        D[o + k] = f(A[o + 2 * k], A[o + 2 * k + 1]);
        D[o + per / 2 + k] = f(B[o + 2 * k], B[o + 2 * k + 1]);
      }
    }
  };
}

const UNARY: Def[] = [
  ['Vpabsb', map2('i8', (x) => Math.abs(x))],
  ['Vpabsw', map2('i16', (x) => Math.abs(x))],
  ['Vpabsd', map2('i32', (x) => Math.abs(x))],
  // pshufd/pshufhw/pshuflw: per lane, by imm8.
  ['Vpshufd', (a, _b, d, n, imm) => {
    for (let l = 0; l < n / 4; l += 4) for (let k = 0; k < 4; k++) d.u32[l + k] = a.u32[l + ((imm >> (2 * k)) & 3)];
  }],
  ['Vpshufhw', (a, _b, d, n, imm) => {
    for (let l = 0; l < n / 2; l += 8) {
      for (let k = 0; k < 4; k++) d.u16[l + k] = a.u16[l + k];
      for (let k = 0; k < 4; k++) d.u16[l + 4 + k] = a.u16[l + 4 + ((imm >> (2 * k)) & 3)];
    }
  }],
  ['Vpshuflw', (a, _b, d, n, imm) => {
    for (let l = 0; l < n / 2; l += 8) {
      for (let k = 0; k < 4; k++) d.u16[l + k] = a.u16[l + ((imm >> (2 * k)) & 3)];
      for (let k = 4; k < 8; k++) d.u16[l + k] = a.u16[l + k];
    }
  }],
];

/** Shifts by imm8 (vpsllw ymm, ymm, imm8) and by the low quadword of an xmm/m128 count. */
function shifter(kind: 'sll' | 'srl' | 'sra', bits: 16 | 32 | 64): (a: Vec, d: Vec, n: number, count: bigint) => void {
  return (a, d, n, count) => {
    if (bits === 64) {
      for (let i = 0; i < n / 8; i++) d.u64[i] = count > 63n ? 0n : kind === 'sll' ? BigInt.asUintN(64, a.u64[i] << count) : a.u64[i] >> count;
      return;
    }
    const t = bits === 16 ? (kind === 'sra' ? a.i16 : a.u16) : kind === 'sra' ? a.i32 : a.u32;
    const D = bits === 16 ? d.u16 : d.u32;
    const big = count > BigInt(bits - 1);
    const s = Number(big ? BigInt(bits - 1) : count);
    for (let i = 0; i < n / (bits / 8); i++) {
      const x = t[i];
      // The source view is signed for sra, unsigned otherwise; the typed destination truncates.
      if (kind === 'sra') D[i] = x >> s;
      else if (big) D[i] = 0;
      else D[i] = kind === 'sll' ? x << s : x >>> s;
    }
  };
}
const SHIFTS: [string, 'sll' | 'srl' | 'sra', 16 | 32 | 64][] = [
  ['Vpsllw', 'sll', 16], ['Vpslld', 'sll', 32], ['Vpsllq', 'sll', 64],
  ['Vpsrlw', 'srl', 16], ['Vpsrld', 'srl', 32], ['Vpsrlq', 'srl', 64],
  ['Vpsraw', 'sra', 16], ['Vpsrad', 'sra', 32],
];
function shiftImm(kind: 'sll' | 'srl' | 'sra', bits: 16 | 32 | 64) {
  const f = shifter(kind, bits);
  return binaryShape((a, _b, d, n, imm) => f(a, d, n, BigInt(imm)));
}
function shiftXmm(kind: 'sll' | 'srl' | 'sra', bits: 16 | 32 | 64) {
  const f = shifter(kind, bits);
  return (insn: Insn) => {
    const L = vlen(insn);
    const la = loader(insn, 1, VA, L);
    const lb = loader(insn, 2, VB, 16);
    const st = storer(insn, 0, VD, L);
    return (c: Cpu) => {
      la(c);
      lb(c);
      f(VA, VD, L, VB.u64[0]);
      st(c);
    };
  };
}
/** vpslldq/vpsrldq: byte shifts of each 128-bit lane. */
function byteShift(left: boolean) {
  return binaryShape((a, _b, d, n, imm) => {
    for (let l = 0; l < n; l += 16)
      for (let i = 0; i < 16; i++) {
        const j = left ? i - imm : i + imm;
        d.u8[l + i] = j >= 0 && j < 16 ? a.u8[l + j] : 0;
      }
  });
}

/** vpalignr: per lane, (a:b) >> imm8 bytes. */
const palignr: LaneOp = (a, b, d, n, imm) => {
  for (let l = 0; l < n; l += 16)
    for (let i = 0; i < 16; i++) {
      const j = i + imm;
      d.u8[l + i] = j < 16 ? b.u8[l + j] : j < 32 ? a.u8[l + j - 16] : 0;
    }
};
const pblendw: LaneOp = (a, b, d, n, imm) => {
  for (let i = 0; i < n / 2; i++) d.u16[i] = (imm >> (i & 7)) & 1 ? b.u16[i] : a.u16[i];
};
const pblendd: LaneOp = (a, b, d, n, imm) => {
  for (let i = 0; i < n / 4; i++) d.u32[i] = (imm >> i) & 1 ? b.u32[i] : a.u32[i];
};

/** vpblendvb dst, a, b, mask: each byte from b where the mask byte's top bit is set. */
function pblendvb(insn: Insn) {
  const L = vlen(insn);
  const la = loader(insn, 1, VA, L), lb = loader(insn, 2, VB, L), lc = loader(insn, 3, VC, L);
  const st = storer(insn, 0, VD, L);
  return (c: Cpu) => {
    la(c);
    lb(c);
    lc(c);
    for (let i = 0; i < L; i++) VD.u8[i] = VC.u8[i] & 0x80 ? VB.u8[i] : VA.u8[i];
    st(c);
  };
}

/** vpmovmskb r, xmm/ymm: the top bit of each byte. */
function pmovmskb(insn: Insn) {
  const L = vlen(insn);
  const la = loader(insn, 1, VA, L);
  const op = insn.ops[0];
  if (op.kind !== 'gpr') throw new Error('vpmovmskb: no gpr');
  const set = gprSetter(op);
  return (c: Cpu) => {
    la(c);
    let m = 0;
    for (let i = L - 1; i >= 0; i--) m = (m << 1) | (VA.u8[i] >> 7);
    set(c, m >>> 0, 0);
  };
}

/** vptest: ZF = (a AND b) == 0, CF = (NOT a AND b) == 0; the other status flags cleared. */
function ptest(insn: Insn) {
  const L = vlen(insn);
  const la = loader(insn, 0, VA, L), lb = loader(insn, 1, VB, L);
  return (c: Cpu) => {
    la(c);
    lb(c);
    let and = 0, andn = 0;
    for (let i = 0; i < L / 4; i++) {
      and |= VA.u32[i] & VB.u32[i];
      andn |= ~VA.u32[i] & VB.u32[i];
    }
    c.zr = and === 0 ? 0 : 1;
    c.cf = andn === 0 ? 1 : 0;
    c.of = 0;
    c.sr = 0;
    c.ar = 0;
    c.pr = 1;
  };
}

/** vpmovzx/vpmovsx: widen the low elements of the source. */
function extend(from: View, to: View) {
  const fb = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, u64: 8, i64: 8 }[from];
  const tb = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, u64: 8, i64: 8 }[to];
  return binaryShape((a, _b, d, n) => {
    const A = a[from] as unknown as ArrayLike<number>;
    for (let i = 0; i < n / tb; i++) {
      if (tb === 8) d.i64[i] = BigInt(A[i]);
      else (d[to] as unknown as { [i: number]: number })[i] = A[i];
    }
  }, (L) => (L * fb) / tb);
}
const EXTENDS: [string, View, View][] = [
  ['Vpmovzxbw', 'u8', 'u16'], ['Vpmovzxbd', 'u8', 'u32'], ['Vpmovzxbq', 'u8', 'u64'],
  ['Vpmovzxwd', 'u16', 'u32'], ['Vpmovzxwq', 'u16', 'u64'], ['Vpmovzxdq', 'u32', 'u64'],
  ['Vpmovsxbw', 'i8', 'i16'], ['Vpmovsxbd', 'i8', 'i32'], ['Vpmovsxbq', 'i8', 'i64'],
  ['Vpmovsxwd', 'i16', 'i32'], ['Vpmovsxwq', 'i16', 'i64'], ['Vpmovsxdq', 'i32', 'i64'],
];
const EXT_SHAPES: Record<number, string[]> = { 2: ['xmm_xmmm64', 'ymm_xmmm128'], 4: ['xmm_xmmm32', 'ymm_xmmm64'], 8: ['xmm_xmmm16', 'ymm_xmmm32'] };
const ratio = (f: View, t: View) => ({ u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, u64: 8, i64: 8 })[t] / ({ u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, u64: 8, i64: 8 })[f];

const AVX2_ONLY = new Set(['Vpsllvd', 'Vpsrlvd', 'Vpsravd', 'Vpsllvq', 'Vpsrlvq']);
/** VEX.128 integer forms are AVX; their VEX.256 forms are AVX2 (the variable shifts are AVX2 in both). */
function split(mnemonic: string, shapes: string[], build: HandlerDef['build']): HandlerDef[] {
  const [x, y] = vexCodes(mnemonic, shapes);
  if (AVX2_ONLY.has(mnemonic)) return [{ codes: [x, y], build, feature: 'avx2' }];
  return [
    { codes: [x], build, feature: 'avx' },
    { codes: [y], build, feature: 'avx2' },
  ];
}

/** vmpsadbw: per 128-bit lane, eight sums of absolute differences of 4-byte groups; the upper lane takes its offsets from imm8[5:3]. */
const mpsadbw: LaneOp = (a, b, d, n, imm) => {
  for (let lane = 0; lane < n / 16; lane++) {
    const k = lane ? imm >> 3 : imm;
    const at = 16 * lane + (k & 4), bt = 16 * lane + (k & 3) * 4;
    for (let i = 0; i < 8; i++) {
      let sum = 0;
      for (let j = 0; j < 4; j++) sum += Math.abs(a.u8[at + i + j] - b.u8[bt + j]);
      d.u16[8 * lane + i] = sum;
    }
  }
};

export const handlers: HandlerDef[] = [
  // (the VEX.128 form runs the SSE handler through avx-legacy.ts)
  { codes: ['VEX_Vmpsadbw_ymm_ymm_ymmm256_imm8'], build: ternaryShape(mpsadbw), feature: 'avx2' },
  ...ARITH.flatMap(([m, op]) => split(m, RVM, ternaryShape(op))),
  ...UNARY.slice(0, 3).flatMap(([m, op]) => split(m, RM, binaryShape(op))),
  ...UNARY.slice(3).flatMap(([m, op]) => split(m, RMI, binaryShape(op))),
  ...SHIFTS.flatMap(([m, k, b]) => split(m, ['xmm_xmm_imm8', 'ymm_ymm_imm8'], shiftImm(k, b))),
  ...SHIFTS.flatMap(([m, k, b]) => split(m, ['xmm_xmm_xmmm128', 'ymm_ymm_xmmm128'], shiftXmm(k, b))),
  ...split('Vpslldq', ['xmm_xmm_imm8', 'ymm_ymm_imm8'], byteShift(true)),
  ...split('Vpsrldq', ['xmm_xmm_imm8', 'ymm_ymm_imm8'], byteShift(false)),
  ...split('Vpalignr', RVMI, ternaryShape(palignr)),
  ...split('Vpblendw', RVMI, ternaryShape(pblendw)),
  { codes: vexCodes('Vpblendd', RVMI), build: ternaryShape(pblendd), feature: 'avx2' },
  ...split('Vpblendvb', ['xmm_xmm_xmmm128_xmm', 'ymm_ymm_ymmm256_ymm'], pblendvb),
  { codes: ['VEX_Vpmovmskb_r32_xmm', 'VEX_Vpmovmskb_r64_xmm'], build: pmovmskb, feature: 'avx' },
  { codes: ['VEX_Vpmovmskb_r32_ymm', 'VEX_Vpmovmskb_r64_ymm'], build: pmovmskb, feature: 'avx2' },
  { codes: vexCodes('Vptest', RM), build: ptest, feature: 'avx' },
  ...EXTENDS.flatMap(([m, f, t]) => split(m, EXT_SHAPES[ratio(f, t)], extend(f, t))),
];
