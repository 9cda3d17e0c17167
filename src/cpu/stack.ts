// The stack: push and pop of 2, 4 and 8 bytes through RSP (ESP in 32-bit mode), memory first, RSP last.
import type { Cpu } from './cpu.ts';
import { canonicalNumber } from './address.ts';
import { fault } from './faults.ts';

const TWO32 = 4294967296;

/** A 64-bit address from halves, faulting when it is not a user-space address. */
export function userAddress(lo: number, hi: number): number {
  if (hi < 0x8000) return hi * TWO32 + lo;
  if (hi >= 0xffff8000) fault('unmapped', canonicalNumber(lo, hi));
  return fault('stack-fault', undefined, undefined, 'non-canonical stack address');
}

/** Pushes `bytes` (2, 4, 8) of value (lo, hi). */
export function push(c: Cpu, bytes: number, lo: number, hi: number): void {
  const r = c.r32;
  if (c.bitness === 32) {
    const sp = (r[8] - bytes) >>> 0;
    if (bytes === 4) c.write32(sp, lo);
    else c.write16(sp, lo);
    r[8] = sp;
    return;
  }
  let sl = r[8] - bytes;
  let sh = r[9];
  if (sl < 0) {
    sl += TWO32;
    sh = (sh - 1) >>> 0;
  }
  const va = userAddress(sl, sh);
  if (bytes === 8) c.write64(va, lo, hi);
  else if (bytes === 4) c.write32(va, lo);
  else c.write16(va, lo);
  r[8] = sl;
  r[9] = sh;
}

/** Reads the value at the top of the stack (lo returned, hi in c.hi) without moving RSP. */
export function peekTop(c: Cpu, bytes: number): number {
  const r = c.r32;
  const va = c.bitness === 32 ? r[8] : userAddress(r[8], r[9]);
  if (bytes === 8) return c.read64(va);
  c.hi = 0;
  return bytes === 4 ? c.read32(va) : c.read16(va);
}

/** Moves RSP up by `bytes` (pop's second half, ret imm16). */
export function release(c: Cpu, bytes: number): void {
  const r = c.r32;
  if (c.bitness === 32) {
    r[8] = (r[8] + bytes) >>> 0;
    return;
  }
  const sl = r[8] + bytes;
  r[8] = sl >>> 0;
  if (sl > 0xffffffff) r[9] = (r[9] + 1) >>> 0;
}

/** Pops `bytes`: returns lo, hi in c.hi. */
export function pop(c: Cpu, bytes: number): number {
  const lo = peekTop(c, bytes);
  const hi = c.hi;
  release(c, bytes);
  c.hi = hi;
  return lo;
}
