// Exact 80-bit extended-precision arithmetic (x87 register format) in software: values are a sign/exponent word
// and a 64-bit significand with an explicit integer bit; every result is computed exactly with BigInt and then
// rounded once to the requested precision and exponent range under the x87 rounding modes, with its flags.

/** x87 exception flag bits (status word bits 0-5, control word mask bits 0-5). */
export const IE = 0x01, DE = 0x02, ZE = 0x04, OE = 0x08, UE = 0x10, PE = 0x20;
/** Rounding control (control word bits 10-11). */
export const RC_NEAREST = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3;

/** A register value: `se` = sign << 15 | biased exponent, `m` = the 64-bit significand (bit 63 = integer bit). */
export interface F80 {
  se: number;
  m: bigint;
}

export const INT_BIT = 1n << 63n;
const QUIET_BIT = 1n << 62n;
const M64 = (1n << 64n) - 1n;
/** The masked response to an invalid operation: the QNaN "real indefinite". */
export const INDEFINITE: F80 = { se: 0xffff, m: 0xc000000000000000n };
export const ZERO: F80 = { se: 0, m: 0n };

export const enum Kind {
  Zero,
  /** exponent 0 with a non-zero significand (denormals and pseudo-denormals). */
  Denormal,
  Normal,
  Infinity,
  QNaN,
  SNaN,
  /** unnormals, pseudo-infinities and pseudo-NaNs: invalid operands since the 80387. */
  Unsupported,
}

export function kindOf(v: F80): Kind {
  const e = v.se & 0x7fff;
  const j = (v.m & INT_BIT) !== 0n;
  if (e === 0) return v.m === 0n ? Kind.Zero : Kind.Denormal;
  if (e === 0x7fff) {
    if (!j) return Kind.Unsupported;
    if ((v.m & ~INT_BIT) === 0n) return Kind.Infinity;
    return v.m & QUIET_BIT ? Kind.QNaN : Kind.SNaN;
  }
  return j ? Kind.Normal : Kind.Unsupported;
}

export const signOf = (v: F80): number => v.se >>> 15;
export const isNaNKind = (k: Kind): boolean => k === Kind.QNaN || k === Kind.SNaN;
export const make = (sign: number, exp: number, m: bigint): F80 => ({ se: (sign << 15) | exp, m });
export const infinity = (sign: number): F80 => make(sign, 0x7fff, INT_BIT);
export const zero = (sign: number): F80 => make(sign, 0, 0n);
export const quiet = (v: F80): F80 => ({ se: v.se, m: v.m | QUIET_BIT });
export const negate = (v: F80): F80 => ({ se: v.se ^ 0x8000, m: v.m });

/** Bit length of a positive BigInt (the hot helper of every rounding: no string conversion). */
export function bitLength(x: bigint): number {
  if (x <= 0xffffffffn) return 32 - Math.clz32(Number(x));
  let n = 0;
  while (x > 0xffffffffffffffffn) {
    x >>= 64n;
    n += 64;
  }
  const hi = Number(x >> 32n);
  return hi ? n + 64 - Math.clz32(hi) : n + 32 - Math.clz32(Number(x));
}

/** A finite non-zero value as sig × 2^e2 (sig > 0). */
export interface Exact {
  sign: number;
  sig: bigint;
  e2: number;
}

/** The exact value of a finite register (zero gives sig 0). */
export function exact(v: F80): Exact {
  const e = v.se & 0x7fff;
  return { sign: signOf(v), sig: v.m, e2: (e === 0 ? 1 : e) - 16383 - 63 };
}

/** A destination format: precision in bits and the normal exponent range (unbiased exponent of the leading bit). */
export interface Format {
  p: number;
  emin: number;
  emax: number;
}
export const EXTENDED: Format = { p: 64, emin: -16382, emax: 16383 };
export const DOUBLE: Format = { p: 53, emin: -1022, emax: 1023 };
export const SINGLE: Format = { p: 24, emin: -126, emax: 127 };

