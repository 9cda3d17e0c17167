// IEEE-754 binary32/binary64 lane arithmetic with x86 SSE semantics: MXCSR rounding control, DAZ/FTZ,
// exception flags (tininess detected after rounding), NaN propagation and the "real indefinite" QNaN.
// Lanes are read and written as 32-bit words (f64 = lo, hi), so NaN payloads and SNaNs survive untouched.

export const MX_IE = 0x1, MX_DE = 0x2, MX_ZE = 0x4, MX_OE = 0x8, MX_UE = 0x10, MX_PE = 0x20, MX_DAZ = 0x40, MX_FTZ = 0x8000;
export const RC_NEAREST = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3;

/**
 * The MXCSR an instruction runs under and the exception flags its lanes raise. A handler sets `mxcsr`,
 * clears `flags`, runs its lanes, then commits the flags (see sse-mxcsr.ts).
 */
export const fp = { mxcsr: 0x1f80, flags: 0 };

const scratch = new ArrayBuffer(8);
const s32 = new Uint32Array(scratch);
const sF32 = new Float32Array(scratch);
const sF64 = new Float64Array(scratch);

/** The f64 value of two words (not for NaNs: their payload could be changed by the host). */
export function f64Of(lo: number, hi: number): number {
  s32[0] = lo;
  s32[1] = hi;
  return sF64[0];
}
/** Writes a non-NaN double into out[i] (lo), out[i+1] (hi). */
export function putF64(out: Uint32Array, i: number, v: number): void {
  sF64[0] = v;
  out[i] = s32[0];
  out[i + 1] = s32[1];
}
export function f32Of(bits: number): number {
  s32[0] = bits;
  return sF32[0];
}
/** Bits of a non-NaN double rounded to f32 (the caller knows the value is representable or wants RN). */
export function f32Bits(v: number): number {
  sF32[0] = v;
  return s32[0];
}

// ---- formats

interface Fmt {
  p: number; // precision in bits, hidden bit included
  emin: number;
  emax: number;
  bias: number;
  fracBits: number;
  expAll: number; // all-ones exponent field
  width: number;
}
const F32: Fmt = { p: 24, emin: -126, emax: 127, bias: 127, fracBits: 23, expAll: 0xff, width: 32 };
const F64: Fmt = { p: 53, emin: -1022, emax: 1023, bias: 1023, fracBits: 52, expAll: 0x7ff, width: 64 };

const enum Cls {
  Zero,
  Sub,
  Normal,
  Inf,
  QNaN,
  SNaN,
}

/** An unpacked finite value: (-1)^sign * m * 2^e, or a class without value. */
interface Unpacked {
  cls: Cls;
  sign: number;
  m: bigint;
  e: number;
}

function bitLength(m: bigint): number {
  return m === 0n ? 0 : m.toString(2).length;
}

function classify32(bits: number): Cls {
  const exp = (bits >>> 23) & 0xff;
  const frac = bits & 0x7fffff;
  if (exp === 0xff) return frac === 0 ? Cls.Inf : frac & 0x400000 ? Cls.QNaN : Cls.SNaN;
  if (exp === 0) return frac === 0 ? Cls.Zero : Cls.Sub;
  return Cls.Normal;
}
function classify64(lo: number, hi: number): Cls {
  const exp = (hi >>> 20) & 0x7ff;
  const fracHi = hi & 0xfffff;
  if (exp === 0x7ff) return fracHi === 0 && lo === 0 ? Cls.Inf : fracHi & 0x80000 ? Cls.QNaN : Cls.SNaN;
  if (exp === 0) return fracHi === 0 && lo === 0 ? Cls.Zero : Cls.Sub;
  return Cls.Normal;
}

function unpackBits(bits: bigint, f: Fmt, cls: Cls): Unpacked {
  const sign = Number(bits >> BigInt(f.width - 1)) & 1;
  const frac = bits & ((1n << BigInt(f.fracBits)) - 1n);
  const exp = Number((bits >> BigInt(f.fracBits)) & BigInt(f.expAll));
  if (cls === Cls.Sub) return { cls, sign, m: frac, e: f.emin - f.fracBits };
  if (cls === Cls.Normal) return { cls, sign, m: frac | (1n << BigInt(f.fracBits)), e: exp - f.bias - f.fracBits };
  return { cls, sign, m: 0n, e: 0 };
}

function bits64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

// ---- rounding

/** m * 2^e rounded to a multiple of 2^q; returns the multiple and records inexactness in `roundInexact`. */
let roundInexact = false;
function roundAt(m: bigint, e: number, q: number, sign: number, rc: number): bigint {
  if (e >= q) {
    roundInexact = false;
    return m << BigInt(e - q);
  }
  const d = BigInt(q - e);
  const kept = m >> d;
  const rem = m - (kept << d);
  roundInexact = rem !== 0n;
  if (rem === 0n) return kept;
  switch (rc) {
    case RC_NEAREST: {
      const half = 1n << (d - 1n);
      return rem > half || (rem === half && (kept & 1n) === 1n) ? kept + 1n : kept;
    }
    case RC_DOWN:
      return sign ? kept + 1n : kept;
    case RC_UP:
      return sign ? kept : kept + 1n;
    default:
      return kept;
  }
}

