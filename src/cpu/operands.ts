// Operand access resolved at decode time: effective-address functions and getters/setters per operand and width.
import type { Cpu } from './cpu.ts';
import type { GprOperand, Insn, MemRef } from './decode.ts';
import { canonicalNumber } from './address.ts';
import { fault } from './faults.ts';

/** Computes an operand's guest address (a number below 2^48), or faults on a non-canonical one. */
export type EA = (c: Cpu) => number;
/** Reads an operand: the value for widths up to 32 (unsigned); for 64-bit, the low half, with the high half in `c.hi`. */
export type Get = (c: Cpu) => number;
/** Writes an operand: `lo` (and `hi` for 64-bit). 32-bit register writes zero the upper half. */
export type Set = (c: Cpu, lo: number, hi: number) => void;

const TWO32 = 4294967296;

/** The exact 64-bit address (mod 2^64) as halves into c.ea (lo) / c.hi (hi); no segment base. */
function exactAddress(c: Cpu, m: MemRef): void {
  const r = c.r32;
  let lo = m.dispLo;
  let hi = m.dispHi;
  if (m.base >= 0) {
    lo += r[2 * m.base];
    hi += r[2 * m.base + 1];
  }
  if (m.index >= 0) {
    lo += r[2 * m.index] * m.scale;
    hi += r[2 * m.index + 1] * m.scale;
  }
  const carry = Math.floor(lo / TWO32);
  c.ea = lo >>> 0;
  c.hi = (hi + carry) >>> 0;
}

function segBase(c: Cpu, m: MemRef): number {
  return m.seg === 'fs' ? c.fsBase : m.seg === 'gs' ? c.gsBase : 0;
}

/** The exact 64-bit effective address of `insn`'s memory operand, as [lo, hi] in c.ea / c.hi (LEA: no segment base). */
export function leaHalves(m: MemRef): (c: Cpu) => void {
  if (m.ripRelative) {
    const lo = m.dispLo;
    const hi = m.addrSize === 32 ? 0 : m.dispHi;
    return (c) => {
      c.ea = lo;
      c.hi = hi;
    };
  }
  if (m.addrSize === 32) {
    // 32-bit address size: the address is truncated to 32 bits, zero-extended into a 64-bit destination.
    return (c) => {
      exactAddress(c, m);
      c.hi = 0;
    };
  }
  return (c) => exactAddress(c, m);
}

function slowAddress(c: Cpu, m: MemRef): number {
  exactAddress(c, m);
  return guestAddress(c, m, c.ea, c.hi);
}

/**
 * An address computed in 64-bit halves (`lo`, `hi`, before the segment base) as the guest address number: the
 * segment base added, truncated for a 32-bit address size; a non-canonical one is #GP (#SS through RSP/RBP).
 */
export function guestAddress(c: Cpu, m: MemRef, lo: number, hi: number): number {
  if (m.addrSize === 32) hi = 0;
  if (m.seg) {
    const s = segBase(c, m);
    const sum = lo + (s % TWO32);
    lo = sum >>> 0;
    hi = (hi + Math.floor(s / TWO32) + Math.floor(sum / TWO32)) >>> 0;
    if (m.addrSize === 32 && c.bitness === 32) hi = 0;
  }
  if (hi < 0x8000) return hi * TWO32 + lo;
  // Canonical kernel-half addresses fault as unmapped memory (at their exact, sign-extended address); non-canonical ones are a #GP.
  if (hi >= 0xffff8000) fault('unmapped', canonicalNumber(lo, hi), undefined);
  // Through RSP or RBP the reference uses the stack segment: #SS (SIGBUS) instead of #GP.
  fault(m.base === 4 || m.base === 5 ? 'stack-fault' : 'general-protection', undefined, undefined, `non-canonical address 0x${(hi * TWO32 + lo).toString(16)}`);
}

