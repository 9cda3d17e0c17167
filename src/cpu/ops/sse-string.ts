// SSE4.2 packed string compares: pcmpestri/pcmpestrm (explicit lengths in rax/rdx) and pcmpistri/pcmpistrm
// (NUL-terminated), with the four aggregations, polarity, index or mask output, and CF/ZF/SF/OF.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import { imm8, source, xmmReg } from './sse-common.ts';

const a = new Int32Array(16); // xmm1 elements (the "set" or pattern)
const b = new Int32Array(16); // xmm2/m128 elements (the data)

function loadElements(c: Cpu, slot: number, out: Int32Array, words: boolean, isSigned: boolean): void {
  const u8 = c.xmm8, base = slot * 16;
  if (words) {
    for (let i = 0; i < 8; i++) {
      const v = u8[base + 2 * i] | (u8[base + 2 * i + 1] << 8);
      out[i] = isSigned ? (v << 16) >> 16 : v;
    }
  } else {
    for (let i = 0; i < 16; i++) {
      const v = u8[base + i];
      out[i] = isSigned ? (v << 24) >> 24 : v;
    }
  }
}

/** Index of the first zero element, or n. */
function implicitLength(e: Int32Array, n: number): number {
  for (let i = 0; i < n; i++) if (e[i] === 0) return i;
  return n;
}

/** |value| of a signed 32- or 64-bit register, saturated to n. */
function explicitLength(c: Cpu, reg: number, wide: boolean, n: number): number {
  const lo = c.r32[2 * reg], hi = c.r32[2 * reg + 1];
  let v: number;
  if (wide) {
    // Only whether |v| >= n matters: anything beyond 32 bits is large either way.
    const neg = (hi | 0) < 0;
    if (neg ? hi !== 0xffffffff || lo === 0 : hi !== 0) return n;
    v = neg ? 4294967296 - lo : lo;
  } else v = Math.abs(lo | 0);
  return v > n ? n : v;
}

/** IntRes1 of the aggregation over la valid elements of a and lb of b (n elements each). */
function aggregate(mode: number, n: number, la: number, lb: number): number {
  let res = 0;
  switch (mode) {
    case 0: // equal any
      for (let j = 0; j < lb; j++) {
        for (let i = 0; i < la; i++) {
          if (a[i] === b[j]) {
            res |= 1 << j;
            break;
          }
        }
      }
      return res;
    case 1: // ranges: pairs (a[i], a[i+1]) as [low, high]
      for (let j = 0; j < lb; j++) {
        for (let i = 0; i + 1 < la; i += 2) {
          if (b[j] >= a[i] && b[j] <= a[i + 1]) {
            res |= 1 << j;
            break;
          }
        }
      }
      return res;
    case 2: // equal each: both invalid counts as equal
      for (let j = 0; j < n; j++) {
        const va = j < la, vb = j < lb;
        if (va && vb ? a[j] === b[j] : !va && !vb) res |= 1 << j;
      }
      return res;
    default: // equal ordered: the pattern a starts at b[j]; pattern elements past la match anything
      for (let j = 0; j < n; j++) {
        let ok = true;
        for (let i = 0; i < n - j && ok; i++) {
          if (i >= la) break;
          if (j + i >= lb || a[i] !== b[j + i]) ok = false;
        }
        if (ok) res |= 1 << j;
      }
      return res;
  }
}

function pcmpstr(explicit: boolean, wide: boolean, mask: boolean) {
  return (insn: Insn) => {
    const d = xmmReg(insn, 0);
    const s = source(insn, 1, 16, false);
    const k = imm8(insn);
    const words = (k & 1) !== 0, isSigned = (k & 2) !== 0;
    const n = words ? 8 : 16;
    const all = (1 << n) - 1;
    return (c: Cpu) => {
      loadElements(c, d, a, words, isSigned);
      loadElements(c, s(c), b, words, isSigned);
      const la = explicit ? explicitLength(c, 0, wide, n) : implicitLength(a, n);
      const lb = explicit ? explicitLength(c, 2, wide, n) : implicitLength(b, n);
      let res = aggregate((k >> 2) & 3, n, la, lb);
      switch ((k >> 4) & 3) {
        case 1:
          res = ~res & all;
          break;
        case 3:
          res = (res ^ ((1 << lb) - 1)) & all;
          break;
      }
      if (mask) {
        const x = c.xmm8;
        if (k & 0x40) {
          const size = words ? 2 : 1;
          for (let i = 0; i < n; i++) for (let z = 0; z < size; z++) x[i * size + z] = (res >> i) & 1 ? 0xff : 0;
        } else {
          c.xmm32[0] = res;
          c.xmm32[1] = c.xmm32[2] = c.xmm32[3] = 0;
        }
      } else {
        let index = n;
        if (res !== 0) index = k & 0x40 ? 31 - Math.clz32(res) : 31 - Math.clz32(res & -res);
        c.r32[2] = index;
        c.r32[3] = 0;
      }
      c.cf = res !== 0 ? 1 : 0;
      c.zr = lb < n ? 0 : 1;
      c.sr = la < n ? -1 : 0;
      c.of = res & 1;
      c.ar = 0;
      c.pr = 1; // PF clear
    };
  };
}

export const handlers: HandlerDef[] = [
  { codes: ['Pcmpestri_xmm_xmmm128_imm8'], build: pcmpstr(true, false, false), feature: 'sse4.2' },
  { codes: ['Pcmpestri64_xmm_xmmm128_imm8'], build: pcmpstr(true, true, false), feature: 'sse4.2' },
  { codes: ['Pcmpestrm_xmm_xmmm128_imm8'], build: pcmpstr(true, false, true), feature: 'sse4.2' },
  { codes: ['Pcmpestrm64_xmm_xmmm128_imm8'], build: pcmpstr(true, true, true), feature: 'sse4.2' },
  { codes: ['Pcmpistri_xmm_xmmm128_imm8'], build: pcmpstr(false, false, false), feature: 'sse4.2' },
  { codes: ['Pcmpistrm_xmm_xmmm128_imm8'], build: pcmpstr(false, false, true), feature: 'sse4.2' },
];