/** The bits of ±0, ±inf, ±max finite. */
function zeroBits(sign: number, f: Fmt): bigint {
  return BigInt(sign) << BigInt(f.width - 1);
}
function infBits(sign: number, f: Fmt): bigint {
  return zeroBits(sign, f) | (BigInt(f.expAll) << BigInt(f.fracBits));
}
function maxBits(sign: number, f: Fmt): bigint {
  return infBits(sign, f) - 1n;
}

/**
 * Rounds the exact nonzero value (-1)^sign * m * 2^e to format f under the current MXCSR, raising
 * PE/UE/OE in fp.flags; FTZ flushes tiny results to zero.
 */
function roundPack(sign: number, m: bigint, e: number, f: Fmt): bigint {
  const rc = (fp.mxcsr >> 13) & 3;
  const top = e + bitLength(m) - 1;
  const subQ = f.emin - (f.p - 1);
  // Tiny after rounding: rounded to p bits with an unbounded exponent range, still below 2^emin.
  let tiny = false;
  let tinyInexact = false;
  if (top < f.emin) {
    const q0 = top - (f.p - 1);
    const r0 = roundAt(m, e, q0, sign, rc);
    tinyInexact = roundInexact;
    tiny = q0 + bitLength(r0) - 1 < f.emin;
  }
  const ueMasked = (fp.mxcsr & 0x800) !== 0;
  if (tiny && fp.mxcsr & MX_FTZ && ueMasked) {
    fp.flags |= MX_UE | MX_PE;
    return zeroBits(sign, f);
  }
  // With underflow unmasked, a tiny result signals UE even when exact.
  if (tiny && !ueMasked) fp.flags |= MX_UE;
  let q = Math.max(top - (f.p - 1), subQ);
  let r = roundAt(m, e, q, sign, rc);
  const inexact = roundInexact;
  if (bitLength(r) > f.p) {
    r >>= 1n;
    q += 1;
  }
  const resTop = q + bitLength(r) - 1;
  if (resTop > f.emax) {
    fp.flags |= MX_OE | MX_PE;
    if (rc === RC_NEAREST || (rc === RC_DOWN && sign) || (rc === RC_UP && !sign)) return infBits(sign, f);
    return maxBits(sign, f);
  }
  if (tiny && !ueMasked) {
    // Unmasked underflow: PE says whether the result rounded to p bits with an unbounded exponent is inexact (the
    // value the handler would see scaled), not the denormalized one (fma-host.test.ts found the difference).
    if (tinyInexact) fp.flags |= MX_PE;
  } else if (inexact) fp.flags |= tiny ? MX_PE | MX_UE : MX_PE;
  if (r === 0n) return zeroBits(sign, f);
  if (bitLength(r) < f.p) return zeroBits(sign, f) | r; // subnormal (q is subQ)
  const biased = BigInt(resTop + f.bias);
  return zeroBits(sign, f) | (biased << BigInt(f.fracBits)) | (r - (1n << BigInt(f.fracBits)));
}

// ---- operations

export const OP_ADD = 0, OP_SUB = 1, OP_MUL = 2, OP_DIV = 3, OP_MIN = 4, OP_MAX = 5, OP_SQRT = 6;

const INDEF32 = 0xffc00000;
const INDEF64_HI = 0xfff80000;