export interface Rounded {
  /** value = sig × 2^e; sig has at most p bits. */
  sig: bigint;
  e: number;
  inexact: boolean;
  /** The magnitude was rounded up (x87 C1). */
  up: boolean;
  /** Below the smallest normal before rounding, and after rounding with an unbounded exponent range. */
  tinyBefore: boolean;
  tinyAfter: boolean;
  /** The rounded result's leading bit is above emax. */
  overflow: boolean;
}

function roundAt(sign: number, sig: bigint, e2: number, lsb: number, rc: number): { q: bigint; e: number; inexact: boolean; up: boolean } {
  const shift = lsb - e2;
  if (shift <= 0) return { q: sig, e: e2, inexact: false, up: false };
  if (shift > bitLength(sig) + 1) return { q: roundTiny(sign, rc) ? 1n : 0n, e: lsb, inexact: true, up: roundTiny(sign, rc) };
  const s = BigInt(shift);
  let q = sig >> s;
  const rem = sig - (q << s);
  const half = 1n << (s - 1n);
  let inc = false;
  if (rem !== 0n) {
    if (rc === RC_NEAREST) inc = rem > half || (rem === half && (q & 1n) === 1n);
    else if (rc === RC_DOWN) inc = sign === 1;
    else if (rc === RC_UP) inc = sign === 0;
  }
  if (inc) q += 1n;
  return { q, e: lsb, inexact: rem !== 0n, up: inc };
}
/** Whether a non-zero value far below the last place rounds away from zero. */
const roundTiny = (sign: number, rc: number) => (rc === RC_UP && sign === 0) || (rc === RC_DOWN && sign === 1);

/** Rounds sign × sig × 2^e2 (sig > 0) to the format under rounding control rc (exponent range checked, not applied above). */
export function roundTo(sign: number, sig: bigint, e2: number, f: Format, rc: number): Rounded {
  const top = e2 + bitLength(sig) - 1;
  const tinyBefore = top < f.emin;
  const r = roundAt(sign, sig, e2, Math.max(top - f.p + 1, f.emin - f.p + 1), rc);
  let tinyAfter = false;
  if (tinyBefore) {
    const u = roundAt(sign, sig, e2, top - f.p + 1, rc);
    tinyAfter = u.q === 0n || u.e + bitLength(u.q) - 1 < f.emin;
  }
  const topAfter = r.q === 0n ? -Infinity : r.e + bitLength(r.q) - 1;
  return { sig: r.q, e: r.e, inexact: r.inexact, up: r.up, tinyBefore, tinyAfter, overflow: topAfter > f.emax };
}

/** Rounds with an unbounded exponent range (the x87's unmasked overflow/underflow responses). */
export function roundUnbounded(sign: number, sig: bigint, e2: number, p: number, rc: number): { sig: bigint; e: number; inexact: boolean; up: boolean } {
  const top = e2 + bitLength(sig) - 1;
  const r = roundAt(sign, sig, e2, top - p + 1, rc);
  return { sig: r.q, e: r.e, inexact: r.inexact, up: r.up };
}

/** Packs sign × sig × 2^e (exactly representable) as an extended value; exponents below the range become denormals. */
export function packExtended(sign: number, sig: bigint, e: number): F80 {
  if (sig === 0n) return zero(sign);
  const top = e + bitLength(sig) - 1;
  if (top >= -16382) {
    const sh = 63 - (top - e);
    return make(sign, top + 16383, sh >= 0 ? (sig << BigInt(sh)) & M64 : sig >> BigInt(-sh));
  }
  return make(sign, 0, sig << BigInt(e + 16382 + 63));
}

/** The largest finite value of precision p in the extended exponent range (masked overflow toward zero). */
export function largest(sign: number, p: number, f: Format = EXTENDED): { sig: bigint; e: number } {
  return { sig: (1n << BigInt(p)) - 1n, e: f.emax - p + 1 + (sign & 0) };
}

