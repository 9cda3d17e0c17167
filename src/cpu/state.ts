// The register file: GPRs as 32-bit halves, RIP, RFLAGS kept as per-flag fields, XMM0-15, MXCSR, fs/gs base.

import { X87State } from './x87-state.ts';

/** GPR numbers in encoding order. */
export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;

/** RFLAGS bit positions. */
export const CF = 1 << 0, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8, IF = 1 << 9, DF = 1 << 10, OF = 1 << 11;
/** Flags kept in their own fields (the rest of RFLAGS lives in `flagsOther`). */
const LIVE = CF | PF | AF | ZF | SF | DF | OF;
/** Bits user code may change with popf/sahf-like writes (AC and ID too; IF/IOPL are fixed in user mode). */
export const USER_WRITABLE = LIVE | TF | (1 << 18) | (1 << 21);

/** PARITY[b] is 1 when byte b has an even number of set bits (x86 PF). */
export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let n = 0;
  for (let b = i; b; b >>= 1) n += b & 1;
  PARITY[i] = n & 1 ? 0 : 1;
}

/**
 * Registers. Flags are eager but kept in a form that is cheap to write:
 * CF and OF are 0/1; ZF is set iff `zr === 0`; SF iff `sr < 0` (sr holds the result's sign in bit 31);
 * PF is the parity of `pr & 0xff`; AF is bit 4 of `ar`.
 */
export class CpuState {
  /** GPR r is r32[2r] (low half) and r32[2r+1] (high half). */
  readonly r32: Uint32Array;
  /** Same storage as 64-bit lanes, for rare wide operations. */
  readonly r64: BigUint64Array;
  /** `gprs`: 32 words where the GPRs live (the CPU puts them in its compiled regions' context, so hooks called from compiled code see them without a copy). */
  constructor(gprs: Uint32Array = new Uint32Array(32)) {
    this.r32 = gprs;
    this.r64 = new BigUint64Array(gprs.buffer, gprs.byteOffset, 16);
  }
  /** Address of the next instruction to execute (user addresses < 2^47, exact in a double). */
  rip = 0;

  cf = 0;
  of = 0;
  zr = 1;
  sr = 0;
  pr = 0;
  ar = 0;
  df = 0;
  /** RFLAGS bits other than the live ones: bit 1 (always 1), IF, and whatever popf left in TF/AC/ID. */
  flagsOther = 0x202;

  /** XMM0-15, then two scratch slots (16, 17) where handlers stage memory operands. */
  readonly xmmBuffer = new ArrayBuffer(18 * 16);
  readonly xmm8 = new Uint8Array(this.xmmBuffer);
  readonly xmm16 = new Uint16Array(this.xmmBuffer);
  readonly xmm32 = new Uint32Array(this.xmmBuffer);
  readonly xmmI32 = new Int32Array(this.xmmBuffer);
  readonly xmmF32 = new Float32Array(this.xmmBuffer);
  readonly xmmF64 = new Float64Array(this.xmmBuffer);
  readonly xmm64 = new BigUint64Array(this.xmmBuffer);
  mxcsr = 0x1f80;
  /** The x87 FPU and the MMX registers aliased on it (x87-state.ts). */
  readonly x87 = new X87State();

  // ---- AVX: bits 255:128 of YMM0-15 (bits 127:0 are the XMM registers above), then two scratch slots
  // (16, 17) for VEX.256 memory operands. Legacy SSE leaves these; VEX.128 zeroes them.
  readonly ymmHiBuffer = new ArrayBuffer(18 * 16);
  readonly ymmHi8 = new Uint8Array(this.ymmHiBuffer);
  readonly ymmHi32 = new Uint32Array(this.ymmHiBuffer);
  readonly ymmHi64 = new BigUint64Array(this.ymmHiBuffer);
  // ---- end of AVX

  fsBase = 0;
  gsBase = 0;

  /** fork and clone: every user-visible register of `from` (GPRs, RIP, RFLAGS, x87/MMX, XMM/YMM, MXCSR, fs/gs bases). */
  copyUserStateFrom(from: CpuState): void {
    this.r64.set(from.r64);
    this.rip = from.rip;
    this.rflags = from.rflags;
    this.x87.copyFrom(from.x87);
    this.xmm8.set(from.xmm8);
    this.ymmHi8.set(from.ymmHi8);
    this.mxcsr = from.mxcsr;
    this.fsBase = from.fsBase;
    this.gsBase = from.gsBase;
  }

  get rflags(): number {
    return (
      this.cf |
      (PARITY[this.pr & 0xff] << 2) |
      (this.ar & AF) |
      (this.zr === 0 ? ZF : 0) |
      (this.sr < 0 ? SF : 0) |
      (this.df << 10) |
      (this.of << 11) |
      this.flagsOther
    );
  }
  set rflags(v: number) {
    this.cf = v & 1;
    this.pr = v & PF ? 0 : 1;
    this.ar = v & AF;
    this.zr = v & ZF ? 0 : 1;
    this.sr = v & SF ? -1 : 0;
    this.df = (v >> 10) & 1;
    this.of = (v >> 11) & 1;
    this.flagsOther = (v & ~LIVE & 0x3f7fd5) | 2;
  }

  setZF(on: boolean): void {
    this.zr = on ? 0 : 1;
  }
  setSF(on: boolean): void {
    this.sr = on ? -1 : 0;
  }
  setPF(on: boolean): void {
    this.pr = on ? 0 : 1;
  }
  setAF(on: boolean): void {
    this.ar = on ? AF : 0;
  }

  /** A GPR as a bigint (debuggers, wide ops). */
  getGpr(r: number): bigint {
    return this.r64[r];
  }
  setGpr(r: number, v: bigint): void {
    this.r64[r] = BigInt.asUintN(64, v);
  }
  /** A GPR as a number, exact below 2^53 (addresses). */
  gprNumber(r: number): number {
    return this.r32[2 * r + 1] * 4294967296 + this.r32[2 * r];
  }
  setGprNumber(r: number, v: number): void {
    this.r32[2 * r] = v >>> 0;
    this.r32[2 * r + 1] = Math.floor(v / 4294967296) >>> 0;
  }
}