/** Exact result of a finite op on unpacked nonzero/zero operands, as (sign, m, e) with a sticky bit folded in. */
function exactArith(op: number, a: Unpacked, b: Unpacked, f: Fmt): { sign: number; m: bigint; e: number } {
  switch (op) {
    case OP_ADD:
    case OP_SUB: {
      const bs = op === OP_SUB ? b.sign ^ 1 : b.sign;
      const e = Math.min(a.e, b.e);
      const ma = a.m << BigInt(a.e - e);
      const mb = b.m << BigInt(b.e - e);
      const va = a.sign ? -ma : ma;
      const vb = bs ? -mb : mb;
      const v = va + vb;
      return { sign: v < 0n ? 1 : 0, m: v < 0n ? -v : v, e };
    }
    case OP_MUL:
      return { sign: a.sign ^ b.sign, m: a.m * b.m, e: a.e + b.e };
    case OP_DIV: {
      const k = Math.max(0, f.p + 3 + bitLength(b.m) - bitLength(a.m));
      const num = a.m << BigInt(k);
      const qt = num / b.m;
      const sticky = num - qt * b.m !== 0n;
      const e = a.e - b.e - k;
      return sticky ? { sign: a.sign ^ b.sign, m: (qt << 1n) | 1n, e: e - 1 } : { sign: a.sign ^ b.sign, m: qt, e };
    }
    default: {
      // sqrt of a positive value: scale to an even exponent and at least 2p+6 bits, integer square root.
      let k = Math.max(0, 2 * f.p + 6 - bitLength(b.m));
      if ((b.e - k) & 1) k++;
      const n = b.m << BigInt(k);
      const r = isqrt(n);
      const e = (b.e - k) / 2;
      return r * r !== n ? { sign: 0, m: (r << 1n) | 1n, e: e - 1 } : { sign: 0, m: r, e };
    }
  }
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // Newton steps from the float estimate (which may be off for large n).
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

/**
 * One lane of a binary operation (or sqrt, which reads only b) in the slow, exact path. Returns bits.
 * `a`/`b` are the operands' bits as bigint; classes precomputed.
 */
function slowBinary(op: number, abits: bigint, ca: Cls, bbits: bigint, cb: Cls, f: Fmt): bigint {
  const quiet = 1n << BigInt(f.fracBits - 1);
  const indefinite = f === F32 ? BigInt(INDEF32) : BigInt(INDEF64_HI) << 32n;
  const unary = op === OP_SQRT;
  const aNaN = !unary && (ca === Cls.QNaN || ca === Cls.SNaN);
  const bNaN = cb === Cls.QNaN || cb === Cls.SNaN;
  if (op === OP_MIN || op === OP_MAX) {
    // min/max: any NaN (or both zeros) gives the second operand, unchanged; NaNs of either kind are invalid.
    if (aNaN || bNaN) {
      fp.flags |= MX_IE;
      // The second operand comes back unchanged, except that DAZ flushes a denormal one.
      return cb === Cls.Sub && fp.mxcsr & MX_DAZ ? bbits & (1n << BigInt(f.width - 1)) : bbits;
    }
  } else if (aNaN || bNaN) {
    if (ca === Cls.SNaN && !unary) fp.flags |= MX_IE;
    if (cb === Cls.SNaN) fp.flags |= MX_IE;
    return (aNaN ? abits : bbits) | quiet;
  }
  const daz = (fp.mxcsr & MX_DAZ) !== 0;
  let a = unary ? { cls: Cls.Zero, sign: 0, m: 0n, e: 0 } : unpackBits(abits, f, ca);
  let b = unpackBits(bbits, f, cb);
  // A denormal operand raises DE unless a higher-priority exception (IE, ZE) happens in this lane.
  let de = 0;
  if (a.cls === Cls.Sub) {
    if (daz) a = { cls: Cls.Zero, sign: a.sign, m: 0n, e: 0 };
    else de = MX_DE;
  }
  if (b.cls === Cls.Sub) {
    if (daz) b = { cls: Cls.Zero, sign: b.sign, m: 0n, e: 0 };
    else de = MX_DE;
  }
  const invalid = (): bigint => {
    fp.flags |= MX_IE;
    return indefinite;
  };
  const rc = (fp.mxcsr >> 13) & 3;
  const aInf = a.cls === Cls.Inf, bInf = b.cls === Cls.Inf;
  const aZero = a.cls === Cls.Zero, bZero = b.cls === Cls.Zero;
  switch (op) {
    case OP_MIN:
    case OP_MAX: {
      fp.flags |= de;
      // Under DAZ the operand returned is the flushed one.
      const pickB = (aZero && bZero) || compareUnpacked(a, b) !== (op === OP_MIN ? -1 : 1);
      const u = pickB ? b : a;
      if (u.cls === Cls.Zero) return zeroBits(u.sign, f);
      return pickB ? bbits : abits;
    }
    case OP_SQRT:
      if (bZero) return zeroBits(b.sign, f);
      if (b.sign) return invalid();
      fp.flags |= de;
      if (bInf) return infBits(0, f);
      break;
    case OP_ADD:
    case OP_SUB: {
      const bs = op === OP_SUB ? b.sign ^ 1 : b.sign;
      if (aInf && bInf && a.sign !== bs) return invalid();
      fp.flags |= de;
      if (aInf || bInf) return infBits(aInf ? a.sign : bs, f);
      if (aZero && bZero) return zeroBits(a.sign === bs ? a.sign : rc === RC_DOWN ? 1 : 0, f);
      if (aZero) return bits(b, bs, f);
      if (bZero) return bits(a, a.sign, f);
      break;
    }
    case OP_MUL:
      if ((aInf && bZero) || (aZero && bInf)) return invalid();
      fp.flags |= de;
      if (aInf || bInf) return infBits(a.sign ^ b.sign, f);
      if (aZero || bZero) return zeroBits(a.sign ^ b.sign, f);
      break;
    case OP_DIV:
      if ((aInf && bInf) || (aZero && bZero)) return invalid();
      if (bZero && !aInf) {
        fp.flags |= MX_ZE;
        return infBits(a.sign ^ b.sign, f);
      }
      fp.flags |= de;
      if (aInf) return infBits(a.sign ^ b.sign, f);
      if (bInf || aZero) return zeroBits(a.sign ^ b.sign, f);
      break;
  }
  const x = exactArith(op, a, b, f);
  if (x.m === 0n) return zeroBits(rc === RC_DOWN ? 1 : 0, f); // x + (-x)
  return roundPack(x.sign, x.m, x.e, f);
}

/** The packed bits of an unpacked value with the sign replaced (zero or finite, not subnormal-flushed). */
function bits(u: Unpacked, sign: number, f: Fmt): bigint {
  if (u.cls === Cls.Zero) return zeroBits(sign, f);
  return roundPack(sign, u.m, u.e, f);
}

/** Compares two non-NaN unpacked values: -1, 0, 1. */
function compareUnpacked(a: Unpacked, b: Unpacked): number {
  const va = valueKey(a), vb = valueKey(b);
  if (va.inf !== vb.inf) return va.inf < vb.inf ? -1 : 1;
  if (va.inf !== 0) return 0;
  const e = Math.min(a.e, b.e);
  const ma = a.cls === Cls.Zero ? 0n : (a.sign ? -a.m : a.m) << BigInt(a.e - e);
  const mb = b.cls === Cls.Zero ? 0n : (b.sign ? -b.m : b.m) << BigInt(b.e - e);
  return ma < mb ? -1 : ma > mb ? 1 : 0;
}
function valueKey(u: Unpacked): { inf: number } {
  return { inf: u.cls === Cls.Inf ? (u.sign ? -1 : 1) : 0 };
}

// ---- fast paths (round to nearest, normal operands, normal results) and lane entry points

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's constant
/** The exact error of a*b - RN(a*b) (operands and product well inside the normal range). */
function mulError(a: number, b: number, p: number): number {
  let c = SPLIT * a;
  const ah = c - (c - a), al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b), bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}