/** Rounding state of one x87 operation: control word in, exception flags and C1 (rounded up) out. */
export class Env {
  flags = 0;
  c1 = 0;
  constructor(public cw: number) {}
  get rc(): number {
    return (this.cw >> 10) & 3;
  }
  /** Precision control in bits (24, 53, 64; the reserved value 1 behaves as 64 on the CPUs we know: checked by the host test). */
  get pc(): number {
    const pc = (this.cw >> 8) & 3;
    return pc === 0 ? 24 : pc === 2 ? 53 : 64;
  }
  masked(flag: number): boolean {
    return (this.cw & flag) !== 0;
  }
  /** True when an unmasked invalid, denormal or divide-by-zero exception means the destination must stay unchanged. */
  get aborted(): boolean {
    return (this.flags & ~this.cw & (IE | DE | ZE)) !== 0;
  }
}

/**
 * Delivers an exact non-zero result sign × sig × 2^e2 to an x87 register at precision p, as the x87 does:
 * masked overflow gives ∞ or the largest value per rounding mode, masked underflow a denormal; unmasked
 * overflow/underflow deliver the exponent wrapped by ∓24576 (0x6000).
 */
export function deliver(env: Env, sign: number, sig: bigint, e2: number, p: number = env.pc): F80 {
  if (sig === 0n) return zero(sign);
  const rc = env.rc;
  const r = roundTo(sign, sig, e2, { p, emin: EXTENDED.emin, emax: EXTENDED.emax }, rc);
  const top = e2 + bitLength(sig) - 1;
  // Unmasked overflow/underflow wrap the exponent by 24576; when even that is out of range (FSCALE can get
  // there), the host CPU delivers ∞ or 0 whatever the rounding mode.
  if (r.overflow && !env.masked(OE) && top - 24576 > EXTENDED.emax) {
    env.flags |= OE | PE;
    env.c1 = 1;
    return infinity(sign);
  }
  if (r.tinyBefore && !env.masked(UE) && top + 24576 < EXTENDED.emin) {
    env.flags |= UE | PE;
    env.c1 = 0;
    return zero(sign);
  }
  if (r.overflow) {
    if (!env.masked(OE)) {
      const u = roundUnbounded(sign, sig, e2, p, rc);
      env.flags |= OE | (u.inexact ? PE : 0);
      env.c1 = u.up ? 1 : 0;
      return packExtended(sign, u.sig, u.e - 24576);
    }
    env.flags |= OE | PE;
    const toInf = rc === RC_NEAREST || (rc === RC_UP && sign === 0) || (rc === RC_DOWN && sign === 1);
    env.c1 = toInf ? 1 : 0;
    if (toInf) return infinity(sign);
    const l = largest(sign, p);
    return packExtended(sign, l.sig, l.e);
  }
  if (r.tinyAfter || (r.tinyBefore && r.sig === 0n)) {
    if (!env.masked(UE)) {
      const u = roundUnbounded(sign, sig, e2, p, rc);
      env.flags |= UE | (u.inexact ? PE : 0);
      env.c1 = u.up ? 1 : 0;
      return packExtended(sign, u.sig, u.e + 24576);
    }
    if (r.inexact || !env.masked(UE)) env.flags |= UE | (r.inexact ? PE : 0);
  } else if (r.inexact) env.flags |= PE;
  env.c1 = r.up ? 1 : 0;
  return packExtended(sign, r.sig, r.e);
}

// ---- operand checks -------------------------------------------------------------------------------------------

/** The x87's choice between two NaN operands (at least one is a NaN): a QNaN over an SNaN, else the larger significand, else the positive one; quieted. */
export function pickNaN(a: F80, b: F80, ka: Kind, kb: Kind): F80 {
  const an = isNaNKind(ka), bn = isNaNKind(kb);
  let r: F80;
  if (an && bn) {
    if (ka === Kind.QNaN && kb === Kind.SNaN) r = a;
    else if (kb === Kind.QNaN && ka === Kind.SNaN) r = b;
    else {
      const ma = a.m & ~QUIET_BIT, mb = b.m & ~QUIET_BIT;
      r = ma > mb ? a : mb > ma ? b : a.se <= b.se ? a : b;
    }
  } else r = an ? a : b;
  return quiet(r);
}

/**
 * Common start of a two-operand arithmetic operation: invalid operands (SNaN, unsupported) and NaN propagation,
 * then the denormal-operand flag. Returns the result when the operands decide it, else null.
 */
