// npx tsx scripts/x87-transcendental-study.ts OP [--cases N] [--from E] [--to E] [--fcw HEX] [--seed S] [--show K]:
// how the host CPU's x87 transcendental (OP: fsin fcos fptan fpatan f2xm1 fyl2x fyl2xp1) compares with the value
// of the function, computed to 400 bits (float80-math.ts; sin/cos/tan on the argument reduced by the x87's 68-bit
// π, as the host reduces): the share of results that are that value correctly rounded in the control word's
// rounding mode, how far past the rounding boundary the others are (in units of the last place), on which side of
// the exact value the host's internal value lay, and (round to nearest) the failure rate in bins of the exact
// value's distance from the midpoint. Arguments: |x| in [2^from, 2^to] with random significands and signs (positive
// for fyl2x), y (fpatan, fyl2x, fyl2xp1) in [2^-10, 2^10]. The findings are in test/cpu/x87-transcendental-known.ts.
import * as M from '../src/cpu/float80-math.ts';
import { runHost, stackCase, type X87Case } from '../test/cpu/x87-difftest.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const OPS: Record<string, { bytes: number[]; two: boolean; value: (x: M.Big, y: M.Big) => M.Big }> = {
  fsin: { bytes: [0xd9, 0xfe], two: false, value: (x) => M.sinCos(x).s },
  fcos: { bytes: [0xd9, 0xff], two: false, value: (x) => M.sinCos(x).c },
  fptan: { bytes: [0xd9, 0xf2, 0xdd, 0xd8], two: false, value: (x) => { const t = M.sinCos(x); return M.div(t.s, t.c); } }, // fptan; fstp st(0): the 1.0 popped
  fpatan: { bytes: [0xd9, 0xf3], two: true, value: (x, y) => M.atan2(y, x) },
  f2xm1: { bytes: [0xd9, 0xf0], two: false, value: (x) => M.exp2m1(x) },
  fyl2x: { bytes: [0xd9, 0xf1], two: true, value: (x, y) => M.mul(y, M.log2(x)) },
  fyl2xp1: { bytes: [0xd9, 0xf9], two: true, value: (x, y) => M.mul(y, M.log2p1(x)) },
};
const name = process.argv[2] ?? '';
const op = OPS[name];
if (!op) {
  console.error(`usage: x87-transcendental-study.ts ${Object.keys(OPS).join('|')} [--cases N] [--from E] [--to E] [--fcw HEX] [--seed S] [--show K]`);
  process.exit(2);
}
const cases = Number(option('cases', '4000')), from = Number(option('from', '-8')), to = Number(option('to', '6'));
const fcw = parseInt(option('fcw', '37f'), 16), show = Number(option('show', '5'));
const rc = (fcw >> 10) & 3;
let s = Number(option('seed', '1')) >>> 0 || 1;
const rnd = () => {
  s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
  return s;
};
const u64 = () => (BigInt(rnd()) << 32n) | BigInt(rnd());
const significand = () => 0x8000000000000000n | (u64() & 0x7fffffffffffffffn);

const args: { x: [number, bigint]; y: [number, bigint] }[] = [];
const built: X87Case[] = [];
for (let i = 0; i < cases; i++) {
  const sign = name === 'fyl2x' ? 0 : rnd() & 1;
  const x: [number, bigint] = [(sign << 15) | (0x3fff + from + (rnd() % (to - from + 1))), significand()];
  const y: [number, bigint] = [((rnd() & 1) << 15) | (0x3fff + (rnd() % 21) - 10), significand()];
  args.push({ x, y });
  built.push(stackCase(name, op.bytes, fcw, op.two ? [x, y] : [x]));
}
const host = runHost(built);
const toBig = ([se, m]: [number, bigint]): M.Big => ({ m: se & 0x8000 ? -m : m, e: (se & 0x7fff) - 16383 - 63 });

let equal = 0, counted = 0, below = 0, above = 0, worst = 0;
const bins = new Map<number, [number, number]>();
const examples: string[] = [];
built.forEach((c, i) => {
  const h = host[i];
  if (h.signal || !h.fx) return;
  const dv = new DataView(h.fx.buffer, h.fx.byteOffset);
  const H = toBig([dv.getUint16(40, true), dv.getBigUint64(32, true)]);
  const v = M.withPrecision(400, () => op.value(toBig(args[i].x), toBig(args[i].y)));
  if (H.m === 0n || v.m === 0n) return;
  counted++;
  // v − H in units of H's last place (H.m has 64 bits), signed; `d` the same toward |H|'s direction.
  const diff = M.sub(v, H);
  const real = Number(diff.m) * 2 ** (diff.e - H.e);
  const d = H.m < 0n ? -real : real;
  const down = rc === 1 || (rc === 3 && H.m > 0n);
  const ok = rc === 0 ? Math.abs(d) <= 0.5 : down ? real >= 0 && real < 1 : real <= 0 && real > -1;
  if (ok) equal++;
  else {
    worst = Math.max(worst, rc === 0 ? Math.abs(d) - 0.5 : down ? (real < 0 ? -real : real - 1) : real > 0 ? real : -real - 1);
    if (real > 0) below++;
    else above++;
    if (examples.length < show) examples.push(`x ${args[i].x[0].toString(16)}:${args[i].x[1].toString(16)}${op.two ? ` y ${args[i].y[0].toString(16)}:${args[i].y[1].toString(16)}` : ''} → host ${H.m < 0n ? '-' : ''}0x${(H.m < 0n ? -H.m : H.m).toString(16)}·2^${H.e}, exact − host = ${real.toFixed(4)} ulp`);
  }
  if (rc === 0) {
    // the exact value's fraction above the 64-bit value below it (in its own binade), binned around the midpoint
    const a = M.abs(v);
    const q = M.mulPow2(a, 63 - M.topBit(a));
    const floor = q.e >= 0 ? q.m << BigInt(q.e) : q.m >> BigInt(-q.e);
    const f = M.sub(q, { m: floor, e: 0 });
    const frac = Number(f.m) * 2 ** f.e;
    if (Math.abs(frac - 0.5) < 0.1) {
      const b = Math.floor((frac - 0.5) * 100);
      const e = bins.get(b) ?? [0, 0];
      e[0]++;
      if (!ok) e[1]++;
      bins.set(b, e);
    }
  }
});
console.log(`${name}, fcw 0x${fcw.toString(16)}, |x| in [2^${from}, 2^${to}]: ${equal} of ${counted} host results are the exact value correctly rounded (${((100 * equal) / counted).toFixed(2)}%)`);
console.log(`the others: at most ${worst.toFixed(3)} ulp past the rounding boundary; the host's value below the exact one ${below} times, above ${above}`);
if (rc === 0) console.log(`differing / all, by (exact value's fraction − 0.5) in hundredths of an ulp: ${[...bins].sort((a, b) => a[0] - b[0]).map(([b, [n, bad]]) => `${b}: ${bad}/${n}`).join(', ')}`);
for (const e of examples) console.log(`  ${e}`);