const SAFE_LO = 2 ** -900, SAFE_HI = 2 ** 900;

/** f64 lane: out[oi..] = a op b, a = x[xi], x[xi+1]; b = y[yi], y[yi+1] (words lo, hi). */
export function f64Binary(op: number, x: Uint32Array, xi: number, y: Uint32Array, yi: number, out: Uint32Array, oi: number): void {
  const alo = x[xi], ahi = x[xi + 1], blo = y[yi], bhi = y[yi + 1];
  const aexp = (ahi >>> 20) & 0x7ff, bexp = (bhi >>> 20) & 0x7ff;
  if ((op === OP_MIN || op === OP_MAX) && aexp !== 0x7ff && bexp !== 0x7ff && (aexp !== 0 || (ahi & 0xfffff) === 0 && alo === 0) && (bexp !== 0 || (bhi & 0xfffff) === 0 && blo === 0)) {
    // No NaN, no denormal: an ordinary comparison; ties (and ±0) give the second operand.
    const a = f64Of(alo, ahi), b = f64Of(blo, bhi);
    const first = op === OP_MIN ? a < b : a > b;
    out[oi] = first ? alo : blo;
    out[oi + 1] = first ? ahi : bhi;
    return;
  }
  if (op !== OP_MIN && op !== OP_MAX && (fp.mxcsr & 0x6000) === 0 && bexp !== 0 && bexp !== 0x7ff && ((aexp !== 0 && aexp !== 0x7ff) || op === OP_SQRT)) {
    const a = f64Of(alo, ahi), b = f64Of(blo, bhi);
    let r = 0, exact = true, ok = false;
    switch (op) {
      case OP_ADD:
      case OP_SUB: {
        const bb = op === OP_SUB ? -b : b;
        r = a + bb;
        const ab = Math.abs(r);
        if (ab >= 2.2250738585072014e-308 && ab !== Infinity) {
          const bv = r - a;
          exact = a - (r - bv) + (bb - bv) === 0;
          ok = true;
        }
        break;
      }
      case OP_MUL: {
        r = a * b;
        const ab = Math.abs(r);
        const aa = Math.abs(a), bb = Math.abs(b);
        // Veltkamp splitting and the partial products must stay clear of overflow and underflow
        if (ab > SAFE_LO && ab < SAFE_HI && aa > SAFE_LO && aa < SAFE_HI && bb > SAFE_LO && bb < SAFE_HI) {
          exact = mulError(a, b, r) === 0;
          ok = true;
        }
        break;
      }
      case OP_DIV: {
        r = a / b;
        const ab = Math.abs(r), bb = Math.abs(b), aa = Math.abs(a);
        // r * b recomputes a: all three must be far from underflow for the error term to be exact
        if (ab > SAFE_LO && ab < SAFE_HI && bb > SAFE_LO && bb < SAFE_HI && aa > SAFE_LO && aa < SAFE_HI) {
          const pr = r * b;
          exact = pr === a && mulError(r, b, pr) === 0;
          ok = true;
        }
        break;
      }
      case OP_SQRT:
        if (b > 0 && b > SAFE_LO && b < SAFE_HI) {
          r = Math.sqrt(b);
          const pr = r * r;
          exact = pr === b && mulError(r, r, pr) === 0;
          ok = true;
        }
        break;
    }
    if (ok) {
      if (!exact) fp.flags |= MX_PE;
      putF64(out, oi, r);
      return;
    }
  }
  const res = slowBinary(op, bits64(alo, ahi), op === OP_SQRT ? Cls.Zero : classify64(alo, ahi), bits64(blo, bhi), classify64(blo, bhi), F64);
  out[oi] = Number(res & 0xffffffffn);
  out[oi + 1] = Number(res >> 32n);
}

const F32_MIN_NORMAL = 2 ** -126, F32_MAX = 3.4028234663852886e38;