function binaryStart(env: Env, a: F80, b: F80, ka: Kind, kb: Kind): F80 | null {
  if (ka === Kind.Unsupported || kb === Kind.Unsupported) {
    env.flags |= IE;
    return INDEFINITE;
  }
  if (isNaNKind(ka) || isNaNKind(kb)) {
    if (ka === Kind.SNaN || kb === Kind.SNaN) env.flags |= IE;
    return pickNaN(a, b, ka, kb);
  }
  return null;
}
const denormalCheck = (env: Env, ka: Kind, kb: Kind, memoryDenormal = false) => {
  if (ka === Kind.Denormal || kb === Kind.Denormal || memoryDenormal) env.flags |= DE;
};

// ---- arithmetic -------------------------------------------------------------------------------------------------

/** Collapses the smaller addend to a sticky unit when it is far below the larger one (keeps BigInts small). */
const FAR = 160;

/** a + b (or a − b with `subtract`). */
export function add(env: Env, a: F80, b: F80, subtract: boolean, p: number = env.pc, md = false): F80 {
  const ka = kindOf(a), kb = kindOf(b);
  const s = binaryStart(env, a, b, ka, kb);
  if (s) return s;
  const sb = signOf(b) ^ (subtract ? 1 : 0);
  const sa = signOf(a);
  if (ka === Kind.Infinity || kb === Kind.Infinity) {
    if (ka === Kind.Infinity && kb === Kind.Infinity && sa !== sb) {
      env.flags |= IE;
      return INDEFINITE;
    }
    denormalCheck(env, ka, kb, md);
    return ka === Kind.Infinity ? a : infinity(sb);
  }
  denormalCheck(env, ka, kb, md);
  if (env.aborted) return INDEFINITE;
  const rc = env.rc;
  if (ka === Kind.Zero && kb === Kind.Zero) return zero(sa === sb ? sa : rc === RC_DOWN ? 1 : 0);
  if (ka === Kind.Zero) return deliver(env, sb, b.m, exact(b).e2, p);
  if (kb === Kind.Zero) return deliver(env, sa, a.m, exact(a).e2, p);
  const x = exact(a), y = exact(b);
  let hi = x, lo = y, shi = sa, slo = sb;
  if (y.e2 + bitLength(y.sig) > x.e2 + bitLength(x.sig)) [hi, lo, shi, slo] = [y, x, sb, sa];
  let e = lo.e2;
  let vhi = hi.sig, vlo = lo.sig;
  const d = hi.e2 - lo.e2;
  if (d > FAR) {
    vhi <<= BigInt(FAR);
    vlo = 1n;
    e = hi.e2 - FAR;
  } else if (d > 0) vhi <<= BigInt(d);
  else if (d < 0) {
    vlo <<= BigInt(-d);
    e = hi.e2;
  }
  const sum = (shi ? -vhi : vhi) + (slo ? -vlo : vlo);
  if (sum === 0n) return zero(rc === RC_DOWN ? 1 : 0);
  return deliver(env, sum < 0n ? 1 : 0, sum < 0n ? -sum : sum, e, p);
}

export function mul(env: Env, a: F80, b: F80, p: number = env.pc, md = false): F80 {
  const ka = kindOf(a), kb = kindOf(b);
  const s = binaryStart(env, a, b, ka, kb);
  if (s) return s;
  const sign = signOf(a) ^ signOf(b);
  if (ka === Kind.Infinity || kb === Kind.Infinity) {
    if (ka === Kind.Zero || kb === Kind.Zero) {
      env.flags |= IE;
      return INDEFINITE;
    }
    denormalCheck(env, ka, kb, md);
    return infinity(sign);
  }
  denormalCheck(env, ka, kb, md);
  if (env.aborted) return INDEFINITE;
  if (ka === Kind.Zero || kb === Kind.Zero) return zero(sign);
  const x = exact(a), y = exact(b);
  return deliver(env, sign, x.sig * y.sig, x.e2 + y.e2, p);
}

