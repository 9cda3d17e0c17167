// MMX: the integer forms on MM0-MM7 (aliased on the x87 significands: any MMX instruction sets TOP = 0 and every
// tag valid, a written register gets exponent bits 0xFFFF), EMMS, MOVD/MOVQ, the MMX-only shuffles and packs,
// and the SSE/SSSE3 MMX forms. Lane-wise forms reuse the SSE handler of the same operation on the low 8 bytes of
// scratch XMM slots 16/17 (the SSE results' low halves are the MMX results for exactly these forms).
import { Code, OpKind, Register } from 'iced-x86';
import type { Cpu } from '../cpu.ts';
import type { Insn, Operand } from '../decode.ts';
import type { Exec, HandlerDef } from '../handler.ts';
import { fault } from '../faults.ts';
import { effectiveAddress, getter, setter } from '../operands.ts';
import { handlerFor } from '../table.ts';
import type { Feature } from '../features.ts';
import { imm8 } from './sse-common.ts';
import { checkPending } from './x87-common.ts';

const CODE = Code as unknown as Record<string, Code>;

/** The MMX register number of operand i, or -1. */
export function mmOf(insn: Insn, i: number): number {
  const op = insn.ops[i];
  if (op && op.kind === 'other' && op.register >= Register.MM0 && op.register <= Register.MM7) return op.register - Register.MM0;
  return -1;
}

/** Every MMX instruction: a pending x87 exception first (#MF), then TOP = 0 and all tags valid. */
export function enterMmx(c: Cpu): void {
  checkPending(c);
  const x = c.x87;
  x.top = 0;
  x.valid = 0xff;
}
/** After writing MM r: its sign/exponent bits become all ones. */
export function wroteMm(c: Cpu, r: number): void {
  c.x87.se[r] = 0xffff;
}

/** Loads an MMX source operand (register or memory of `bytes`) into lo/hi words. */
export function mmSource(insn: Insn, i: number, bytes = 8): (c: Cpu, out: Uint32Array, at: number) => void {
  const r = mmOf(insn, i);
  if (r >= 0) {
    return (c, out, at) => {
      out[at] = c.x87.mm32[2 * r];
      out[at + 1] = c.x87.mm32[2 * r + 1];
    };
  }
  const ea = effectiveAddress(insn.mem!);
  return (c, out, at) => {
    const a = ea(c);
    if (bytes === 4) {
      out[at] = c.read32(a);
      out[at + 1] = 0;
    } else {
      out[at] = c.read64(a);
      out[at + 1] = c.hi;
    }
  };
}

/**
 * An MMX form computed by the SSE handler `sse` on scratch slots: the destination in slot 16, the source in
 * slot 17 (high halves zero), the result's low 8 bytes written back.
 */
function viaSse(sse: string, srcBytes = 8) {
  return (insn: Insn, cpu: Cpu): Exec => {
    const entry = handlerFor(CODE[sse]);
    if (!entry) throw new Error(`mmx: no SSE handler ${sse}`);
    const d = mmOf(insn, 0);
    const hasSource = insn.ops.length > 1 && insn.ops[1].kind !== 'imm';
    const ops: Operand[] = [{ kind: 'xmm', reg: 16 }];
    if (hasSource) ops.push({ kind: 'xmm', reg: 17 });
    for (let k = hasSource ? 2 : 1; k < insn.ops.length; k++) ops.push(insn.ops[k]);
    const run = entry.build({ ...insn, ops, mem: null }, cpu);
    const src = hasSource ? mmSource(insn, 1, srcBytes) : null;
    return (c: Cpu) => {
      checkPending(c);
      const x = c.xmm32;
      if (src) {
        src(c, x, 68);
        x[70] = x[71] = 0;
      }
      enterMmx(c);
      const m = c.x87.mm32;
      x[64] = m[2 * d];
      x[65] = m[2 * d + 1];
      x[66] = x[67] = 0;
      run(c);
      m[2 * d] = x[64];
      m[2 * d + 1] = x[65];
      wroteMm(c, d);
    };
  };
}

// ---- MMX-only forms ---------------------------------------------------------------------------------------------

const t = new Uint32Array(4);
const t8 = new Uint8Array(t.buffer);
const t16 = new Uint16Array(t.buffer);
const tI16 = new Int16Array(t.buffer);
const tI32 = new Int32Array(t.buffer);

