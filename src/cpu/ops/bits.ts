// Bit instructions: bt/bts/btr/btc (register and memory, with offsets beyond the operand), bsf/bsr, popcnt, lzcnt/tzcnt.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { fault } from '../faults.ts';
import { effectiveAddress, getter, rmwGetter, setter, widthOf } from '../operands.ts';
import { codesMatching, type Exec, type HandlerDef } from '../handler.ts';

type BtKind = 'bt' | 'bts' | 'btr' | 'btc';

/** bt* dst, src: CF = the selected bit, then set/reset/complement it. Only CF changes here (ZF is kept, the rest undefined). */
function bitTest(kind: BtKind) {
  return (insn: Insn): Exec => {
    const width = widthOf(insn, 0);
    const bytes = width / 8;
    const src = insn.ops[1];
    const writes = kind !== 'bt';
    const d = insn.ops[0];
    // A register offset into memory may select a bit far from the operand: address += (offset >> log2(width)) * bytes.
    if (d.kind === 'mem' && src.kind === 'gpr') {
      const base = effectiveAddress(insn.mem!);
      const go = getter(insn, 1, width);
      const shift = Math.log2(width);
      const stackBased = insn.mem!.base === 4 || insn.mem!.base === 5;
      return (c) => {
        let off = go(c);
        const ohi = c.hi;
        // Signed bit offset (as an exact double).
        const signedOff = width === 64 ? (ohi | 0) * 4294967296 + off : width === 32 ? off | 0 : (off << 16) >> 16;
        const unitIndex = Math.floor(signedOff / width);
        const bit = signedOff - unitIndex * width;
        const a = bitAddress(base(c), unitIndex * bytes, stackBased);
        off = bit;
        apply(c, a, off);
      };
    }
    const mask = width - 1;
    const go = src.kind === 'imm' ? ((n) => () => n)(src.lo & mask) : getter(insn, 1, width);
    const ga = writes ? rmwGetter(insn, 0) : getter(insn, 0);
    const set = writes ? setter(insn, 0, true) : null;
    return (c) => {
      const n = go(c) & mask;
      const lo = ga(c);
      const hi = c.hi;
      operate(c, lo, hi, n, set);
    };

    function operate(c: Cpu, lo: number, hi: number, n: number, write: ((c: Cpu, lo: number, hi: number) => void) | null): void {
      const inHi = n >= 32;
      const m = 1 << (n & 31);
      const word = inHi ? hi : lo;
      const cf = (word & m) !== 0 ? 1 : 0;
      if (write) {
        const nw = kind === 'bts' ? word | m : kind === 'btr' ? word & ~m : word ^ m;
        if (inHi) write(c, lo, nw >>> 0);
        else write(c, (width < 32 ? nw & ((1 << width) - 1) : nw) >>> 0, hi);
      }
      c.cf = cf;
    }
    function apply(c: Cpu, a: number, n: number): void {
      // Read (and check the write) of the whole operand unit at the computed address.
      let lo: number;
      let hi = 0;
      if (bytes === 8) {
        lo = c.read64(a);
        hi = c.hi;
      } else lo = bytes === 4 ? c.read32(a) : c.read16(a);
      if (!writes) {
        operate(c, lo, hi, n, null);
        return;
      }
      c.probeWrite(a, bytes);
      operate(c, lo, hi, n, (cc, l, h) => (bytes === 8 ? cc.write64(a, l, h) : bytes === 4 ? cc.write32(a, l) : cc.write16(a, l)));
    }
  };
}

/** base + offset, exactly (offset may be up to ±2^61): a user address, or the fault the CPU would raise. */
function bitAddress(base: number, offset: number, stackBased: boolean): number {
  const a = base + offset;
  if (a >= 0 && a < 2 ** 47 && Math.abs(offset) < 2 ** 52) return a;
  const exact = BigInt.asUintN(64, BigInt(base) + BigInt(offset));
  if (exact < 1n << 47n) return Number(exact);
  if (exact >= 0xffff800000000000n) return fault('unmapped', Number(exact), 'read');
  return fault(stackBased ? 'stack-fault' : 'general-protection', undefined, undefined, 'non-canonical bit-string address');
}

