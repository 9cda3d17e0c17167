// Registers by name (rax..r15, eax.., ax.., al.., ah.., rip, rflags, fs_base, xmm0..15, mxcsr, st0..7, mm0..7, the
// x87 control words): read and write as bigint.
import { addressFromBigInt, addressToBigInt } from './address.ts';
import type { CpuState } from './state.ts';

export type RegisterName = string;

interface RegDesc {
  read(c: CpuState & { rip: number }): bigint;
  write(c: CpuState, v: bigint): void;
  bits: number;
}

const table = new Map<string, RegDesc>();
const M64 = (1n << 64n) - 1n;

function gpr(name: string, r: number, bits: 8 | 16 | 32 | 64, shift = 0): void {
  const mask = (1n << BigInt(bits)) - 1n;
  const sh = BigInt(shift);
  table.set(name, {
    bits,
    read: (c) => (c.r64[r] >> sh) & mask,
    write: (c, v) => {
      v = BigInt.asUintN(bits, v);
      // A write through a narrower name changes only those bits (as unicorn's uc_reg_write and debuggers do;
      // it is the instruction set, not the register file, that zero-extends 32-bit results).
      c.r64[r] = bits === 64 ? v : (c.r64[r] & ~(mask << sh) & M64) | (v << sh);
    },
  });
}

const legacy = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const low8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil'];
for (let i = 0; i < 16; i++) {
  if (i < 8) {
    gpr('r' + legacy[i], i, 64);
    gpr('e' + legacy[i], i, 32);
    gpr(legacy[i], i, 16);
    gpr(low8[i], i, 8);
  } else {
    gpr(`r${i}`, i, 64);
    gpr(`r${i}d`, i, 32);
    gpr(`r${i}w`, i, 16);
    gpr(`r${i}b`, i, 8);
    table.set(`r${i}l`, table.get(`r${i}b`)!);
  }
}
['ah', 'ch', 'dh', 'bh'].forEach((n, i) => gpr(n, i, 8, 8));
// RIP is kept as a sign-extended number (address.ts): exact for every canonical address.
table.set('rip', { bits: 64, read: (c) => addressToBigInt(c.rip), write: (c, v) => void (c.rip = addressFromBigInt(v)) });
table.set('eip', { bits: 32, read: (c) => BigInt(c.rip) & 0xffffffffn, write: (c, v) => void (c.rip = Number(BigInt.asUintN(32, v))) });
for (const n of ['rflags', 'eflags', 'flags']) {
  table.set(n, { bits: n === 'flags' ? 16 : 64, read: (c) => BigInt(c.rflags), write: (c, v) => void (c.rflags = Number(v & 0xffffffffn)) });
}
table.set('fs_base', { bits: 64, read: (c) => BigInt(c.fsBase), write: (c, v) => void (c.fsBase = Number(BigInt.asUintN(64, v))) });
table.set('gs_base', { bits: 64, read: (c) => BigInt(c.gsBase), write: (c, v) => void (c.gsBase = Number(BigInt.asUintN(64, v))) });
table.set('mxcsr', { bits: 32, read: (c) => BigInt(c.mxcsr), write: (c, v) => void (c.mxcsr = Number(v & 0xffffffffn)) });
for (let i = 0; i < 16; i++) {
  table.set(`xmm${i}`, {
    bits: 128,
    read: (c) => (c.xmm64[2 * i + 1] << 64n) | c.xmm64[2 * i],
    write: (c, v) => {
      v = BigInt.asUintN(128, v);
      c.xmm64[2 * i] = v & M64;
      c.xmm64[2 * i + 1] = v >> 64n;
    },
  });
}

// YMM0-15: the XMM register below bits 128, the AVX upper half above.
for (let i = 0; i < 16; i++) {
  table.set(`ymm${i}`, {
    bits: 256,
    read: (c) => (c.ymmHi64[2 * i + 1] << 192n) | (c.ymmHi64[2 * i] << 128n) | (c.xmm64[2 * i + 1] << 64n) | c.xmm64[2 * i],
    write: (c, v) => {
      v = BigInt.asUintN(256, v);
      c.xmm64[2 * i] = v & M64;
      c.xmm64[2 * i + 1] = (v >> 64n) & M64;
      c.ymmHi64[2 * i] = (v >> 128n) & M64;
      c.ymmHi64[2 * i + 1] = v >> 192n;
    },
  });
}

// x87 (gdb's names): st0-7 relative to TOP as 80-bit values, the control/status/tag words and the last-instruction
// pointers; mm0-7 are the significands of the physical registers R0-R7.
for (let i = 0; i < 8; i++) {
  table.set(`st${i}`, {
    bits: 80,
    read: (c) => {
      const v = c.x87.st(i);
      return (BigInt(v.se) << 64n) | v.m;
    },
    write: (c, v) => c.x87.setSt(i, { se: Number((BigInt.asUintN(80, v) >> 64n) & 0xffffn), m: v & M64 }),
  });
  table.set(`mm${i}`, { bits: 64, read: (c) => c.x87.mant[i], write: (c, v) => void (c.x87.mant[i] = BigInt.asUintN(64, v)) });
}
const x87Word = (name: string, read: (c: CpuState) => number, write: (c: CpuState, v: number) => void) =>
  table.set(name, { bits: 32, read: (c) => BigInt(read(c)), write: (c, v) => write(c, Number(BigInt.asUintN(32, v))) });
x87Word('fctrl', (c) => c.x87.fcw, (c, v) => void (c.x87.control = v));
x87Word('fstat', (c) => c.x87.status, (c, v) => void (c.x87.status = v));
x87Word('ftag', (c) => c.x87.tagWord, (c, v) => void (c.x87.tagWord = v));
x87Word('fiseg', () => 0, () => {});
x87Word('fioff', (c) => c.x87.fip >>> 0, (c, v) => void (c.x87.fip = v));
x87Word('foseg', () => 0, () => {});
x87Word('fooff', (c) => c.x87.fdp >>> 0, (c, v) => void (c.x87.fdp = v));
x87Word('fop', (c) => c.x87.fop, (c, v) => void (c.x87.fop = v & 0x7ff));

/** Every register name the CPU answers to. */
export const REGISTER_NAMES: readonly string[] = [...table.keys()];

export function registerBits(name: string): number {
  return desc(name).bits;
}

function desc(name: string): RegDesc {
  const d = table.get(name.toLowerCase());
  if (!d) throw new Error(`unknown register ${name}`);
  return d;
}

export function readRegister(c: CpuState, name: string): bigint {
  return desc(name).read(c);
}

export function writeRegister(c: CpuState, name: string, value: bigint | number): void {
  desc(name).write(c, BigInt(value));
}