/** dst = f(dst bytes t8[0..7], src bytes t8[8..15]) written from t8[0..7] after f fills it (f may use the scratch). */
function binary(f: (insn: Insn) => () => void, srcBytes = 8) {
  return (insn: Insn): Exec => {
    const d = mmOf(insn, 0);
    const src = mmSource(insn, 1, srcBytes);
    const op = f(insn);
    return (c: Cpu) => {
      checkPending(c);
      src(c, t, 2);
      enterMmx(c);
      const m = c.x87.mm32;
      t[0] = m[2 * d];
      t[1] = m[2 * d + 1];
      op();
      m[2 * d] = t[0];
      m[2 * d + 1] = t[1];
      wroteMm(c, d);
    };
  };
}

const sat8 = (v: number) => (v > 127 ? 127 : v < -128 ? -128 : v);
const satU8 = (v: number) => (v > 255 ? 255 : v < 0 ? 0 : v);
const sat16 = (v: number) => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);

/** PACKSSWB/PACKUSWB/PACKSSDW: dst's lanes then src's, saturated to half width. */
function pack(from: 16 | 32, signedOut: boolean) {
  return () => () => {
    const out: number[] = [];
    if (from === 16) {
      for (let i = 0; i < 8; i++) out.push(signedOut ? sat8(tI16[i]) : satU8(tI16[i]));
      for (let i = 0; i < 8; i++) t8[i] = out[i] & 0xff;
    } else {
      for (let i = 0; i < 4; i++) out.push(sat16(tI32[i]));
      for (let i = 0; i < 4; i++) t16[i] = out[i] & 0xffff;
    }
  };
}

/** PUNPCKH*: interleave the high halves of dst and src (element size in bytes). */
function unpackHigh(size: number) {
  return () => () => {
    const a = t8.slice(0, 8), b = t8.slice(8, 16);
    const n = 4 / size;
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < size; j++) {
        t8[2 * k * size + j] = a[4 + k * size + j];
        t8[(2 * k + 1) * size + j] = b[4 + k * size + j];
      }
    }
  };
}

/** PSHUFB mm: each byte picks src-index byte (low 3 bits) of dst, or zero when the index's bit 7 is set. */
const pshufb = () => {
  const a = t8.slice(0, 8);
  for (let i = 0; i < 8; i++) {
    const k = t8[8 + i];
    t8[i] = k & 0x80 ? 0 : a[k & 7];
  }
};

/** PHADD/PHSUB (W, SW, D): pairs of dst, then pairs of src. */
function horizontal(width: 16 | 32, f: (a: number, b: number) => number) {
  return () => () => {
    if (width === 16) {
      const a = [tI16[0], tI16[1], tI16[2], tI16[3], tI16[4], tI16[5], tI16[6], tI16[7]];
      tI16[0] = f(a[0], a[1]);
      tI16[1] = f(a[2], a[3]);
      tI16[2] = f(a[4], a[5]);
      tI16[3] = f(a[6], a[7]);
    } else {
      const a = [tI32[0], tI32[1], tI32[2], tI32[3]];
      tI32[0] = f(a[0], a[1]);
      tI32[1] = f(a[2], a[3]);
    }
  };
}

/** PALIGNR mm: (dst:src) >> 8·imm, low 8 bytes. */
function palignr(insn: Insn) {
  const n = imm8(insn);
  return () => {
    const cat = [...t8.slice(8, 16), ...t8.slice(0, 8)];
    for (let i = 0; i < 8; i++) t8[i] = n + i < 16 ? cat[n + i] : 0;
  };
}

/** PSHUFW mm, mm/m64, imm8: word i = src word (imm >> 2i) & 3. */
function pshufw(insn: Insn): Exec {
  const d = mmOf(insn, 0);
  const src = mmSource(insn, 1);
  const order = imm8(insn);
  return (c: Cpu) => {
    checkPending(c);
    src(c, t, 2);
    enterMmx(c);
    const m16 = c.x87.mm16;
    for (let i = 0; i < 4; i++) m16[4 * d + i] = t16[4 + ((order >> (2 * i)) & 3)];
    wroteMm(c, d);
  };
}

function pmovmskb(insn: Insn): Exec {
  const r = mmOf(insn, 1);
  const set = setter(insn, 0);
  return (c: Cpu) => {
    enterMmx(c);
    let v = 0;
    for (let i = 0; i < 8; i++) v |= (c.x87.mm8[8 * r + i] >> 7) << i;
    set(c, v, 0);
  };
}