/** f32 lane: returns the bits of a op b (sqrt: of b). */
export function f32Binary(op: number, a: number, b: number): number {
  const aexp = (a >>> 23) & 0xff, bexp = (b >>> 23) & 0xff;
  if ((op === OP_MIN || op === OP_MAX) && aexp !== 0xff && bexp !== 0xff && (aexp !== 0 || (a & 0x7fffff) === 0) && (bexp !== 0 || (b & 0x7fffff) === 0)) {
    const fa = f32Of(a), fb = f32Of(b);
    return (op === OP_MIN ? fa < fb : fa > fb) ? a : b;
  }
  if (op !== OP_MIN && op !== OP_MAX && (fp.mxcsr & 0x6000) === 0 && bexp !== 0 && bexp !== 0xff && ((aexp !== 0 && aexp !== 0xff) || op === OP_SQRT)) {
    const fa = f32Of(a), fb = f32Of(b);
    let r = 0, exact = true;
    switch (op) {
      case OP_ADD:
      case OP_SUB: {
        const bb = op === OP_SUB ? -fb : fb;
        r = fa + bb;
        const bv = r - fa;
        exact = fa - (r - bv) + (bb - bv) === 0;
        break;
      }
      case OP_MUL:
        r = fa * fb; // exact in double: 24 + 24 bits
        break;
      case OP_DIV: {
        r = fa / fb;
        const pr = r * fb;
        exact = pr === fa && mulError(r, fb, pr) === 0;
        break;
      }
      case OP_SQRT:
        if (fb < 0) {
          r = NaN;
          break;
        }
        r = Math.sqrt(fb);
        break;
    }
    const rf = Math.fround(r);
    const ab = Math.abs(rf);
    if (ab >= F32_MIN_NORMAL && ab <= F32_MAX) {
      if (op === OP_SQRT) exact = rf * rf === fb;
      if (!exact || rf !== r) fp.flags |= MX_PE;
      return f32Bits(rf);
    }
  }
  const res = slowBinary(op, BigInt(a >>> 0), op === OP_SQRT ? Cls.Zero : classify32(a), BigInt(b >>> 0), classify32(b), F32);
  return Number(res);
}

// ---- comparisons

/** Result of comparing two lanes: 0 less, 1 equal, 2 greater, 3 unordered. Raises IE/DE as `signaling` says. */
function compareLane(ca: Cls, cb: Cls, a: () => Unpacked, b: () => Unpacked, signalingQNaN: boolean): number {
  if (ca === Cls.SNaN || cb === Cls.SNaN) {
    fp.flags |= MX_IE;
    return 3;
  }
  if (ca === Cls.QNaN || cb === Cls.QNaN) {
    if (signalingQNaN) fp.flags |= MX_IE;
    return 3;
  }
  const daz = (fp.mxcsr & MX_DAZ) !== 0;
  let ua = a(), ub = b();
  if (ua.cls === Cls.Sub) {
    if (daz) ua = { cls: Cls.Zero, sign: ua.sign, m: 0n, e: 0 };
    else fp.flags |= MX_DE;
  }
  if (ub.cls === Cls.Sub) {
    if (daz) ub = { cls: Cls.Zero, sign: ub.sign, m: 0n, e: 0 };
    else fp.flags |= MX_DE;
  }
  const c = compareUnpacked(ua, ub);
  return c < 0 ? 0 : c === 0 ? 1 : 2;
}

/** Compares f32 lanes (bits). */
export function f32Compare(a: number, b: number, signalingQNaN: boolean): number {
  const ca = classify32(a), cb = classify32(b);
  if ((ca === Cls.Normal || ca === Cls.Zero) && (cb === Cls.Normal || cb === Cls.Zero)) {
    const fa = f32Of(a), fb = f32Of(b);
    return fa < fb ? 0 : fa === fb ? 1 : 2;
  }
  return compareLane(ca, cb, () => unpackBits(BigInt(a >>> 0), F32, ca), () => unpackBits(BigInt(b >>> 0), F32, cb), signalingQNaN);
}
/** Compares f64 lanes (words). */
export function f64Compare(alo: number, ahi: number, blo: number, bhi: number, signalingQNaN: boolean): number {
  const ca = classify64(alo, ahi), cb = classify64(blo, bhi);
  if ((ca === Cls.Normal || ca === Cls.Zero || ca === Cls.Inf) && (cb === Cls.Normal || cb === Cls.Zero || cb === Cls.Inf)) {
    const fa = f64Of(alo, ahi), fb = f64Of(blo, bhi);
    return fa < fb ? 0 : fa === fb ? 1 : 2;
  }
  return compareLane(ca, cb, () => unpackBits(bits64(alo, ahi), F64, ca), () => unpackBits(bits64(blo, bhi), F64, cb), signalingQNaN);
}

/**
 * cmpps/cmppd/cmpss/cmpsd predicate (0-7 for SSE; 0-31 for VEX: 8-15 add the unordered/ordered variants and
 * FALSE/TRUE, 16-31 repeat 0-15 with the opposite QNaN signalling) applied to a comparison outcome
 * (0 less, 1 equal, 2 greater, 3 unordered).
 */