function clz32(x: number): number {
  return Math.clz32(x);
}
function ctz32(x: number): number {
  return x === 0 ? 32 : 31 - Math.clz32(x & -x);
}
function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** bsf/bsr: ZF=1 and the destination unchanged when the source is 0. */
function bitScan(reverse: boolean) {
  return (insn: Insn): Exec => {
    const width = widthOf(insn, 0);
    const g = getter(insn, 1, width);
    const set = setter(insn, 0);
    return (c) => {
      const lo = g(c);
      const hi = width === 64 ? c.hi : 0;
      // CF/OF/SF/AF/PF are undefined; clear CF/OF and set the rest from the source, as hardware tends to.
      if ((lo | hi) === 0) {
        c.zr = 0;
        return;
      }
      let idx: number;
      if (reverse) idx = hi !== 0 ? 63 - clz32(hi) : 31 - clz32(lo);
      else idx = lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
      c.zr = 1;
      set(c, idx, 0);
    };
  };
}

function popcnt(insn: Insn): Exec {
  const width = widthOf(insn, 0);
  const g = getter(insn, 1, width);
  const set = setter(insn, 0);
  return (c) => {
    const lo = g(c);
    const n = popcount32(lo) + (width === 64 ? popcount32(c.hi) : 0);
    c.cf = c.of = 0;
    c.sr = 0;
    c.ar = 0;
    c.pr = 1; // PF cleared: parity of 1 is odd
    if (width === 64) c.zr = lo | c.hi ? 1 : 0;
    else c.zr = lo ? 1 : 0;
    set(c, n, 0);
  };
}

/** lzcnt/tzcnt; without the cpuid feature they execute as bsr/bsf (the F3 prefix is ignored), as older CPUs do. */
function countZeros(leading: boolean) {
  return (insn: Insn, cpu: Cpu): Exec => {
    if (!cpu.profile.features.has(leading ? 'lzcnt' : 'bmi1')) return bitScan(leading)(insn);
    const width = widthOf(insn, 0);
    const g = getter(insn, 1, width);
    const set = setter(insn, 0);
    return (c) => {
      const lo = g(c);
      const hi = width === 64 ? c.hi : 0;
      let n: number;
      if (width === 64) n = leading ? (hi !== 0 ? clz32(hi) : 32 + clz32(lo)) : lo !== 0 ? ctz32(lo) : 32 + ctz32(hi);
      else if (width === 32) n = leading ? clz32(lo) : ctz32(lo);
      else n = leading ? clz32(lo) - 16 : lo === 0 ? 16 : ctz32(lo);
      c.cf = n === width ? 1 : 0;
      c.zr = n;
      set(c, n, 0);
    };
  };
}

const forms = (mn: string) => codesMatching(new RegExp(`^${mn}_rm(16|32|64)_(r(16|32|64)|imm8)$`));

export const handlers: HandlerDef[] = [
  { codes: forms('Bt'), build: bitTest('bt') },
  { codes: forms('Bts'), build: bitTest('bts') },
  { codes: forms('Btr'), build: bitTest('btr') },
  { codes: forms('Btc'), build: bitTest('btc') },
  { codes: ['Bsf_r16_rm16', 'Bsf_r32_rm32', 'Bsf_r64_rm64'], build: bitScan(false) },
  { codes: ['Bsr_r16_rm16', 'Bsr_r32_rm32', 'Bsr_r64_rm64'], build: bitScan(true) },
  { codes: ['Popcnt_r16_rm16', 'Popcnt_r32_rm32', 'Popcnt_r64_rm64'], build: popcnt, feature: 'popcnt' },
  { codes: ['Lzcnt_r16_rm16', 'Lzcnt_r32_rm32', 'Lzcnt_r64_rm64'], build: countZeros(true) },
  { codes: ['Tzcnt_r16_rm16', 'Tzcnt_r32_rm32', 'Tzcnt_r64_rm64'], build: countZeros(false) },
];
