// Shifts and rotates: shl/shr/sar/rol/ror/rcl/rcr and shld/shrd. Count masked to 5 bits (6 for 64-bit);
// a masked count of 0 changes no flag. OF is computed as QEMU/hardware do for every count (Intel defines it only for 1).
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { bitsSource, setResultFlags, SHIFT_FLAGS } from '../flags.ts';
import { getter, rmwGetter, setter, widthOf } from '../operands.ts';
import { codesMatching, type Exec, type HandlerDef } from '../handler.ts';
import { shiftRule } from '../compile/integer-rules.ts';

type Kind = 'shl' | 'shr' | 'sar' | 'rol' | 'ror' | 'rcl' | 'rcr';

function resultFlags(c: Cpu, width: number, r: number): void {
  c.zr = r;
  c.sr = r << (32 - width);
  c.pr = r;
  c.ar = 0;
}

/** One shift/rotate of a `width`-bit value (8/16/32) by a masked, nonzero count; sets flags, returns the result. */
function shiftNarrow(c: Cpu, kind: Kind, width: number, a: number, n: number): number {
  const M = width === 32 ? 0xffffffff : (1 << width) - 1;
  const top = width - 1;
  let r: number;
  switch (kind) {
    case 'shl':
    case 'shr':
    case 'sar': {
      // t: the operand shifted by n - 1 (flags.ts's SHIFT_FLAGS read it), then the last step.
      const sa = kind === 'sar' ? (a << (32 - width)) >> (32 - width) : a;
      const t = kind === 'shl' ? sa << (n - 1) : kind === 'shr' ? sa >>> (n - 1) : sa >> (n - 1);
      r = (kind === 'shl' ? t << 1 : kind === 'shr' ? t >>> 1 : t >> 1) & M;
      if (width === 32) r >>>= 0;
      c.cf = SHIFT_FLAGS.cf[kind] === 'top' ? (t >>> top) & 1 : t & 1;
      c.of = shiftOf(t, r, top);
      resultFlags(c, width, r);
      return r;
    }
    case 'rol': {
      const k = n % width;
      r = k === 0 ? a : ((a << k) | (a >>> (width - k))) & M;
      if (width === 32) r >>>= 0;
      c.cf = r & 1;
      c.of = ((r >>> top) & 1) ^ c.cf;
      return r;
    }
    case 'ror': {
      const k = n % width;
      r = k === 0 ? a : ((a >>> k) | (a << (width - k))) & M;
      if (width === 32) r >>>= 0;
      c.cf = (r >>> top) & 1;
      c.of = c.cf ^ ((r >>> (top - 1)) & 1);
      return r;
    }
    case 'rcl':
    case 'rcr': {
      const k = width < 32 ? n % (width + 1) : n;
      if (k === 0) {
        // Nothing rotates, but the host CPU still sets OF as for a count of 1 over the unchanged operand.
        c.of = kind === 'rcl' ? ((a >>> top) & 1) ^ c.cf : ((a >>> top) ^ (a >>> (top - 1))) & 1;
        return a;
      }
      const W1 = width + 1;
      const x = c.cf * 2 ** width + a;
      const rot = kind === 'rcl' ? (x * 2 ** k) % 2 ** W1 + Math.floor(x / 2 ** (W1 - k)) : Math.floor(x / 2 ** k) + (x % 2 ** k) * 2 ** (W1 - k);
      r = rot % 2 ** width;
      c.cf = Math.floor(rot / 2 ** width) & 1;
      c.of = ((a ^ r) >>> top) & 1;
      return r;
    }
  }
}

/** OF of shl/shr/sar from t (the operand shifted by n - 1) and the result, at bit `top` (flags.ts's formula). */
const shiftOf = new Function('a', 'v', 'top', `return (${bitsSource(SHIFT_FLAGS.of, { a: 'a', b: '0', v: 'v' })} >>> top) & 1;`) as (t: number, v: number, top: number) => number;