export function predicateHolds(pred: number, outcome: number): boolean {
  switch (pred & 15) {
    case 0: return outcome === 1; // EQ_OQ
    case 1: return outcome === 0; // LT_OS
    case 2: return outcome === 0 || outcome === 1; // LE_OS
    case 3: return outcome === 3; // UNORD_Q
    case 4: return outcome !== 1; // NEQ_UQ
    case 5: return outcome !== 0; // NLT_US
    case 6: return outcome === 2 || outcome === 3; // NLE_US
    case 7: return outcome !== 3; // ORD_Q
    case 8: return outcome === 1 || outcome === 3; // EQ_UQ
    case 9: return outcome === 0 || outcome === 3; // NGE_US
    case 10: return outcome !== 2; // NGT_US
    case 11: return false; // FALSE_OQ
    case 12: return outcome === 0 || outcome === 2; // NEQ_OQ
    case 13: return outcome === 1 || outcome === 2; // GE_OS
    case 14: return outcome === 2; // GT_OS
    default: return true; // TRUE_UQ
  }
}
/** Whether the predicate raises #IA on a QNaN operand (SNaN always does). */
export function predicateSignals(pred: number): boolean {
  const p = pred & 15;
  const signalling = p === 1 || p === 2 || p === 5 || p === 6 || p === 9 || p === 10 || p === 13 || p === 14;
  return pred & 16 ? !signalling : signalling;
}

// ---- conversions

/** Rounds a finite double to an integer under rounding control rc. */
export function roundToIntegral(x: number, rc: number): number {
  switch (rc) {
    case RC_NEAREST: {
      if (Math.abs(x) >= 4503599627370496) return x; // already an integer
      let r = Math.round(x);
      if (r - x === 0.5 && r % 2 !== 0) r -= 1;
      return r === 0 ? (x < 0 || Object.is(x, -0) ? -0 : 0) : r;
    }
    case RC_DOWN:
      return Math.floor(x);
    case RC_UP:
      return Math.ceil(x);
    default:
      return Math.trunc(x);
  }
}

/**
 * Float lane → signed integer of `width` bits (32 or 64): cvtss2si/cvtsd2si (MXCSR rounding) or the cvtt
 * forms (truncate). NaN or out of range: the integer indefinite (only the sign bit set) and IE.
 * Returns [lo, hi] words in `intOut`.
 */
export const intOut = new Uint32Array(2);
export function floatToInt(x: number, isNaN: boolean, isDenormal: boolean, width: 32 | 64, truncate: boolean): void {
  if (isDenormal && fp.mxcsr & MX_DAZ) x = 0;
  const r = isNaN ? NaN : roundToIntegral(x, truncate ? RC_ZERO : (fp.mxcsr >> 13) & 3);
  const limit = width === 32 ? 2147483648 : 9223372036854775808;
  if (!(r >= -limit && r < limit)) {
    fp.flags |= MX_IE;
    intOut[0] = width === 32 ? 0x80000000 : 0;
    intOut[1] = width === 32 ? 0 : 0x80000000;
    return;
  }
  if (r !== x) fp.flags |= MX_PE;
  if (width === 32) {
    intOut[0] = r | 0;
    intOut[1] = 0;
    return;
  }
  if (Math.abs(r) < 9007199254740992) {
    const hi = Math.floor(r / 4294967296);
    intOut[0] = (r - hi * 4294967296) >>> 0;
    intOut[1] = hi >>> 0;
    return;
  }
  const v = BigInt.asUintN(64, BigInt(r));
  intOut[0] = Number(v & 0xffffffffn);
  intOut[1] = Number(v >> 32n);
}

/** f32 lane (bits) → int32/int64 into intOut. */
export function f32ToInt(bits: number, width: 32 | 64, truncate: boolean): void {
  const c = classify32(bits);
  floatToInt(c === Cls.QNaN || c === Cls.SNaN ? NaN : f32Of(bits), c === Cls.QNaN || c === Cls.SNaN, c === Cls.Sub, width, truncate);
}
/** f64 lane (words) → int32/int64 into intOut. */
export function f64ToInt(lo: number, hi: number, width: 32 | 64, truncate: boolean): void {
  const c = classify64(lo, hi);
  floatToInt(c === Cls.QNaN || c === Cls.SNaN ? NaN : f64Of(lo, hi), c === Cls.QNaN || c === Cls.SNaN, c === Cls.Sub, width, truncate);
}

/** A signed integer (bigint) rounded to f32 bits under MXCSR. */
export function intToF32(v: bigint): number {
  if (v === 0n) return 0;
  const sign = v < 0n ? 1 : 0;
  return Number(roundPack(sign, sign ? -v : v, 0, F32));
}
/** int32 → f32 bits (fast when exact). */
export function int32ToF32(v: number): number {
  if (v >= -16777216 && v <= 16777216) return f32Bits(v);
  return intToF32(BigInt(v));
}
/** A signed integer (bigint) rounded to f64, written to out[oi..]. */
export function intToF64(v: bigint, out: Uint32Array, oi: number): void {
  if (v >= -9007199254740992n && v <= 9007199254740992n) {
    putF64(out, oi, Number(v));
    return;
  }
  const sign = v < 0n ? 1 : 0;
  const r = roundPack(sign, sign ? -v : v, 0, F64);
  out[oi] = Number(r & 0xffffffffn);
  out[oi + 1] = Number(r >> 32n);
}