function pextrw(insn: Insn): Exec {
  const r = mmOf(insn, 1);
  const k = imm8(insn) & 3;
  const set = setter(insn, 0);
  return (c: Cpu) => {
    enterMmx(c);
    set(c, c.x87.mm16[4 * r + k], 0);
  };
}

function pinsrw(insn: Insn): Exec {
  const d = mmOf(insn, 0);
  const k = imm8(insn) & 3;
  const get = getter(insn, 1, 16);
  return (c: Cpu) => {
    checkPending(c);
    const v = get(c);
    enterMmx(c);
    c.x87.mm16[4 * d + k] = v & 0xffff;
    wroteMm(c, d);
  };
}

/** MOVD/MOVQ into an MMX register (from r/m32, r/m64, mm/m64). */
function movToMm(bytes: 4 | 8) {
  return (insn: Insn): Exec => {
    const d = mmOf(insn, 0);
    const op = insn.ops[1];
    const fromMm = mmOf(insn, 1) >= 0;
    const src = fromMm || op.kind === 'mem' ? mmSource(insn, 1, bytes) : null;
    const get = src ? null : getter(insn, 1, bytes * 8);
    return (c: Cpu) => {
      checkPending(c);
      if (src) src(c, t, 0);
      else {
        t[0] = get!(c);
        t[1] = bytes === 8 ? c.hi : 0;
      }
      enterMmx(c);
      c.x87.mm32[2 * d] = t[0];
      c.x87.mm32[2 * d + 1] = t[1];
      wroteMm(c, d);
    };
  };
}

/** MOVD/MOVQ/MOVNTQ from an MMX register (to r/m32, r/m64, mm/m64). */
function movFromMm(bytes: 4 | 8) {
  return (insn: Insn): Exec => {
    const s = mmOf(insn, 1);
    const dm = mmOf(insn, 0);
    const set = dm >= 0 ? null : setter(insn, 0, false, bytes * 8);
    return (c: Cpu) => {
      checkPending(c);
      const m = c.x87.mm32;
      const lo = m[2 * s], hi = bytes === 8 ? m[2 * s + 1] : 0;
      if (set) set(c, lo, hi);
      const x = c.x87;
      x.top = 0;
      x.valid = 0xff;
      if (dm >= 0) {
        m[2 * dm] = lo;
        m[2 * dm + 1] = hi;
        wroteMm(c, dm);
      }
    };
  };
}

/** MASKMOVQ: bytes of mm1 whose mask byte (mm2) has bit 7 set are stored at [rdi] (edi with 0x67). */
function maskmovq(insn: Insn): Exec {
  const s = mmOf(insn, 1), k = mmOf(insn, 2);
  const op0 = insn.ops[0];
  const wide = op0.kind === 'other' ? op0.opKind === OpKind.MemorySegRDI : insn.bitness === 64;
  return (c: Cpu) => {
    checkPending(c);
    const hi = c.r32[15] >>> 0;
    // a non-canonical rdi is #GP (SIGSEGV SI_KERNEL), as for any access
    if (wide && hi >>> 15 !== 0 && hi >>> 15 !== 0x1ffff) fault('general-protection', undefined, undefined, `maskmovq to non-canonical 0x${hi.toString(16)}${(c.r32[14] >>> 0).toString(16).padStart(8, '0')}`);
    const base = wide ? c.gprNumber(7) : c.r32[14] >>> 0;
    const m8 = c.x87.mm8;
    // The SDM leaves faults for an all-zero mask to the implementation; the host CPU checks the whole quadword.
    c.probeWrite(base, 8);
    for (let i = 0; i < 8; i++) if (m8[8 * k + i] & 0x80) c.write8(base + i, m8[8 * s + i]);
    c.x87.top = 0;
    c.x87.valid = 0xff;
  };
}

/** EMMS: every tag empty; the host CPU also resets TOP to 0. */
function emms(): Exec {
  return (c: Cpu) => {
    checkPending(c);
    c.x87.valid = 0;
    c.x87.top = 0;
  };
}

