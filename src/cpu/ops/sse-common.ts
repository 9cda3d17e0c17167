// Helpers shared by the SSE handler files: operand slots, the result scratch, MXCSR exception commit.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { fault, GuestFault } from '../faults.ts';
import { effectiveAddress, xmmSource } from '../operands.ts';
import { fp } from './sse-softfloat.ts';

/** Results are built here first, so a faulting instruction commits nothing. */
export const tmp = new Uint32Array(4);
export const tmp8 = new Uint8Array(tmp.buffer);
export const tmp16 = new Uint16Array(tmp.buffer);
export const tmpI32 = new Int32Array(tmp.buffer);
export const tmpI16 = new Int16Array(tmp.buffer);

/** The XMM register number of operand i (throws at build time when it is not an XMM register). */
export function xmmReg(insn: Insn, i: number): number {
  const op = insn.ops[i];
  if (op.kind !== 'xmm') throw new Error(`operand ${i} of ${insn.text} is not an XMM register`);
  return op.reg;
}

/**
 * Source slot for operand i: the register, or scratch loaded from memory. Legacy-SSE 128-bit memory
 * operands must be 16-byte aligned unless the instruction says otherwise (movups, movdqu, lddqu, ...).
 */
export function source(insn: Insn, i: number, bytes = 16, aligned = bytes === 16): (c: Cpu) => number {
  const op = insn.ops[i];
  if (op.kind !== 'mem' || (bytes !== 16 && bytes !== 8 && bytes !== 4)) return xmmSource(insn, i, bytes, aligned);
  const ea = effectiveAddress(insn.mem!);
  // Scratch slot 16 (xmm32 words 64-67). Without memory hooks, 32/64-bit reads (no allocation); with them,
  // one access of the operand's size, as the hooks expect.
  return (c: Cpu) => {
    const a = (c.ea = ea(c));
    if (aligned && a % 16 !== 0) fault('misaligned', a, 'read');
    const x = c.xmm32;
    if (memoryHooked(c)) {
      x.fill(0, 64, 68);
      c.readBytes(a, bytes, c.xmm8, 256);
      return 16;
    }
    if (bytes === 4) {
      x[64] = c.read32(a);
      x[65] = x[66] = x[67] = 0;
    } else if (bytes === 8) {
      x[64] = c.read64(a);
      x[65] = c.hi;
      x[66] = x[67] = 0;
    } else {
      const w0 = c.read64(a), w1 = c.hi, w2 = c.read64(a + 8), w3 = c.hi;
      x[64] = w0;
      x[65] = w1;
      x[66] = w2;
      x[67] = w3;
    }
    return 16;
  };
}

/** True when hooks want to see every data access (then accesses keep their architectural size). */
export function memoryHooked(c: Cpu): boolean {
  const h = c.hooks;
  return !!(h.memRead || h.memReadAfter || h.memWrite || h.access);
}

/** Stores 16 bytes of XMM words at x[w..w+3] to memory (one access when hooked; probed first, so all or nothing). */
export function store16(c: Cpu, a: number, w: number): void {
  if (memoryHooked(c)) {
    c.writeBytes(a, c.xmm8, 4 * w, 16);
    return;
  }
  const x = c.xmm32;
  c.probeWrite(a, 16);
  c.write64(a, x[w], x[w + 1]);
  c.write64(a + 8, x[w + 2], x[w + 3]);
}

export function beginFp(c: Cpu): void {
  fp.mxcsr = c.mxcsr;
  fp.flags = 0;
}

// Linux's si_code for a SIMD floating-point exception, chosen from MXCSR's unmasked flags.
const FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5, FPE_FLTRES = 6, FPE_FLTINV = 7;

/** Merges the lanes' exception flags into MXCSR; an unmasked one raises #XM (SIGFPE) before any result is written. */
export function endFp(c: Cpu, stepwise = false): void {
  let flags = fp.flags;
  if (flags === 0) return;
  // An unmasked pre-computation exception (invalid, denormal, divide-by-zero) in any element traps before results
  // exist: the post-computation flags (overflow, underflow, precision) of the other elements are not reported.
  // (Not for dpps/dppd, `stepwise`: their steps are screened one by one, sse-float.ts stageFp.)
  if (!stepwise && flags & ~(c.mxcsr >> 7) & 0x7) flags &= 0x7;
  const mx = (c.mxcsr | flags) >>> 0;
  c.mxcsr = mx;
  if (flags & ~(mx >> 7) & 0x3f) {
    const err = mx & ~(mx >> 7) & 0x3f;
    const f = new GuestFault('simd-exception', undefined, undefined, `unmasked SIMD floating-point exception (MXCSR 0x${mx.toString(16)})`);
    f.code = err & 1 ? FPE_FLTINV : err & 4 ? FPE_FLTDIV : err & 8 ? FPE_FLTOVF : err & 0x12 ? FPE_FLTUND : err & 0x20 ? FPE_FLTRES : 0;
    throw f;
  }
}

/** Signed views of the XMM file (the CPU state has unsigned ones), one set per register file. */
export interface SignedViews {
  i8: Int8Array;
  i16: Int16Array;
  i32: Int32Array;
}
const signedCache = new WeakMap<ArrayBuffer, SignedViews>();
export function signed(c: Cpu): SignedViews {
  let v = signedCache.get(c.xmmBuffer);
  if (!v) {
    v = { i8: new Int8Array(c.xmmBuffer), i16: new Int16Array(c.xmmBuffer), i32: new Int32Array(c.xmmBuffer) };
    signedCache.set(c.xmmBuffer, v);
  }
  return v;
}

/** The 8-bit immediate of an instruction (its last immediate operand). */
export function imm8(insn: Insn): number {
  for (let i = insn.ops.length - 1; i >= 0; i--) {
    const op = insn.ops[i];
    if (op.kind === 'imm') return op.lo & 0xff;
  }
  throw new Error(`${insn.text} has no immediate`);
}