/** a / b. */
export function div(env: Env, a: F80, b: F80, p: number = env.pc, md = false): F80 {
  const ka = kindOf(a), kb = kindOf(b);
  const s = binaryStart(env, a, b, ka, kb);
  if (s) return s;
  const sign = signOf(a) ^ signOf(b);
  if (ka === Kind.Infinity) {
    if (kb === Kind.Infinity) {
      env.flags |= IE;
      return INDEFINITE;
    }
    denormalCheck(env, ka, kb, md);
    return infinity(sign);
  }
  if (kb === Kind.Infinity) {
    denormalCheck(env, ka, kb, md);
    return zero(sign);
  }
  if (kb === Kind.Zero) {
    if (ka === Kind.Zero) {
      env.flags |= IE;
      return INDEFINITE;
    }
    // x / 0: only ZE, no DE for a denormal dividend (as the host CPU reports)
    if (env.aborted) return INDEFINITE;
    env.flags |= ZE;
    return infinity(sign);
  }
  denormalCheck(env, ka, kb, md);
  if (env.aborted) return INDEFINITE;
  if (ka === Kind.Zero) return zero(sign);
  const x = exact(a), y = exact(b);
  const extra = 2 * 64 + 4 - bitLength(x.sig) + bitLength(y.sig);
  const num = x.sig << BigInt(extra);
  const q = num / y.sig;
  const sticky = q * y.sig !== num ? 1n : 0n;
  return deliver(env, sign, (q << 1n) | sticky, x.e2 - y.e2 - extra - 1, p);
}