let shLo = 0;
let shHi = 0;
/** lo:hi shifted by k (0-63) as shl, shr or sar, into shLo:shHi. */
function shiftHalves(kind: 'shl' | 'shr' | 'sar', lo: number, hi: number, k: number): void {
  if (k === 0) {
    shLo = lo;
    shHi = hi;
  } else if (kind === 'shl') {
    shHi = (k < 32 ? (hi << k) | (lo >>> (32 - k)) : lo << (k - 32)) >>> 0;
    shLo = k < 32 ? (lo << k) >>> 0 : 0;
  } else {
    const s = kind === 'sar' ? hi | 0 : hi;
    shLo = (k < 32 ? (lo >>> k) | (hi << (32 - k)) : kind === 'sar' ? s >> (k - 32) : hi >>> (k - 32)) >>> 0;
    shHi = (k < 32 ? (kind === 'sar' ? s >> k : hi >>> k) : kind === 'sar' ? s >> 31 : 0) >>> 0;
  }
}

const M64 = (1n << 64n) - 1n;
/** 64-bit form: value as halves; returns lo, c.hi = hi. */
function shift64(c: Cpu, kind: Kind, lo: number, hi: number, n: number): number {
  let rlo: number;
  let rhi: number;
  switch (kind) {
    case 'shl':
    case 'shr':
    case 'sar': {
      // t: the operand shifted by n - 1 (flags.ts's SHIFT_FLAGS read it), then the last step.
      shiftHalves(kind, lo, hi, n - 1);
      const tlo = shLo;
      const thi = shHi;
      shiftHalves(kind, tlo, thi, 1);
      rlo = shLo;
      rhi = shHi;
      c.cf = SHIFT_FLAGS.cf[kind] === 'top' ? thi >>> 31 : tlo & 1;
      c.of = shiftOf(thi, rhi, 31);
      break;
    }
    default: {
      // Rotates through BigInt (rare in hot code).
      const a = (BigInt(hi) << 32n) | BigInt(lo);
      let r: bigint;
      if (kind === 'rol' || kind === 'ror') {
        const k = BigInt(kind === 'rol' ? n : 64 - n);
        r = ((a << k) | (a >> (64n - k))) & M64;
        if (kind === 'rol') {
          c.cf = Number(r & 1n);
          c.of = Number(r >> 63n) ^ c.cf;
        } else {
          c.cf = Number(r >> 63n);
          c.of = c.cf ^ Number((r >> 62n) & 1n);
        }
      } else {
        const x = (BigInt(c.cf) << 64n) | a;
        const k = BigInt(n);
        const M65 = (1n << 65n) - 1n;
        const rot = kind === 'rcl' ? ((x << k) | (x >> (65n - k))) & M65 : ((x >> k) | (x << (65n - k))) & M65;
        r = rot & M64;
        c.cf = Number(rot >> 64n);
        c.of = Number(((a ^ r) >> 63n) & 1n);
      }
      c.hi = Number(r >> 32n);
      return Number(r & 0xffffffffn);
    }
  }
  c.zr = rlo | rhi;
  c.sr = rhi | 0;
  c.pr = rlo;
  c.ar = 0;
  c.hi = rhi;
  return rlo;
}

function shift(kind: Kind) {
  return (insn: Insn): Exec => {
    const width = widthOf(insn, 0);
    const mask = width === 64 ? 63 : 31;
    const src = insn.ops[1];
    // Count: 1 (the _1 forms have an implicit operand iced reports as imm 1), imm8 or CL.
    const count: (c: Cpu) => number =
      src && src.kind === 'imm' ? ((n) => () => n)(src.lo & mask) : src && src.kind === 'gpr' ? (c) => c.r32[2] & mask : () => 1;
    const ga = rmwGetter(insn, 0);
    const set = setter(insn, 0, true);
    const d = insn.ops[0];
    if (width === 64) {
      return (c) => {
        const n = count(c);
        const lo = ga(c);
        const hi = c.hi;
        if (n === 0) return set(c, lo, hi);
        const r = shift64(c, kind, lo, hi, n);
        set(c, r, c.hi);
      };
    }
    if (width === 32 && d.kind === 'gpr' && (kind === 'shr' || kind === 'shl' || kind === 'sar')) {
      const i = 2 * d.reg;
      return (c) => {
        const n = count(c);
        const r = c.r32;
        if (n !== 0) r[i] = shiftNarrow(c, kind, 32, r[i], n);
        r[i + 1] = 0;
      };
    }
    return (c) => {
      const n = count(c);
      const a = ga(c);
      set(c, n === 0 ? a : shiftNarrow(c, kind, width, a, n), 0);
    };
  };
}

