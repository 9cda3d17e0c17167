// Where picemu's x87 transcendentals (correctly rounded from ~256-bit values, reduction by the x87's 68-bit π) and
// the host CPU may disagree: the host's FSIN/FCOS/FPTAN/FPATAN/F2XM1/FYL2X/FYL2XP1 are not correctly rounded.
// Intel SDM vol. 1 §8.3.10: "...the transcendental instructions ... have an accuracy of better than 1 ulp"
// (i.e. the last bit may differ between implementations, and C1, which reports the last rounding, with it).
// A disagreement is explained only when the sole differences are the result register(s), by at most one unit in
// the last place, and/or C1.
import type { Result, X87Case } from './x87-difftest.ts';

export const TRANSCENDENTAL = /^(Fsin|Fcos|Fsincos|Fptan|Fpatan|F2xm1|Fyl2x|Fyl2xp1)$/;

const read80 = (fx: Uint8Array, slot: number) => {
  const dv = new DataView(fx.buffer, fx.byteOffset);
  return { se: dv.getUint16(40 + 16 * slot, true), m: dv.getBigUint64(32 + 16 * slot, true) };
};

/** True when host and picemu differ only within the transcendental accuracy stated above. */
export function withinOneUlp(c: X87Case, h: Result, p: Result): boolean {
  if (!TRANSCENDENTAL.test(c.name) || h.signal || p.signal) return false;
  const hs = h.fx![2] | (h.fx![3] << 8), ps = p.fx![2] | (p.fx![3] << 8);
  if ((hs & ~0x200) !== (ps & ~0x200)) return false;
  for (let i = 0; i < 416; i++) {
    if (i === 2 || i === 3 || (i >= 32 && i < 160)) continue;
    if (h.fx![i] !== p.fx![i] && !(i >= 6 && i < 32)) return false;
  }
  for (let slot = 0; slot < 8; slot++) {
    const a = read80(h.fx!, slot), b = read80(p.fx!, slot);
    if (a.se === b.se && a.m === b.m) continue;
    if (a.se !== b.se) return false;
    const d = a.m > b.m ? a.m - b.m : b.m - a.m;
    if (d !== 1n) return false;
  }
  return true;
}