/** cvtss2sd lane: exact widening; SNaN quieted with IE; denormal raises DE (or is zero under DAZ). */
export function f32ToF64(a: number, out: Uint32Array, oi: number): void {
  const c = classify32(a);
  if (c === Cls.QNaN || c === Cls.SNaN) {
    if (c === Cls.SNaN) fp.flags |= MX_IE;
    out[oi + 1] = (a & 0x80000000) | 0x7ff80000 | ((a & 0x3fffff) >>> 3);
    out[oi + 1] >>>= 0;
    out[oi] = (a << 29) >>> 0;
    return;
  }
  if (c === Cls.Sub) {
    if (fp.mxcsr & MX_DAZ) {
      out[oi] = 0;
      out[oi + 1] = (a & 0x80000000) >>> 0;
      return;
    }
    fp.flags |= MX_DE;
  }
  putF64(out, oi, f32Of(a));
}

/** cvtsd2ss lane: rounds under MXCSR; NaNs keep their top payload bits, quieted. */
export function f64ToF32(lo: number, hi: number): number {
  const c = classify64(lo, hi);
  if (c === Cls.QNaN || c === Cls.SNaN) {
    if (c === Cls.SNaN) fp.flags |= MX_IE;
    return ((hi & 0x80000000) | 0x7fc00000 | ((hi & 0x7ffff) << 3) | (lo >>> 29)) >>> 0;
  }
  if (c === Cls.Zero) return (hi & 0x80000000) >>> 0;
  if (c === Cls.Inf) return ((hi & 0x80000000) | 0x7f800000) >>> 0;
  if (c === Cls.Sub) {
    if (fp.mxcsr & MX_DAZ) return (hi & 0x80000000) >>> 0;
    fp.flags |= MX_DE;
  }
  const x = f64Of(lo, hi);
  if ((fp.mxcsr & 0x6000) === 0 && c === Cls.Normal) {
    const r = Math.fround(x);
    const ab = Math.abs(r);
    if (ab >= F32_MIN_NORMAL && ab <= F32_MAX) {
      if (r !== x) fp.flags |= MX_PE;
      return f32Bits(r);
    }
  }
  const u = unpackBits(bits64(lo, hi), F64, c);
  return Number(roundPack(u.sign, u.m, u.e, F32));
}

/** roundss/roundsd lane helpers (SSE4.1): round to an integral value in format, imm bits: 0-1 mode, 2 use MXCSR, 3 suppress PE. */
export function roundF64(lo: number, hi: number, imm: number, out: Uint32Array, oi: number): void {
  const c = classify64(lo, hi);
  if (c === Cls.QNaN || c === Cls.SNaN) {
    if (c === Cls.SNaN) fp.flags |= MX_IE;
    out[oi] = lo;
    out[oi + 1] = (hi | 0x80000) >>> 0;
    return;
  }
  let x = f64Of(lo, hi);
  if (c === Cls.Sub) {
    if (fp.mxcsr & MX_DAZ) x = hi & 0x80000000 ? -0 : 0; // no DE: round* does not report denormals
  }
  const rc = imm & 4 ? (fp.mxcsr >> 13) & 3 : imm & 3;
  let r = c === Cls.Inf || c === Cls.Zero ? x : roundToIntegral(x, rc);
  if (r === 0) r = x < 0 || Object.is(x, -0) ? -0 : 0;
  if (r !== x && !(imm & 8)) fp.flags |= MX_PE;
  putF64(out, oi, r);
}
export function roundF32(a: number, imm: number): number {
  const c = classify32(a);
  if (c === Cls.QNaN || c === Cls.SNaN) {
    if (c === Cls.SNaN) fp.flags |= MX_IE;
    return (a | 0x400000) >>> 0;
  }
  let x = f32Of(a);
  if (c === Cls.Sub) {
    if (fp.mxcsr & MX_DAZ) x = a & 0x80000000 ? -0 : 0; // no DE: round* does not report denormals
  }
  const rc = imm & 4 ? (fp.mxcsr >> 13) & 3 : imm & 3;
  let r = c === Cls.Inf || c === Cls.Zero ? x : roundToIntegral(x, rc);
  if (r === 0) r = x < 0 || Object.is(x, -0) ? -0 : 0;
  if (r !== x && !(imm & 8)) fp.flags |= MX_PE;
  return f32Bits(r);
}

// ---- fused multiply-add (FMA3, used by ops/fma.ts): one rounding of the exact a*b + c

/**
 * One lane of vfmadd/vfmsub/vfnmadd/vfnmsub: (±a*b) ± c computed exactly and rounded once under MXCSR, flags in
 * fp.flags. `nanOrder` lists the operands in NaN priority (a, b, c, measured on the host): the first NaN among them,
 * quieted, is the result. Bits in and out as bigint.
 */