/** shld/shrd dest, src, imm8/CL. */
function doubleShift(left: boolean) {
  return (insn: Insn): Exec => {
    const width = widthOf(insn, 0);
    const mask = width === 64 ? 63 : 31;
    const cnt = insn.ops[2];
    const count: (c: Cpu) => number = cnt.kind === 'imm' ? ((n) => () => n)(cnt.lo & mask) : (c) => c.r32[2] & mask;
    const ga = rmwGetter(insn, 0);
    const gb = getter(insn, 1);
    const set = setter(insn, 0, true);
    const W = BigInt(width);
    const M = (1n << W) - 1n;
    return (c) => {
      const n = count(c);
      const alo = ga(c);
      const ahi = c.hi;
      const blo = gb(c);
      const bhi = c.hi;
      if (n === 0) return set(c, alo, ahi);
      const a = width === 64 ? (BigInt(ahi) << 32n) | BigInt(alo) : BigInt(alo);
      const b = width === 64 ? (BigInt(bhi) << 32n) | BigInt(blo) : BigInt(blo);
      const k = BigInt(n);
      let r: bigint;
      let cf: bigint;
      if (width === 16) {
        // 16-bit with counts above 16 (undefined per Intel): the host CPU shifts dest:src:src (shld) and src:src:dest (shrd).
        if (left) {
          const x = (a << 32n) | (b << 16n) | b;
          r = (x >> (32n - k)) & M;
          cf = (x >> (48n - k)) & 1n;
        } else {
          const x = (b << 32n) | (b << 16n) | a;
          r = (x >> k) & M;
          cf = (x >> (k - 1n)) & 1n;
        }
        // ...and clears CF for those counts.
        if (k > 16n) cf = 0n;
      } else if (left) {
        r = ((a << k) | (b >> (W - k))) & M;
        cf = (a >> (W - k)) & 1n;
      } else {
        r = ((a >> k) | (b << (W - k))) & M;
        cf = (a >> (k - 1n)) & 1n;
      }
      const lo = Number(r & 0xffffffffn);
      const hi = Number(r >> 32n);
      const msb = (v: bigint) => Number((v >> (W - 1n)) & 1n);
      c.cf = Number(cf);
      c.of = msb(r) ^ msb(a);
      setResultFlags(c, width, lo, hi);
      c.ar = 0;
      set(c, lo, hi);
    };
  };
}

const forms = (mn: string) => codesMatching(new RegExp(`^${mn}_rm(8|16|32|64)_(imm8|1|CL)$`));

export const handlers: HandlerDef[] = [
  ...(['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'] as const).map((k) => ({
    codes: forms(k[0].toUpperCase() + k.slice(1)),
    build: shift(k),
    compile: k === 'shl' || k === 'shr' || k === 'sar' ? shiftRule(k) : undefined,
  })),
  // Sal (/6) is an alias of shl that iced decodes separately.
  { codes: forms('Sal'), build: shift('shl'), compile: shiftRule('shl') },
  { codes: codesMatching(/^Shld_rm(16|32|64)_r(16|32|64)_(imm8|CL)$/), build: doubleShift(true) },
  { codes: codesMatching(/^Shrd_rm(16|32|64)_r(16|32|64)_(imm8|CL)$/), build: doubleShift(false) },
];
