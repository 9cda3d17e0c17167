// String instructions: movs/stos/lods/cmps/scas in all widths, with rep/repe/repne and the direction flag.
// Each rep iteration counts as one executed instruction (as unicorn counts and hooks them): an execution
// runs up to `c.repAllowance` iterations, reports the extra ones in `c.extraRetired`, and leaves RIP on
// itself while iterations remain. A fault mid-way keeps the iterations already done (as hardware does).
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { ALU, ALU64 } from './integer-alu.ts';
import { codesMatching, type Exec, type HandlerDef } from '../handler.ts';

type Kind = 'movs' | 'stos' | 'lods' | 'cmps' | 'scas';

const TWO32 = 4294967296;

function read(c: Cpu, va: number, size: number): number {
  return size === 1 ? c.read8(va) : size === 2 ? c.read16(va) : size === 4 ? c.read32(va) : c.read64(va);
}
function write(c: Cpu, va: number, size: number, lo: number, hi: number): void {
  if (size === 1) c.write8(va, lo);
  else if (size === 2) c.write16(va, lo);
  else if (size === 4) c.write32(va, lo);
  else c.write64(va, lo, hi);
}

function stringOp(kind: Kind, size: 1 | 2 | 4 | 8) {
  return (insn: Insn): Exec => {
    const a32 = insn.bitness === 32 || insn.bytes.includes(0x67) && prefixHas67(insn);
    const rep = insn.rep;
    const conditional = kind === 'cmps' || kind === 'scas';
    const width = size * 8;
    const seg = segmentOf(insn);
    const usesSrc = kind === 'movs' || kind === 'lods' || kind === 'cmps';
    const usesDst = kind !== 'lods';
    const accMask = size === 1 ? 0xff : size === 2 ? 0xffff : -1;
    return (c) => {
      const r = c.r32;
      const step = c.df ? -size : size;
      let si = a32 ? r[12] : r[13] * TWO32 + r[12];
      let di = a32 ? r[14] : r[15] * TWO32 + r[14];
      // The count as a double: above 2^53 it is inexact, but such a rep faults or stops long before; the
      // register is written back exactly as (original − iterations done).
      const cx = rep ? (a32 ? r[2] : r[3] * TWO32 + r[2]) : 1;
      let done = 0;
      let ok = false;
      const limit = rep ? c.repAllowance : 1;
      const segBase = seg === 'fs' ? c.fsBase : seg === 'gs' ? c.gsBase : 0;
      const wrap = (v: number) => (a32 ? v >>> 0 : v);
      try {
        while (done < cx) {
          const src = usesSrc ? wrap(si) + segBase : 0;
          if (kind === 'movs') {
            const lo = read(c, src, size);
            write(c, di, size, lo, c.hi);
          } else if (kind === 'stos') {
            write(c, di, size, r[0] & accMask, r[1]);
          } else if (kind === 'lods') {
            const lo = read(c, src, size);
            if (size === 8) {
              r[0] = lo;
              r[1] = c.hi;
            } else if (size === 4) {
              r[0] = lo;
              r[1] = 0;
            } else r[0] = (r[0] & ~accMask) | lo;
          } else {
            let alo: number;
            let ahi: number;
            if (kind === 'cmps') {
              alo = read(c, src, size);
              ahi = c.hi;
            } else {
              alo = (r[0] & accMask) >>> 0;
              ahi = r[1];
            }
            const blo = read(c, di, size);
            if (width === 64) ALU64.cmp(c, alo, ahi, blo, c.hi);
            else ALU[width as 8 | 16 | 32].cmp(c, alo, blo);
          }
          if (usesSrc) si = wrap(si + step);
          if (usesDst) di = wrap(di + step);
          if (!rep) break;
          done++;
          if (conditional && (rep === 1 ? c.zr !== 0 : c.zr === 0)) break;
          if (done >= limit && done < cx) {
            // Iterations remain: the instruction runs again from here (it ends its block).
            c.rip = insn.addr;
            c.yielded = true;
            break;
          }
        }
        ok = true;
      } finally {
        // The first iteration is this execution; the others (and, on a fault, all completed ones) count extra.
        if (rep) c.extraRetired += ok ? Math.max(done - 1, 0) : done;
        if (usesSrc) setAddr(r, 12, si, a32);
        if (usesDst) setAddr(r, 14, di, a32);
        if (rep && done) {
          const lo = r[2] - done;
          if (!a32) r[3] = (r[3] - (lo < 0 ? Math.ceil(-lo / TWO32) : 0)) >>> 0;
          else if (c.bitness === 64) r[3] = 0;
          r[2] = lo >>> 0;
        }
      }
    };
  };
}

function setAddr(r: Uint32Array, i: number, v: number, a32: boolean): void {
  r[i] = v >>> 0;
  r[i + 1] = a32 ? 0 : Math.floor(v / TWO32);
}

/** True when the instruction carries an address-size prefix (0x67) before its opcode. */
function prefixHas67(insn: Insn): boolean {
  for (const b of insn.bytes) {
    if (b === 0x67) return true;
    if (![0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0xf0, 0xf2, 0xf3].includes(b) && (b & 0xf0) !== 0x40) return false;
  }
  return false;
}

function segmentOf(insn: Insn): 'fs' | 'gs' | null {
  for (const b of insn.bytes) {
    if (b === 0x64) return 'fs';
    if (b === 0x65) return 'gs';
    if (![0x26, 0x2e, 0x36, 0x3e, 0x66, 0x67, 0xf0, 0xf2, 0xf3].includes(b) && (b & 0xf0) !== 0x40) return null;
  }
  return null;
}

const sizes = [1, 2, 4, 8] as const;
const letter = { 1: 'b', 2: 'w', 4: 'd', 8: 'q' } as const;

export const handlers: HandlerDef[] = [
  ...sizes.map((s) => ({ codes: codesMatching(new RegExp(`^Movs${letter[s]}_m${s * 8}_m${s * 8}$`)), build: stringOp('movs', s) })),
  ...sizes.map((s) => ({ codes: codesMatching(new RegExp(`^Cmps${letter[s]}_m${s * 8}_m${s * 8}$`)), build: stringOp('cmps', s) })),
  ...sizes.map((s) => ({ codes: codesMatching(new RegExp(`^Stos${letter[s]}_m${s * 8}_`)), build: stringOp('stos', s) })),
  ...sizes.map((s) => ({ codes: codesMatching(new RegExp(`^Lods${letter[s]}_[A-Z]+_m${s * 8}$`)), build: stringOp('lods', s) })),
  ...sizes.map((s) => ({ codes: codesMatching(new RegExp(`^Scas${letter[s]}_[A-Z]+_m${s * 8}$`)), build: stringOp('scas', s) })),
];