export function fusedMulAdd(double: boolean, a: bigint, b: bigint, c: bigint, negProduct: boolean, negAddend: boolean, nanOrder: bigint[]): bigint {
  const f = double ? F64 : F32;
  const cls = (x: bigint) => (double ? classify64(Number(x & 0xffffffffn), Number(x >> 32n)) : classify32(Number(x)));
  const nanOf = (x: bigint) => {
    const k = cls(x);
    return k === Cls.QNaN || k === Cls.SNaN;
  };
  const quiet = 1n << BigInt(f.fracBits - 1);
  const indefinite = double ? BigInt(INDEF64_HI) << 32n : BigInt(INDEF32);
  if (nanOrder.some((x) => cls(x) === Cls.SNaN)) fp.flags |= MX_IE;
  const firstNaN = nanOrder.find(nanOf);
  const daz = (fp.mxcsr & MX_DAZ) !== 0;
  const unpack = (x: bigint) => {
    let k = cls(x);
    if (k === Cls.Sub && daz) k = Cls.Zero;
    const u = unpackBits(x, f, k);
    return k === Cls.Zero ? { cls: k, sign: u.sign, m: 0n, e: 0 } : u;
  };
  const ua = unpack(a), ub = unpack(b), uc = unpack(c);
  const pSign = ua.sign ^ ub.sign ^ (negProduct ? 1 : 0);
  const cSign = uc.sign ^ (negAddend ? 1 : 0);
  const pInf = ua.cls === Cls.Inf || ub.cls === Cls.Inf;
  const pInvalid = (ua.cls === Cls.Inf && ub.cls === Cls.Zero) || (ua.cls === Cls.Zero && ub.cls === Cls.Inf);
  // A NaN operand decides the result; inf * 0 + QNaN raises nothing (the host CPU: only an SNaN raises IE).
  if (firstNaN !== undefined) return firstNaN | quiet;
  if (pInvalid || (pInf && uc.cls === Cls.Inf && pSign !== cSign)) {
    fp.flags |= MX_IE;
    return indefinite;
  }
  if (!daz && [ua, ub, uc].some((u) => u.cls === Cls.Sub)) fp.flags |= MX_DE;
  if (pInf) return infBits(pSign, f);
  if (uc.cls === Cls.Inf) return infBits(cSign, f);
  const rc = (fp.mxcsr >> 13) & 3;
  const pm = ua.m * ub.m, pe = ua.e + ub.e;
  if (pm === 0n && uc.m === 0n) return zeroBits(pSign === cSign ? pSign : rc === RC_DOWN ? 1 : 0, f);
  if (pm === 0n) return roundPack(cSign, uc.m, uc.e, f);
  if (uc.m === 0n) return roundPack(pSign, pm, pe, f);
  const e = Math.min(pe, uc.e);
  const vp = (pm << BigInt(pe - e)) * (pSign ? -1n : 1n);
  const vc = (uc.m << BigInt(uc.e - e)) * (cSign ? -1n : 1n);
  const v = vp + vc;
  if (v === 0n) return zeroBits(rc === RC_DOWN ? 1 : 0, f);
  return roundPack(v < 0n ? 1 : 0, v < 0n ? -v : v, e, f);
}

// ---- half precision (F16C: vcvtph2ps, vcvtps2ph)

const F16: Fmt = { p: 11, emin: -14, emax: 15, bias: 15, fracBits: 10, expAll: 0x1f, width: 16 };

/** A half's bits as a single's bits: exact; an SNaN becomes its QNaN with IE. (DAZ does not apply to halves.) */
export function f16ToF32(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  if (exp === 0x1f) {
    if (frac === 0) return (sign | 0x7f800000) >>> 0;
    if (!(frac & 0x200)) fp.flags |= MX_IE;
    return (sign | 0x7fc00000 | (frac << 13)) >>> 0;
  }
  if (exp === 0) {
    if (frac === 0) return sign >>> 0;
    // Subnormal half: normalize into the single's range.
    let e = -14, m = frac;
    while (!(m & 0x400)) {
      m <<= 1;
      e--;
    }
    return (sign | ((e + 127) << 23) | ((m & 0x3ff) << 13)) >>> 0;
  }
  return (sign | ((exp - 15 + 127) << 23) | (frac << 13)) >>> 0;
}

/**
 * A single's bits rounded to a half's: rounding control `rc` (imm8[1:0]) or MXCSR's when `useMxcsr`; flags
 * IE (SNaN), DE (denormal input, unless DAZ flushes it), OE/UE/PE; FTZ does not apply to the half result.
 */
export function f32ToF16(bits: number, rc: number, useMxcsr: boolean): number {
  const cls = classify32(bits);
  const sign = (bits >>> 31) & 1;
  if (cls === Cls.QNaN || cls === Cls.SNaN) {
    if (cls === Cls.SNaN) fp.flags |= MX_IE;
    return (sign << 15) | 0x7e00 | ((bits >>> 13) & 0x3ff);
  }
  if (cls === Cls.Inf) return (sign << 15) | 0x7c00;
  if (cls === Cls.Zero || (cls === Cls.Sub && fp.mxcsr & MX_DAZ)) return sign << 15;
  if (cls === Cls.Sub) fp.flags |= MX_DE;
  const u = unpackBits(BigInt(bits >>> 0), F32, cls);
  const saved = fp.mxcsr;
  fp.mxcsr = (useMxcsr ? saved : (saved & ~0x6000) | (rc << 13)) & ~MX_FTZ;
  try {
    return Number(roundPack(sign, u.m, u.e, F16));
  } finally {
    fp.mxcsr = saved;
  }
}
