// What the VEX handlers share: 32-byte staging vectors, operand loaders and storers over YMM registers (low
// half in the XMM file, upper half in state.ymmHi8) and memory, and lane-wise builders.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { fault } from '../faults.ts';
import { effectiveAddress } from '../operands.ts';
import { memoryHooked } from './sse-common.ts';
import { Code } from 'iced-x86';

/** A 32-byte vector with every view a lane operation needs. */
export class Vec {
  readonly buf = new ArrayBuffer(32);
  readonly u8 = new Uint8Array(this.buf);
  readonly i8 = new Int8Array(this.buf);
  readonly u16 = new Uint16Array(this.buf);
  readonly i16 = new Int16Array(this.buf);
  readonly u32 = new Uint32Array(this.buf);
  readonly i32 = new Int32Array(this.buf);
  readonly u64 = new BigUint64Array(this.buf);
  readonly i64 = new BigInt64Array(this.buf);
}
export type View = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'u64' | 'i64';

/** Staging vectors: sources A, B, C (a fourth operand), destination D. Handlers never re-enter, so one set serves all. */
export const VA = new Vec(), VB = new Vec(), VC = new Vec(), VD = new Vec();

const NAMES = new Map<Code, string>(Object.entries(Code as unknown as Record<string, Code>).filter(([k]) => Number.isNaN(Number(k))).map(([k, v]) => [v, k]));
/** The iced Code name of the instruction (handlers read operand shapes from it). */
export function codeName(insn: Insn): string {
  return NAMES.get(insn.code) ?? '';
}
/** Vector length in bytes: 32 for VEX.256 forms (a ymm operand), else 16. */
export function vlen(insn: Insn): 16 | 32 {
  return /_ymm/.test(codeName(insn)) ? 32 : 16;
}

/**
 * Loads operand `i` into `v`: a register's low `regBytes` (16 or 32); memory, the operand's own size (the rest
 * of `v` zeroed). `aligned` checks the operand's alignment (vmovdqa & co: #GP, SIGSEGV SI_KERNEL).
 */
export function loader(insn: Insn, i: number, v: Vec, regBytes: number, aligned = false): (c: Cpu) => void {
  const op = insn.ops[i];
  if (op.kind === 'xmm') {
    // Word copies: no subarray views on the hot path.
    const w = op.reg * 4;
    const d = v.u32;
    if (regBytes > 16)
      return (c) => {
        const x = c.xmm32, y = c.ymmHi32;
        d[0] = x[w]; d[1] = x[w + 1]; d[2] = x[w + 2]; d[3] = x[w + 3];
        d[4] = y[w]; d[5] = y[w + 1]; d[6] = y[w + 2]; d[7] = y[w + 3];
      };
    return (c) => {
      const x = c.xmm32;
      d[0] = x[w]; d[1] = x[w + 1]; d[2] = x[w + 2]; d[3] = x[w + 3];
    };
  }
  if (op.kind !== 'mem') throw new Error(`avx loader: operand ${i} of ${insn.text} is ${op.kind}`);
  const ea = effectiveAddress(insn.mem!);
  const n = op.size;
  const d = v.u32;
  return (c) => {
    const a = (c.ea = ea(c));
    if (aligned && a % n !== 0) fault('misaligned', a, 'read');
    if (n < 32) v.u8.fill(0, n);
    // Without memory hooks, 8-byte reads (no allocation; a fault in a later piece is at its page's start, as the
    // whole access's would be); with them, one access of the operand's size, as hooks and traces expect.
    if (n % 8 === 0 && !memoryHooked(c)) {
      for (let k = 0; k < n / 4; k += 2) {
        d[k] = c.read64(a + 4 * k);
        d[k + 1] = c.hi;
      }
      return;
    }
    c.readBytes(a, n, v.u8, 0);
  };
}

