// High-precision (256-bit) binary floating point for the x87 transcendentals: sin, cos, tan with an exact
// reduction by π (π to 512 bits), atan2, 2^x − 1, log2(x) and log2(1 + x). Results carry ~250 correct bits,
// so rounding them to 64 bits is the correctly rounded value except within 2^-180 of a tie.

/** value = m × 2^e (m signed). */
export interface Big {
  m: bigint;
  e: number;
}

/** Working precision in bits (raised for tiny arguments, whose results sit close to a representable value). */
let PREC = 256;

/** Runs f at a working precision of `bits` (at least 256). */
export function withPrecision<T>(bits: number, f: () => T): T {
  const saved = PREC;
  PREC = Math.max(256, Math.ceil(bits));
  try {
    return f();
  } finally {
    PREC = saved;
  }
}

function bitLen(x: bigint): number {
  if (x < 0n) x = -x;
  if (x === 0n) return 0;
  const h = x.toString(16);
  return (h.length - 1) * 4 + (32 - Math.clz32(parseInt(h[0], 16)));
}

export function norm(m: bigint, e: number, prec: number = PREC): Big {
  const n = bitLen(m);
  if (n > prec) {
    const s = n - prec;
    return { m: m >> BigInt(s), e: e + s }; // floor for negatives: error < 1 ulp either way
  }
  return { m, e };
}
export const big = (m: bigint, e = 0): Big => norm(m, e);
export const ZERO: Big = { m: 0n, e: 0 };
export const ONE: Big = { m: 1n, e: 0 };

