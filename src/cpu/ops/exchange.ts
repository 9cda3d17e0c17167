// Atomic-style exchanges (lock prefixes are trivially atomic here): xadd, cmpxchg, cmpxchg8b/16b.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { effectiveAddress, getter, gprGetter, gprSetter, rmwGetter, setter, widthOf } from '../operands.ts';
import { ALU, ALU64 } from './integer-alu.ts';
import { fault } from '../faults.ts';
import type { Exec, HandlerDef } from '../handler.ts';

/** xadd dst, src: tmp = dst + src; src = dst; dst = tmp (memory first). */
function xadd(insn: Insn): Exec {
  const width = widthOf(insn, 0);
  const ga = rmwGetter(insn, 0);
  const gb = getter(insn, 1);
  const sa = setter(insn, 0, true);
  const sb = setter(insn, 1);
  return (c) => {
    const a = ga(c);
    const ah = c.hi;
    const b = gb(c);
    const bh = c.hi;
    // Compute flags into a scratch copy first? No: memory was probed, so the writes below cannot fault.
    let lo: number;
    let hi = 0;
    if (width === 64) {
      lo = ALU64.add(c, a, ah, b, bh);
      hi = c.hi;
    } else lo = ALU[width as 8 | 16 | 32].add(c, a, b);
    sb(c, a, ah);
    sa(c, lo, hi);
  };
}

/** cmpxchg dst, src: compare rAX with dst; equal: dst = src, else rAX = dst. The destination is always written (memory). */
function cmpxchg(insn: Insn): Exec {
  const width = widthOf(insn, 0);
  const ga = rmwGetter(insn, 0);
  const gb = getter(insn, 1);
  const sa = setter(insn, 0, true);
  const acc = { kind: 'gpr' as const, reg: 0, width: width as 8 | 16 | 32 | 64, high8: false };
  const gacc = gprGetter(acc);
  const sacc = gprSetter(acc);
  const dstIsReg = insn.ops[0].kind === 'gpr';
  return (c) => {
    const d = ga(c);
    const dh = c.hi;
    const a = gacc(c);
    const ahv = c.hi;
    const s = gb(c);
    const sh = c.hi;
    if (width === 64) ALU64.cmp(c, a, ahv, d, dh);
    else ALU[width as 8 | 16 | 32].cmp(c, a, d);
    if (c.zr === 0) sa(c, s, sh);
    else {
      // The processor writes the old value back to a memory destination; a register destination is left alone.
      if (!dstIsReg) sa(c, d, dh);
      sacc(c, d, dh);
    }
  };
}

/** cmpxchg8b/16b m: compare rDX:rAX with m; equal: m = rCX:rBX, ZF=1; else rDX:rAX = m, ZF=0. */
function cmpxchgWide(bytes: 8 | 16) {
  return (insn: Insn): Exec => {
    const ea = effectiveAddress(insn.mem!);
    const buf = new Uint8Array(16);
    const v = new DataView(buf.buffer);
    return (c: Cpu) => {
      const a = ea(c);
      if (bytes === 16 && a % 16 !== 0) fault('general-protection', a, 'read', 'cmpxchg16b needs a 16-byte aligned operand');
      c.readBytes(a, bytes, buf, 0);
      c.probeWrite(a, bytes);
      const r = c.r32;
      const half = bytes / 2;
      let equal: boolean;
      if (bytes === 8) equal = v.getUint32(0, true) === r[0] && v.getUint32(4, true) === r[4];
      else equal = v.getUint32(0, true) === r[0] && v.getUint32(4, true) === r[1] && v.getUint32(8, true) === r[4] && v.getUint32(12, true) === r[5];
      if (equal) {
        if (bytes === 8) {
          v.setUint32(0, r[6], true);
          v.setUint32(4, r[2], true);
        } else {
          v.setUint32(0, r[6], true);
          v.setUint32(4, r[7], true);
          v.setUint32(8, r[2], true);
          v.setUint32(12, r[3], true);
        }
        c.writeBytes(a, buf, 0, bytes);
      } else {
        // The old value is written back (locked cycle), then rDX:rAX receive it.
        c.writeBytes(a, buf, 0, bytes);
        if (bytes === 8) {
          r[0] = v.getUint32(0, true);
          r[4] = v.getUint32(4, true);
          if (c.bitness === 64) r[1] = r[5] = 0;
        } else {
          r[0] = v.getUint32(0, true);
          r[1] = v.getUint32(4, true);
          r[4] = v.getUint32(8, true);
          r[5] = v.getUint32(12, true);
        }
      }
      void half;
      c.zr = equal ? 0 : 1;
    };
  };
}

export const handlers: HandlerDef[] = [
  { codes: ['Xadd_rm8_r8', 'Xadd_rm16_r16', 'Xadd_rm32_r32', 'Xadd_rm64_r64'], build: xadd },
  { codes: ['Cmpxchg_rm8_r8', 'Cmpxchg_rm16_r16', 'Cmpxchg_rm32_r32', 'Cmpxchg_rm64_r64'], build: cmpxchg },
  { codes: ['Cmpxchg8b_m64'], build: cmpxchgWide(8) },
  { codes: ['Cmpxchg16b_m128'], build: cmpxchgWide(16), feature: 'cx16' },
];