/** ⌊√n⌋: a double-precision first guess, then Newton steps (each doubles the correct bits). */
export function isqrt(n: bigint): bigint {
  const shift = n < 0x10000000000000n ? 0 : (bitLength(n) - 52) & ~1;
  let x = BigInt(Math.floor(Math.sqrt(Number(n >> BigInt(shift))))) << BigInt(shift / 2);
  for (let k = 0; shift && k < 8; k++) {
    const y = (x + n / x) >> 1n;
    if (y === x || y === x + 1n || y === x - 1n) {
      x = y;
      break;
    }
    x = y;
  }
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

export function sqrt(env: Env, a: F80, p: number = env.pc): F80 {
  const ka = kindOf(a);
  if (ka === Kind.Unsupported) {
    env.flags |= IE;
    return INDEFINITE;
  }
  if (isNaNKind(ka)) {
    if (ka === Kind.SNaN) env.flags |= IE;
    return quiet(a);
  }
  if (ka === Kind.Zero) return a;
  if (signOf(a)) {
    env.flags |= IE;
    return INDEFINITE;
  }
  if (ka === Kind.Infinity) return a;
  denormalCheck(env, ka, ka);
  if (env.aborted) return INDEFINITE;
  const x = exact(a);
  let shift = 2 * 68 - bitLength(x.sig);
  if ((x.e2 - shift) & 1) shift++;
  const n = x.sig << BigInt(shift);
  const r = isqrt(n);
  const sticky = r * r !== n ? 1n : 0n;
  return deliver(env, 0, (r << 1n) | sticky, (x.e2 - shift) / 2 - 1, p);
}

// ---- comparison ------------------------------------------------------------------------------------------------

/** -1, 0, 1 for finite/infinite non-NaN values (zeros equal). */
export function compareValues(a: F80, b: F80): number {
  const ka = kindOf(a), kb = kindOf(b);
  const va = valueKey(a, ka), vb = valueKey(b, kb);
  if (va.sign !== vb.sign) return va.zero && vb.zero ? 0 : va.sign ? -1 : 1;
  const mag = cmpMag(a, ka, b, kb);
  return va.sign ? -mag : mag;
}
function valueKey(v: F80, k: Kind) {
  return { sign: k === Kind.Zero ? 0 : signOf(v), zero: k === Kind.Zero };
}
function cmpMag(a: F80, ka: Kind, b: F80, kb: Kind): number {
  if (ka === Kind.Infinity || kb === Kind.Infinity) return ka === kb ? 0 : ka === Kind.Infinity ? 1 : -1;
  if (ka === Kind.Zero || kb === Kind.Zero) return ka === kb ? 0 : ka === Kind.Zero ? -1 : 1;
  const x = exact(a), y = exact(b);
  const tx = x.e2 + bitLength(x.sig), ty = y.e2 + bitLength(y.sig);
  if (tx !== ty) return tx > ty ? 1 : -1;
  const d = x.e2 - y.e2;
  const xs = d > 0 ? x.sig << BigInt(d) : x.sig, ys = d < 0 ? y.sig << BigInt(-d) : y.sig;
  return xs === ys ? 0 : xs > ys ? 1 : -1;
}

/** Compares: 'lt' | 'eq' | 'gt' | 'un'; quiet compares raise IE only for SNaN (and unsupported) operands. */
export function compare(env: Env, a: F80, b: F80, quietCompare: boolean): 'lt' | 'eq' | 'gt' | 'un' {
  const ka = kindOf(a), kb = kindOf(b);
  if (ka === Kind.Unsupported || kb === Kind.Unsupported) {
    env.flags |= IE;
    return 'un';
  }
  if (isNaNKind(ka) || isNaNKind(kb)) {
    if (!quietCompare || ka === Kind.SNaN || kb === Kind.SNaN) env.flags |= IE;
    return 'un';
  }
  denormalCheck(env, ka, kb);
  const c = compareValues(a, b);
  return c < 0 ? 'lt' : c > 0 ? 'gt' : 'eq';
}

// ---- conversions -----------------------------------------------------------------------------------------------

/** An integer (exact) as an extended value. */
export function fromInteger(v: bigint): F80 {
  if (v === 0n) return ZERO;
  const sign = v < 0n ? 1 : 0;
  return packExtended(sign, sign ? -v : v, 0);
}

/** A float32/float64 bit pattern as an extended value (exact); SNaN raises IE and is quieted; denormals raise DE (FLD). */
export function fromBinary(env: Env, bits: bigint, f: 'single' | 'double'): F80 {
  const r = fromBinaryRaw(bits, f);
  const k = kindOf(r.v);
  if (k === Kind.SNaN) env.flags |= IE;
  if (r.denormal) env.flags |= DE;
  return k === Kind.SNaN ? quiet(r.v) : r.v;
}

/** A float32/float64 bit pattern as an extended value, SNaNs kept, and whether it was a denormal in its format (arithmetic operands). */
export function fromBinaryRaw(bits: bigint, f: 'single' | 'double'): { v: F80; denormal: boolean } {
  const [eb, mb] = f === 'single' ? [8, 23] : [11, 52];
  const bias = (1 << (eb - 1)) - 1;
  const sign = Number(bits >> BigInt(eb + mb)) & 1;
  const e = Number((bits >> BigInt(mb)) & BigInt((1 << eb) - 1));
  const frac = bits & ((1n << BigInt(mb)) - 1n);
  if (e === (1 << eb) - 1) {
    if (frac === 0n) return { v: infinity(sign), denormal: false };
    return { v: make(sign, 0x7fff, INT_BIT | (frac << BigInt(63 - mb))), denormal: false };
  }
  if (e === 0) {
    if (frac === 0n) return { v: zero(sign), denormal: false };
    return { v: packExtended(sign, frac, 1 - bias - mb), denormal: true };
  }
  return { v: packExtended(sign, frac | (1n << BigInt(mb)), e - bias - mb), denormal: false };
}

/**
 * An extended value rounded to float32/float64 bits, for FST/FSTP to memory. Returns null when an unmasked
 * exception means memory must not be written.
 */
export function toBinary(env: Env, v: F80, f: 'single' | 'double'): bigint | null {
  const [eb, mb, fmt] = f === 'single' ? [8, 23, SINGLE] : [11, 52, DOUBLE];
  const bias = (1 << (eb - 1)) - 1;
  const k = kindOf(v);
  const sign = signOf(v);
  const signBit = BigInt(sign) << BigInt(eb + mb);
  const expAll = BigInt((1 << eb) - 1) << BigInt(mb);
  const indefinite = (1n << BigInt(eb + mb)) | expAll | (1n << BigInt(mb - 1));
  switch (k) {
    case Kind.Zero:
      return signBit;
    case Kind.Infinity:
      return signBit | expAll;
    case Kind.Unsupported:
      env.flags |= IE;
      return env.masked(IE) ? indefinite : null;
    case Kind.QNaN:
    case Kind.SNaN:
      if (k === Kind.SNaN) {
        env.flags |= IE;
        if (!env.masked(IE)) return null;
      }
      return signBit | expAll | (1n << BigInt(mb - 1)) | (((v.m & ~INT_BIT) >> BigInt(63 - mb)) & ((1n << BigInt(mb)) - 1n));
  }
  // A denormal source raises no DE in a store (FST lists #IS #IA #U #O #P only).
  const x = exact(v);
  const rc = env.rc;
  const r = roundTo(sign, x.sig, x.e2, fmt, rc);
  const pack = (sig: bigint, e: number): bigint => {
    if (sig === 0n) return signBit;
    const top = e + bitLength(sig) - 1;
    if (top >= fmt.emin) return signBit | (BigInt(top + bias) << BigInt(mb)) | ((sig << BigInt(mb - (top - e))) & ((1n << BigInt(mb)) - 1n));
    return signBit | (sig << BigInt(e - (fmt.emin - mb)));
  };
  if (r.overflow) {
    env.flags |= OE;
    if (!env.masked(OE)) return null;
    env.flags |= PE;
    const toInf = rc === RC_NEAREST || (rc === RC_UP && sign === 0) || (rc === RC_DOWN && sign === 1);
    env.c1 = toInf ? 1 : 0;
    return toInf ? signBit | expAll : pack((1n << BigInt(fmt.p)) - 1n, fmt.emax - fmt.p + 1);
  }
  if (r.tinyAfter || (r.tinyBefore && r.sig === 0n)) {
    if (!env.masked(UE)) {
      env.flags |= UE;
      return null;
    }
    if (r.inexact) env.flags |= UE;
  }
  if (r.inexact) env.flags |= PE;
  env.c1 = r.up ? 1 : 0;
  return pack(r.sig, r.e);
}

/**
 * An extended value rounded to a signed integer of `bits` bits (FIST/FISTP with the rounding mode, FISTTP with
 * truncation). Out of range, NaN, infinity or unsupported: IE, and the integer indefinite (only bit bits-1 set)
 * when masked; null when the store must not happen.
 */
export function toInteger(env: Env, v: F80, bits: number, truncate: boolean): bigint | null {
  const k = kindOf(v);
  const indefinite = 1n << BigInt(bits - 1);
  if (k === Kind.Zero) return 0n;
  if (k === Kind.Infinity || k === Kind.Unsupported || isNaNKind(k)) {
    env.flags |= IE;
    return env.masked(IE) ? indefinite : null;
  }
  const x = exact(v); // no DE for a denormal source (FIST lists #IS #IA #P only)
  const r = roundAt(x.sign, x.sig, x.e2, 0, truncate ? RC_ZERO : env.rc);
  const q = r.q << BigInt(Math.max(0, r.e));
  const value = x.sign ? -q : q;
  if (value >= indefinite || value < -indefinite) {
    env.flags |= IE;
    return env.masked(IE) ? indefinite : null;
  }
  if (r.inexact) env.flags |= PE;
  env.c1 = r.up ? 1 : 0;
  return value;
}

/** Rounds to an integral value in the current rounding mode (FRNDINT), precision ignored. */
export function roundToIntegral(env: Env, v: F80, rc: number = env.rc): F80 {
  const k = kindOf(v);
  if (k === Kind.Unsupported) {
    env.flags |= IE;
    return INDEFINITE;
  }
  if (isNaNKind(k)) {
    if (k === Kind.SNaN) env.flags |= IE;
    return quiet(v);
  }
  if (k === Kind.Zero || k === Kind.Infinity) return v;
  if (k === Kind.Denormal) env.flags |= DE;
  if (env.aborted) return INDEFINITE;
  const x = exact(v);
  if (x.e2 >= 0) return v;
  const r = roundAt(x.sign, x.sig, x.e2, 0, rc);
  if (r.inexact) env.flags |= PE;
  env.c1 = r.up ? 1 : 0;
  return r.q === 0n ? zero(x.sign) : packExtended(x.sign, r.q, r.e);
}