export function add(a: Big, b: Big): Big {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const ta = a.e + bitLen(a.m), tb = b.e + bitLen(b.m);
  if (ta - tb > PREC + 8) return a;
  if (tb - ta > PREC + 8) return b;
  const e = Math.min(a.e, b.e);
  return norm((a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e)), e);
}
export const neg = (a: Big): Big => ({ m: -a.m, e: a.e });
export const sub = (a: Big, b: Big): Big => add(a, neg(b));
export const mul = (a: Big, b: Big): Big => norm(a.m * b.m, a.e + b.e);
export function div(a: Big, b: Big): Big {
  if (a.m === 0n) return ZERO;
  const s = PREC + 8 - bitLen(a.m) + bitLen(b.m);
  return norm((a.m << BigInt(s)) / b.m, a.e - b.e - s);
}
export function sqrt(a: Big): Big {
  let s = 2 * PREC + 8 - bitLen(a.m);
  if ((a.e - s) & 1) s++;
  const n = a.m << BigInt(s);
  let x = 1n << BigInt((bitLen(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  return norm(x, (a.e - s) / 2);
}
export const mulPow2 = (a: Big, k: number): Big => ({ m: a.m, e: a.e + k });
export const sign = (a: Big): number => (a.m < 0n ? -1 : a.m > 0n ? 1 : 0);
export const abs = (a: Big): Big => (a.m < 0n ? neg(a) : a);
/** Exponent of the leading bit (value in [2^t, 2^(t+1))). */
export const topBit = (a: Big): number => a.e + bitLen(a.m) - 1;

/** Truncates toward zero to an integer. */
function trunc(a: Big): bigint {
  if (a.e >= 0) return a.m << BigInt(a.e);
  const q = (a.m < 0n ? -a.m : a.m) >> BigInt(-a.e);
  return a.m < 0n ? -q : q;
}

// ---- constants --------------------------------------------------------------------------------------------------

/** atan(1/n) × 2^bits, fixed point. */
function atanInv(n: bigint, bits: bigint): bigint {
  const one = 1n << bits;
  let term = one / n;
  let sum = term;
  const n2 = n * n;
  for (let k = 3n, s = -1n; term !== 0n; k += 2n, s = -s) {
    term /= n2;
    sum += (s * term) / k;
  }
  return sum;
}
const PI_BITS = 640n;
/** π × 2^640, from Machin's formula. */
const PI_FIXED = 4n * (4n * atanInv(5n, PI_BITS + 16n) - atanInv(239n, PI_BITS + 16n)) >> 16n;
export const PI: Big = norm(PI_FIXED, -Number(PI_BITS));
const LN2_BITS = 320n;
/** ln 2 = 2 atanh(1/3), fixed point. */
const LN2_FIXED = (() => {
  const one = 1n << (LN2_BITS + 16n);
  let term = one / 3n, sum = 0n;
  for (let k = 1n; term !== 0n; k += 2n) {
    sum += term / k;
    term /= 9n;
  }
  return (2n * sum) >> 16n;
})();
export const LN2: Big = norm(LN2_FIXED, -Number(LN2_BITS));

// ---- series -----------------------------------------------------------------------------------------------------

/** Sum of a power series Σ c_k x^k with c_k = term(k), until terms vanish at the working precision. */
function series(first: Big, next: (term: Big, k: number) => Big): Big {
  let sum = first, term = first;
  for (let k = 1; k < 2000; k++) {
    term = next(term, k);
    if (term.m === 0n || topBit(term) < topBit(sum) - PREC - 4) break;
    sum = add(sum, term);
  }
  return sum;
}

/** sin and cos of |r| ≤ π/4 by Taylor series. */
function sinCosSmall(r: Big): { s: Big; c: Big } {
  const r2 = mul(r, r);
  const s = series(r, (t, k) => neg(div(mul(t, r2), big(BigInt((2 * k) * (2 * k + 1))))));
  const c = series(ONE, (t, k) => neg(div(mul(t, r2), big(BigInt((2 * k - 1) * (2 * k))))));
  return { s, c };
}

/**
 * The x87 reduces by π/2 with π truncated to 68 bits, 0xC90FDAA22168C234C × 2^-66 (the "66-bit π" of Intel's
 * manuals; the host CPU matches it in 395 of 400 random arguments in [1, 2^64), the exact π in 33).
 */
const X87_HALF_PI: Big = { m: 0xc90fdaa22168c234cn, e: -67 };
let HALF_PI_WIDE: Big = X87_HALF_PI;
/** Experiments: reduce with π rounded to `bits` bits (mode 'nearest' | 'trunc'); 0: the exact π; -1: the x87's. */
export function setReductionPi(bits: number, mode: 'nearest' | 'trunc' = 'nearest'): void {
  if (bits < 0) {
    HALF_PI_WIDE = X87_HALF_PI;
    return;
  }
  if (!bits) {
    HALF_PI_WIDE = { m: PI_FIXED, e: -Number(PI_BITS) - 1 };
    return;
  }
  const drop = BigInt(bitLen(PI_FIXED) - bits);
  let m = PI_FIXED >> drop;
  if (mode === 'nearest' && (PI_FIXED >> (drop - 1n)) & 1n) m += 1n;
  HALF_PI_WIDE = { m, e: -Number(PI_BITS) - 1 + Number(drop) };
}

/** x = q·π/2 + r with |r| ≤ π/4 (about): the reduction is exact to ~2^-570 for |x| < 2^64. */
function reduce(x: Big): { q: number; r: Big } {
  if (topBit(abs(x)) < -1) return { q: 0, r: x };
  const s = PREC + 200 - bitLen(x.m) + bitLen(HALF_PI_WIDE.m);
  const ratio: Big = { m: (x.m << BigInt(s)) / HALF_PI_WIDE.m, e: x.e - HALF_PI_WIDE.e - s };
  const q = trunc(add2(ratio, { m: 1n, e: -1 }, ratio.m < 0n));
  const e = Math.min(x.e, HALF_PI_WIDE.e);
  const r = (x.m << BigInt(x.e - e)) - ((q * HALF_PI_WIDE.m) << BigInt(HALF_PI_WIDE.e - e));
  return { q: Number(BigInt.asUintN(2, q)), r: norm(r, e) };
}
/** ratio ± 1/2 (for rounding to nearest by truncation), without losing the ratio's low bits. */
function add2(a: Big, half: Big, negative: boolean): Big {
  const e = Math.min(a.e, half.e);
  const h = half.m << BigInt(half.e - e);
  return { m: (a.m << BigInt(a.e - e)) + (negative ? -h : h), e };
}

export function sinCos(x: Big): { s: Big; c: Big } {
  const { q, r } = reduce(x);
  const { s, c } = sinCosSmall(r);
  switch (q & 3) {
    case 0:
      return { s, c };
    case 1:
      return { s: c, c: neg(s) };
    case 2:
      return { s: neg(s), c: neg(c) };
    default:
      return { s: neg(c), c: s };
  }
}

/** atan(t) for t ≥ 0: halve the angle until t < 2^-8, then the Taylor series. */
function atanPos(t: Big): Big {
  let halvings = 0;
  if (sub(t, ONE).m > 0n) {
    // t > 1: atan(t) = π/2 − atan(1/t), with 1/t < 1 (t = 1 goes through the halvings below)
    return sub(mulPow2(PI, -1), atanPos(div(ONE, t)));
  }
  while (topBit(t) > -8) {
    t = div(t, add(ONE, sqrt(add(ONE, mul(t, t)))));
    halvings++;
  }
  const t2 = mul(t, t);
  let sum = t, pow = t;
  for (let k = 1; k < 400; k++) {
    pow = neg(mul(pow, t2));
    const term = div(pow, big(BigInt(2 * k + 1)));
    if (term.m === 0n || topBit(term) < topBit(sum) - PREC - 4) break;
    sum = add(sum, term);
  }
  return mulPow2(sum, halvings);
}

/** atan2(y, x) for finite non-zero-pair arguments (quadrants as FPATAN). */
export function atan2(y: Big, x: Big): Big {
  if (x.m === 0n) return mulPow2(y.m < 0n ? neg(PI) : PI, -1);
  const a = atanPos(abs(div(y, x)));
  if (x.m > 0n) return y.m < 0n ? neg(a) : a;
  const r = sub(PI, a);
  return y.m < 0n ? neg(r) : r;
}

/** e^z − 1 by Taylor series (small |z|). */
function expm1(z: Big): Big {
  return series(z, (t, k) => div(mul(t, z), big(BigInt(k + 1))));
}

/** 2^x − 1 for |x| ≤ 1 (and beyond, as the plain formula). */
export function exp2m1(x: Big): Big {
  // 2^x - 1 = e^(x ln2) - 1; for |x ln 2| ≤ 0.7 the series converges fast enough
  return expm1(mul(x, LN2));
}

/** ln(1 + u) = 2 atanh(u / (2 + u)). */
function ln1p(u: Big): Big {
  const z = div(u, add(big(2n), u));
  const z2 = mul(z, z);
  let sum = z, pow = z;
  for (let k = 1; k < 4000; k++) {
    pow = mul(pow, z2);
    const term = div(pow, big(BigInt(2 * k + 1)));
    if (term.m === 0n || topBit(term) < topBit(sum) - PREC - 4) break;
    sum = add(sum, term);
  }
  return mulPow2(sum, 1);
}

/** log2(x) for x > 0. */
export function log2(x: Big): Big {
  const k = topBit(x);
  // m in [1, 2); use m/√2-centred split for faster convergence
  let m = mulPow2(x, -k);
  let kk = k;
  if (sub(m, big(3n, -1)).m > 0n) {
    m = mulPow2(m, -1);
    kk++;
  }
  const l = div(ln1p(sub(m, ONE)), LN2);
  return add(big(BigInt(kk)), l);
}

/** log2(1 + x) for x > −1, accurate for tiny x. */
export function log2p1(x: Big): Big {
  if (topBit(abs(x)) < -1) return div(ln1p(x), LN2);
  return log2(add(ONE, x));
}
