// Helpers shared by the SSE handler files: operand slots, the result scratch, MXCSR exception commit.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { GuestFault } from '../faults.ts';
import { xmmSource } from '../operands.ts';
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
  return xmmSource(insn, i, bytes, aligned);
}

export function beginFp(c: Cpu): void {
  fp.mxcsr = c.mxcsr;
  fp.flags = 0;
}

// Linux's si_code for a SIMD floating-point exception, chosen from MXCSR's unmasked flags.
const FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5, FPE_FLTRES = 6, FPE_FLTINV = 7;

/** Merges the lanes' exception flags into MXCSR; an unmasked one raises #XM (SIGFPE) before any result is written. */
export function endFp(c: Cpu): void {
  const flags = fp.flags;
  if (flags === 0) return;
  const mx = (c.mxcsr | flags) >>> 0;
  c.mxcsr = mx;
  if (flags & ~(mx >> 7) & 0x3f) {
    const err = mx & ~(mx >> 7) & 0x3f;
    const f = new GuestFault('simd-exception', undefined, undefined, `unmasked SIMD floating-point exception (MXCSR 0x${mx.toString(16)})`);
    f.code = err & 1 ? FPE_FLTINV : err & 4 ? FPE_FLTDIV : err & 8 ? FPE_FLTOVF : err & 0x12 ? FPE_FLTUND : err & 0x20 ? FPE_FLTRES : 0;
    throw f;
  }
}

/** Copies the 16-byte scratch result into XMM register d. */
export function commit128(c: Cpu, d: number): void {
  c.xmm32.set(tmp, d * 4);
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