/** Stores `v` to operand `i`: a register gets `regBytes` (16: VEX.128, bits 255:128 zeroed); memory, the operand's size. */
export function storer(insn: Insn, i: number, v: Vec, regBytes: number, aligned = false): (c: Cpu) => void {
  const op = insn.ops[i];
  if (op.kind === 'xmm') {
    const w = op.reg * 4;
    const d = v.u32;
    if (regBytes > 16)
      return (c) => {
        const x = c.xmm32, y = c.ymmHi32;
        x[w] = d[0]; x[w + 1] = d[1]; x[w + 2] = d[2]; x[w + 3] = d[3];
        y[w] = d[4]; y[w + 1] = d[5]; y[w + 2] = d[6]; y[w + 3] = d[7];
      };
    return (c) => {
      const x = c.xmm32, y = c.ymmHi32;
      x[w] = d[0]; x[w + 1] = d[1]; x[w + 2] = d[2]; x[w + 3] = d[3];
      y[w] = y[w + 1] = y[w + 2] = y[w + 3] = 0;
    };
  }
  if (op.kind !== 'mem') throw new Error(`avx storer: operand ${i} of ${insn.text} is ${op.kind}`);
  const ea = effectiveAddress(insn.mem!);
  const n = op.size;
  const d = v.u32;
  return (c) => {
    const a = ea(c);
    if (aligned && a % n !== 0) fault('misaligned', a, 'write');
    // Within one page a store faults at its first piece or not at all: 8-byte pieces commit nothing early.
    if (n % 8 === 0 && (a & 4095) <= 4096 - n && !memoryHooked(c)) {
      for (let k = 0; k < n / 4; k += 2) c.write64(a + 4 * k, d[k], d[k + 1]);
      return;
    }
    c.writeBytes(a, v.u8, 0, n);
  };
}

/** The imm8 operand (last operand). */
export function immOf(insn: Insn): number {
  const op = insn.ops[insn.ops.length - 1];
  if (op.kind !== 'imm') throw new Error(`${insn.text}: no imm8`);
  return op.lo & 0xff;
}

/** A lane operation: reads a, b (and c), writes d, over `n` bytes. */
export type LaneOp = (a: Vec, b: Vec, d: Vec, n: number, imm: number, c: Vec) => void;

/** Element-wise binary op on view `t`. */
export function map2(t: View, f: (x: number, y: number) => number): LaneOp {
  return (a, b, d, n) => {
    const A = a[t] as unknown as ArrayLike<number>, B = b[t] as unknown as ArrayLike<number>, D = d[t] as unknown as { [i: number]: number };
    const k = n / (A as unknown as Uint8Array).BYTES_PER_ELEMENT;
    for (let i = 0; i < k; i++) D[i] = f(A[i], B[i]);
  };
}
/** Element-wise binary op on 64-bit lanes (bigint). */
export function map2q(t: 'u64' | 'i64', f: (x: bigint, y: bigint) => bigint): LaneOp {
  return (a, b, d, n) => {
    const A = a[t], B = b[t], D = d[t];
    for (let i = 0; i < n / 8; i++) D[i] = BigInt.asIntN(64, f(A[i], B[i])) as never;
  };
}

/** vop dst, src1, src2/mem: the three-operand VEX shape (an imm8, when present, is passed to the op). */
export function ternaryShape(op: LaneOp) {
  return (insn: Insn) => {
    const L = vlen(insn);
    const la = loader(insn, 1, VA, L);
    const lb = loader(insn, 2, VB, L);
    const st = storer(insn, 0, VD, L);
    const imm = insn.ops.length > 3 && insn.ops[3].kind === 'imm' ? insn.ops[3].lo & 0xff : 0;
    return (c: Cpu) => {
      la(c);
      lb(c);
      op(VA, VB, VD, L, imm, VC);
      st(c);
    };
  };
}
/** vop dst, src/mem[, imm8]: the two-operand shape (the op sees the source as `a`). */
export function binaryShape(op: LaneOp, srcBytes?: (L: number) => number) {
  return (insn: Insn) => {
    const L = vlen(insn);
    const la = loader(insn, 1, VA, srcBytes ? srcBytes(L) : L);
    const st = storer(insn, 0, VD, L);
    const imm = insn.ops.length > 2 && insn.ops[2].kind === 'imm' ? insn.ops[2].lo & 0xff : 0;
    return (c: Cpu) => {
      la(c);
      op(VA, VB, VD, L, imm, VC);
      st(c);
    };
  };
}

/** iced Code names `VEX_<M>_xmm_…` and `VEX_<M>_ymm_…` for each mnemonic, from a list of shapes. */
export function vexCodes(mnemonic: string, shapes: string[]): string[] {
  return shapes.map((s) => `VEX_${mnemonic}_${s}`);
}
export const RVM = ['xmm_xmm_xmmm128', 'ymm_ymm_ymmm256'];
export const RVMI = ['xmm_xmm_xmmm128_imm8', 'ymm_ymm_ymmm256_imm8'];
export const RM = ['xmm_xmmm128', 'ymm_ymmm256'];
export const RMI = ['xmm_xmmm128_imm8', 'ymm_ymmm256_imm8'];