/** Effective address with fast paths for the common shapes (exact in doubles below 2^47, else the exact path). */
export function effectiveAddress(m: MemRef): EA {
  const LIMIT = 2 ** 47;
  if (m.ripRelative && !m.seg && m.absolute >= 0 && m.absolute < LIMIT) {
    const a = m.absolute;
    return () => a;
  }
  if (m.seg || m.addrSize === 32 || Number.isNaN(m.disp)) return (c) => slowAddress(c, m);
  const b = 2 * m.base;
  const x = 2 * m.index;
  const s = m.scale;
  const d = m.disp;
  if (m.base >= 0 && m.index < 0) {
    return (c) => {
      const r = c.r32;
      const a = r[b + 1] * TWO32 + r[b] + d;
      return a >= 0 && a < LIMIT ? a : slowAddress(c, m);
    };
  }
  if (m.base >= 0) {
    return (c) => {
      const r = c.r32;
      const a = r[b + 1] * TWO32 + r[b] + (r[x + 1] * TWO32 + r[x]) * s + d;
      return a >= 0 && a < LIMIT ? a : slowAddress(c, m);
    };
  }
  if (m.index >= 0) {
    return (c) => {
      const r = c.r32;
      const a = (r[x + 1] * TWO32 + r[x]) * s + d;
      return a >= 0 && a < LIMIT ? a : slowAddress(c, m);
    };
  }
  return (c) => slowAddress(c, m);
}

export function gprGetter(g: GprOperand): Get {
  const i = 2 * g.reg;
  switch (g.width) {
    case 64:
      return (c) => {
        c.hi = c.r32[i + 1];
        return c.r32[i];
      };
    case 32:
      return (c) => c.r32[i];
    case 16:
      return (c) => c.r32[i] & 0xffff;
    default:
      return g.high8 ? (c) => (c.r32[i] >>> 8) & 0xff : (c) => c.r32[i] & 0xff;
  }
}

export function gprSetter(g: GprOperand): Set {
  const i = 2 * g.reg;
  switch (g.width) {
    case 64:
      return (c, lo, hi) => {
        c.r32[i] = lo;
        c.r32[i + 1] = hi;
      };
    case 32:
      return (c, lo) => {
        c.r32[i] = lo;
        c.r32[i + 1] = 0;
      };
    case 16:
      return (c, lo) => {
        c.r32[i] = (c.r32[i] & 0xffff0000) | (lo & 0xffff);
      };
    default:
      return g.high8
        ? (c, lo) => {
            c.r32[i] = (c.r32[i] & 0xffff00ff) | ((lo & 0xff) << 8);
          }
        : (c, lo) => {
            c.r32[i] = (c.r32[i] & 0xffffff00) | (lo & 0xff);
          };
  }
}

/** A reader of memory of `bytes` (1, 2, 4, 8) at `ea`; stores the address in c.ea. */
export function memGetter(ea: EA, bytes: number): Get {
  switch (bytes) {
    case 1:
      return (c) => c.read8((c.ea = ea(c)));
    case 2:
      return (c) => c.read16((c.ea = ea(c)));
    case 4:
      return (c) => c.read32((c.ea = ea(c)));
    case 8:
      return (c) => c.read64((c.ea = ea(c)));
  }
  throw new Error(`memGetter: unsupported size ${bytes}`);
}

/** Writes `bytes` at `ea(c)`, or (reuse=true) at the c.ea a getter computed earlier in the same instruction. */
export function memSetter(ea: EA | null, bytes: number): Set {
  const at = ea ?? ((c: Cpu) => c.ea);
  switch (bytes) {
    case 1:
      return (c, lo) => c.write8(at(c), lo);
    case 2:
      return (c, lo) => c.write16(at(c), lo);
    case 4:
      return (c, lo) => c.write32(at(c), lo);
    case 8:
      return (c, lo, hi) => c.write64(at(c), lo, hi);
  }
  throw new Error(`memSetter: unsupported size ${bytes}`);
}

/** Width in bits of operand `i` (GPR width, memory size, immediate width). */
export function widthOf(insn: Insn, i: number): number {
  const op = insn.ops[i];
  if (op.kind === 'gpr') return op.width;
  if (op.kind === 'mem') return op.size * 8;
  if (op.kind === 'imm') return op.width;
  if (op.kind === 'xmm') return 128;
  return 0;
}