/** MMX forms that are the low half of the SSE form of the same name. */
const VIA_SSE = [
  'Paddb', 'Paddw', 'Paddd', 'Paddq', 'Psubb', 'Psubw', 'Psubd', 'Psubq', 'Paddsb', 'Paddsw', 'Paddusb', 'Paddusw', 'Psubsb', 'Psubsw',
  'Psubusb', 'Psubusw', 'Pmullw', 'Pmulhw', 'Pmulhuw', 'Pmuludq', 'Pmaddwd', 'Psadbw', 'Pavgb', 'Pavgw', 'Pminub', 'Pmaxub', 'Pminsw',
  'Pmaxsw', 'Pcmpeqb', 'Pcmpeqw', 'Pcmpeqd', 'Pcmpgtb', 'Pcmpgtw', 'Pcmpgtd', 'Pand', 'Pandn', 'Por', 'Pxor',
  'Psllw', 'Pslld', 'Psllq', 'Psrlw', 'Psrld', 'Psrlq', 'Psraw', 'Psrad',
];
const VIA_SSSE3 = ['Pabsb', 'Pabsw', 'Pabsd', 'Psignb', 'Psignw', 'Psignd', 'Pmulhrsw', 'Pmaddubsw'];

const ssse3: Feature = 'ssse3';

export const handlers: HandlerDef[] = [
  ...VIA_SSE.map((n) => ({ codes: [`${n}_mm_mmm64`], build: viaSse(`${n}_xmm_xmmm128`) })),
  ...['Psllw', 'Pslld', 'Psllq', 'Psrlw', 'Psrld', 'Psrlq', 'Psraw', 'Psrad'].map((n) => ({ codes: [`${n}_mm_imm8`], build: viaSse(`${n}_xmm_imm8`) })),
  ...VIA_SSSE3.map((n) => ({ codes: [`${n}_mm_mmm64`], build: viaSse(`${n}_xmm_xmmm128`), feature: ssse3 })),
  ...['Punpcklbw', 'Punpcklwd', 'Punpckldq'].map((n) => ({ codes: [`${n}_mm_mmm32`], build: viaSse(`${n}_xmm_xmmm128`, 4) })),
  { codes: ['Punpckhbw_mm_mmm64'], build: binary(unpackHigh(1)) },
  { codes: ['Punpckhwd_mm_mmm64'], build: binary(unpackHigh(2)) },
  { codes: ['Punpckhdq_mm_mmm64'], build: binary(unpackHigh(4)) },
  { codes: ['Packsswb_mm_mmm64'], build: binary(pack(16, true)) },
  { codes: ['Packuswb_mm_mmm64'], build: binary(pack(16, false)) },
  { codes: ['Packssdw_mm_mmm64'], build: binary(pack(32, true)) },
  { codes: ['Pshufb_mm_mmm64'], build: binary(() => pshufb), feature: ssse3 },
  { codes: ['Phaddw_mm_mmm64'], build: binary(horizontal(16, (a, b) => a + b)), feature: ssse3 },
  { codes: ['Phaddd_mm_mmm64'], build: binary(horizontal(32, (a, b) => a + b)), feature: ssse3 },
  { codes: ['Phaddsw_mm_mmm64'], build: binary(horizontal(16, (a, b) => sat16(a + b))), feature: ssse3 },
  { codes: ['Phsubw_mm_mmm64'], build: binary(horizontal(16, (a, b) => a - b)), feature: ssse3 },
  { codes: ['Phsubd_mm_mmm64'], build: binary(horizontal(32, (a, b) => a - b)), feature: ssse3 },
  { codes: ['Phsubsw_mm_mmm64'], build: binary(horizontal(16, (a, b) => sat16(a - b))), feature: ssse3 },
  { codes: ['Palignr_mm_mmm64_imm8'], build: binary(palignr), feature: ssse3 },
  { codes: ['Pshufw_mm_mmm64_imm8'], build: pshufw },
  { codes: ['Pmovmskb_r32_mm', 'Pmovmskb_r64_mm'], build: pmovmskb },
  { codes: ['Pextrw_r32_mm_imm8', 'Pextrw_r64_mm_imm8'], build: pextrw },
  { codes: ['Pinsrw_mm_r32m16_imm8', 'Pinsrw_mm_r64m16_imm8'], build: pinsrw },
  { codes: ['Movd_mm_rm32'], build: movToMm(4) },
  { codes: ['Movq_mm_rm64', 'Movq_mm_mmm64'], build: movToMm(8) },
  { codes: ['Movd_rm32_mm'], build: movFromMm(4) },
  { codes: ['Movq_rm64_mm', 'Movq_mmm64_mm', 'Movntq_m64_mm'], build: movFromMm(8) },
  { codes: ['Maskmovq_rDI_mm_mm'], build: maskmovq },
  { codes: ['Emms'], build: emms },
];