/** Getter for operand `i` read as `width` bits (immediates masked/extended to it). */
export function getter(insn: Insn, i: number, width = widthOf(insn, i)): Get {
  const op = insn.ops[i];
  switch (op.kind) {
    case 'gpr':
      return gprGetter(op);
    case 'mem':
      return memGetter(effectiveAddress(insn.mem!), width / 8);
    case 'imm': {
      const lo = width >= 32 ? op.lo : op.lo & ((1 << width) - 1);
      const hi = op.hi;
      return width === 64
        ? (c) => {
            c.hi = hi;
            return lo;
          }
        : () => lo;
    }
  }
  throw new Error(`getter: operand ${i} of ${insn.text} is ${op.kind}`);
}

/** Setter for operand `i`. With reuseEa, a memory operand is written at the c.ea its getter computed (read-modify-write). */
export function setter(insn: Insn, i: number, reuseEa = false, width = widthOf(insn, i)): Set {
  const op = insn.ops[i];
  if (op.kind === 'gpr') return gprSetter(op);
  if (op.kind === 'mem') return memSetter(reuseEa ? null : effectiveAddress(insn.mem!), width / 8);
  throw new Error(`setter: operand ${i} of ${insn.text} is ${op.kind}`);
}

/**
 * Getter for the destination of a read-modify-write: for memory it reads, then checks the write would
 * succeed, so nothing (flags included) is committed before a faulting write.
 */
export function rmwGetter(insn: Insn, i: number, width = widthOf(insn, i)): Get {
  const op = insn.ops[i];
  if (op.kind !== 'mem') return getter(insn, i, width);
  const g = getter(insn, i, width);
  const bytes = width / 8;
  return (c) => {
    const v = g(c);
    const hi = c.hi;
    c.probeWrite(c.ea, bytes);
    c.hi = hi;
    return v;
  };
}

// ---- XMM operands (slot s is bytes 16s..16s+15 of c.xmm8; slots 16 and 17 are scratch)

/**
 * Source slot of an XMM-or-memory operand: an XMM register's slot, or the scratch slot 16 (17 when
 * `second`) after loading `bytes` bytes from memory into it (the rest zeroed). `aligned` faults when the
 * address is not 16-byte aligned (movaps & co: SIGSEGV, si_code SI_KERNEL, address 0).
 */
export function xmmSource(insn: Insn, i: number, bytes = 16, aligned = false, second = false): (c: Cpu) => number {
  const op = insn.ops[i];
  if (op.kind === 'xmm') {
    const s = op.reg;
    return () => s;
  }
  if (op.kind !== 'mem') throw new Error(`xmmSource: operand ${i} of ${insn.text} is ${op.kind}`);
  const ea = effectiveAddress(insn.mem!);
  const slot = second ? 17 : 16;
  const base = slot * 16;
  return (c) => {
    const a = (c.ea = ea(c));
    if (aligned && a % 16 !== 0) fault('misaligned', a, 'read');
    if (bytes < 16) c.xmm8.fill(0, base + bytes, base + 16);
    c.readBytes(a, bytes, c.xmm8, base);
    return slot;
  };
}

/** Writes `bytes` bytes of XMM slot `slot` to operand `i` (register: the low bytes, rest untouched; memory: exactly `bytes`). */
export function xmmStore(insn: Insn, i: number, bytes = 16, aligned = false): (c: Cpu, slot: number) => void {
  const op = insn.ops[i];
  if (op.kind === 'xmm') {
    const d = op.reg * 16;
    return (c, slot) => c.xmm8.copyWithin(d, slot * 16, slot * 16 + bytes);
  }
  if (op.kind !== 'mem') throw new Error(`xmmStore: operand ${i} of ${insn.text} is ${op.kind}`);
  const ea = effectiveAddress(insn.mem!);
  return (c, slot) => {
    const a = ea(c);
    if (aligned && a % 16 !== 0) fault('misaligned', a, 'write');
    c.writeBytes(a, c.xmm8, slot * 16, bytes);
  };
}
