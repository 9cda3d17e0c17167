// x87 transcendentals: FSIN, FCOS, FSINCOS, FPTAN (exact reduction, C2 for |x| ≥ 2^63), FPATAN, F2XM1, FYL2X and
// FYL2XP1, computed to ~250 bits (float80-math.ts) and rounded once to 64 bits in the current rounding mode.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import * as F from '../float80.ts';
import { DE, Env, IE, INDEFINITE, Kind, kindOf, ZE, type F80 } from '../float80.ts';
import * as M from '../float80-math.ts';
import { SW_C2 } from '../x87-state.ts';
import { checkPending, finish, fopOf, note, overflow, unary, underflow } from './x87-common.ts';

const toBig = (v: F80): M.Big => {
  const x = F.exact(v);
  return { m: x.sign ? -x.sig : x.sig, e: x.e2 };
};
/** Rounds an irrational result (a sticky bit below the computed ones) to 64 bits. */
function deliverBig(env: Env, b: M.Big): F80 {
  if (b.m === 0n) return F.zero(0);
  const neg = b.m < 0n;
  return F.deliver(env, neg ? 1 : 0, ((neg ? -b.m : b.m) << 1n) | 1n, b.e - 1, 64);
}
const ONE = F.fromInteger(1n);

/**
 * The host CPU's FYL2X/FYL2XP1 behave as if log2 were first rounded to nearest at 68 bits (matches the host in
 * 98.4% of hard cases against 97.2% for the correctly rounded log; measured with y = 1 over 3,000 arguments).
 * The product with y is then exact and rounded once; picemu delivers it with no sticky bit.
 */
function round68(b: M.Big): M.Big {
  const neg = b.m < 0n;
  const mag = neg ? -b.m : b.m;
  const drop = mag.toString(2).length - 68;
  if (drop <= 0) return b;
  let q = mag >> BigInt(drop);
  if ((mag >> BigInt(drop - 1)) & 1n) q++;
  return { m: neg ? -q : q, e: b.e + drop };
}
/** Rounds y × L (L the 68-bit log) to 64 bits; a sticky bit below keeps it inexact (the host always reports PE). */
function deliverProduct(env: Env, y: M.Big, l: M.Big): F80 {
  const m = y.m * l.m;
  if (m === 0n) return F.zero(0);
  const neg = m < 0n;
  return F.deliver(env, neg ? 1 : 0, ((neg ? -m : m) << 1n) | 1n, y.e + l.e - 1, 64);
}

type Trig = 'sin' | 'cos' | 'sincos' | 'tan';

/** FSIN/FCOS/FSINCOS/FPTAN. The two-result forms leave ST(0) = second result and push the first... as the SDM orders them. */
function trig(kind: Trig) {
  const pushes = kind === 'sincos' || kind === 'tan';
  return (insn: Insn) => {
    const fop = fopOf(insn);
    return (c: Cpu) => {
      checkPending(c);
      const x = c.x87;
      const env = new Env(x.fcw);
      let c2 = 0;
      if (x.isEmpty(0)) {
        underflow(env);
        if (env.masked(IE)) {
          x.setSt(0, INDEFINITE);
          if (pushes) x.push(INDEFINITE);
        }
      } else if (pushes && !x.isEmpty(7)) {
        overflow(env);
        if (env.masked(IE)) {
          x.setSt(0, INDEFINITE);
          x.push(INDEFINITE);
        }
      } else {
        const v = x.st(0);
        const k = kindOf(v);
        let first: F80 | null = null, second: F80 | null = null; // ST(0) result, pushed result
        if (k === Kind.Unsupported || k === Kind.Infinity) {
          env.flags |= IE;
          first = second = INDEFINITE;
        } else if (F.isNaNKind(k)) {
          if (k === Kind.SNaN) env.flags |= IE;
          first = second = F.quiet(v);
        } else if (k === Kind.Zero) {
          if (kind === 'sin') first = v;
          else if (kind === 'cos') first = ONE;
          else if (kind === 'sincos') [first, second] = [v, ONE];
          else [first, second] = [v, ONE];
        } else {
          if (k === Kind.Denormal) env.flags |= DE;
          const e = F.exact(v);
          if (e.e2 + F.bitLength(e.sig) - 1 >= 63) c2 = 1;
          else if (!env.aborted) {
            // tiny arguments: sin x ≈ x − x³/6 sits ~x² from x, so work at 2·|log2 x| + 256 bits
            const { s, c: co } = M.withPrecision(256 + 2 * Math.max(0, -(e.e2 + F.bitLength(e.sig))), () => M.sinCos(toBig(v)));
            if (kind === 'sin') first = deliverBig(env, s);
            else if (kind === 'cos') first = deliverBig(env, co);
            else if (kind === 'sincos') {
              // both results round in one instruction: the flags and C1 of the pair
              const e1 = new Env(env.cw), e2 = new Env(env.cw);
              first = deliverBig(e1, s);
              second = deliverBig(e2, co);
              env.flags |= e1.flags | e2.flags;
              env.c1 = e1.c1; // the host CPU reports the sine's rounding in C1
            } else {
              first = deliverBig(env, M.div(s, co));
              second = ONE;
            }
          }
        }
        if (first && !env.aborted) {
          x.setSt(0, first);
          if (pushes) x.push(second!);
        }
      }
      finish(c, env);
      x.fsw = (x.fsw & ~SW_C2) | (c2 ? SW_C2 : 0);
      note(c, insn, fop, 0);
    };
  };
}

/** A two-operand instruction that replaces ST(1) and pops (FPATAN, FYL2X, FYL2XP1). */
function binaryPop(f: (env: Env, st0: F80, st1: F80) => F80) {
  return (insn: Insn) => {
    const fop = fopOf(insn);
    return (c: Cpu) => {
      checkPending(c);
      const x = c.x87;
      const env = new Env(x.fcw);
      let r: F80 = INDEFINITE;
      if (x.isEmpty(0) || x.isEmpty(1)) underflow(env);
      else r = f(env, x.st(0), x.st(1));
      if (!env.aborted) {
        x.setSt(1, r);
        x.pop();
      }
      finish(c, env);
      note(c, insn, fop, 0);
    };
  };
}

/** Shared operand screening: unsupported → IE; NaNs propagate; denormals flag DE. Returns a result or null. */
function screen(env: Env, a: F80, b: F80): F80 | null {
  const ka = kindOf(a), kb = kindOf(b);
  if (ka === Kind.Unsupported || kb === Kind.Unsupported) {
    env.flags |= IE;
    return INDEFINITE;
  }
  if (F.isNaNKind(ka) || F.isNaNKind(kb)) {
    if (ka === Kind.SNaN || kb === Kind.SNaN) env.flags |= IE;
    return F.pickNaN(a, b, ka, kb);
  }
  if (ka === Kind.Denormal || kb === Kind.Denormal) env.flags |= DE;
  return null;
}

/** An invalid operation: IE, and no DE (an invalid operand takes precedence, as on the host CPU). */
function invalid(env: Env): F80 {
  env.flags = (env.flags & ~DE) | IE;
  return INDEFINITE;
}

/** Rounds a multiple of π (num/den · π) with the sign given. */
function piTimes(env: Env, negative: boolean, num: number, den: number): F80 {
  const v = M.div(M.mul(M.PI, M.big(BigInt(num))), M.big(BigInt(den)));
  return deliverBig(env, negative ? M.neg(v) : v);
}

/** FPATAN: ST(1) = atan2(ST(1), ST(0)). */
function fpatan(env: Env, x: F80, y: F80): F80 {
  const s = screen(env, x, y);
  if (s) return s;
  if (env.aborted) return INDEFINITE;
  const kx = kindOf(x), ky = kindOf(y);
  const ny = F.signOf(y) === 1, nx = F.signOf(x) === 1;
  if (ky === Kind.Zero) return nx ? piTimes(env, ny, 1, 1) : F.zero(ny ? 1 : 0);
  if (ky === Kind.Infinity) {
    if (kx === Kind.Infinity) return piTimes(env, ny, nx ? 3 : 1, 4);
    return piTimes(env, ny, 1, 2);
  }
  if (kx === Kind.Zero) return piTimes(env, ny, 1, 2);
  if (kx === Kind.Infinity) return nx ? piTimes(env, ny, 1, 1) : F.zero(ny ? 1 : 0);
  const ex = F.exact(x), ey = F.exact(y);
  const ratioTop = ey.e2 + F.bitLength(ey.sig) - (ex.e2 + F.bitLength(ex.sig));
  return deliverBig(env, M.withPrecision(256 + 2 * Math.max(0, -ratioTop), () => M.atan2(toBig(y), toBig(x))));
}

/** F2XM1: ST(0) = 2^ST(0) − 1 (defined for −1 ≤ x ≤ 1). */
function f2xm1(env: Env, v: F80): F80 | null {
  const k = kindOf(v);
  if (k === Kind.Unsupported) {
    env.flags |= IE;
    return INDEFINITE;
  }
  if (F.isNaNKind(k)) {
    if (k === Kind.SNaN) env.flags |= IE;
    return F.quiet(v);
  }
  if (k === Kind.Zero) return v;
  if (k === Kind.Infinity) return F.signOf(v) ? F.fromInteger(-1n) : v;
  if (k === Kind.Denormal) env.flags |= DE;
  if (env.aborted) return null;
  const b = toBig(v);
  // Outside −1 ≤ x ≤ 1 the SDM leaves the result undefined; the host CPU returns x and sets PE. It also sets
  // PE for the exact ends (x = 1 gives 1 with C1 = 1, x = −1 gives −1/2).
  if (M.topBit(M.abs(b)) >= 0) {
    env.flags |= F.PE;
    // x = 1: the host's 2^x − 1 lies just below 1 (1 to nearest with C1 = 1, 0.99… toward zero or −∞)
    if (b.m === 1n << 63n && b.e === -63) return F.deliver(env, 0, (1n << 80n) - 1n, -80, 64);
    if (b.m === -(1n << 63n) && b.e === -63) return (env.c1 = 0), F.packExtended(1, 1n, -1);
    env.c1 = 0;
    return v;
  }
  return deliverBig(env, M.exp2m1(b));
}

/** FYL2X: ST(1) = ST(1) × log2(ST(0)). */
function fyl2x(env: Env, x: F80, y: F80): F80 {
  const kx = kindOf(x), ky = kindOf(y);
  const nx = F.signOf(x) === 1, ny = F.signOf(y) === 1;
  // a negative x is invalid before any denormal operand is reported (the host CPU's order)
  if (nx && kx !== Kind.Zero && kx !== Kind.Unsupported && !F.isNaNKind(kx) && !F.isNaNKind(ky) && ky !== Kind.Unsupported) {
    return invalid(env);
  }
  const s = screen(env, x, y);
  if (s) return s;
  if (kx === Kind.Zero) {
    // y × log2(0): no DE for a denormal y, as x / 0 (the host CPU)
    env.flags &= ~DE;
    if (ky === Kind.Zero) {
      return invalid(env);
    }
    if (ky !== Kind.Infinity) env.flags |= ZE;
    return F.infinity(ny ? 0 : 1);
  }
  if (env.aborted) return INDEFINITE;
  if (kx === Kind.Infinity) {
    if (ky === Kind.Zero) {
      return invalid(env);
    }
    return F.infinity(ny ? 1 : 0);
  }
  const lx = toBig(x);
  const isOne = lx.m === 1n << 63n && lx.e === -63;
  if (ky === Kind.Infinity) {
    if (isOne) {
      return invalid(env);
    }
    const below = M.topBit(lx) < 0;
    return F.infinity(ny !== below ? 1 : 0);
  }
  const below = M.topBit(lx) < 0;
  if (isOne) return F.zero(ny ? 1 : 0); // y × (+0)
  if (ky === Kind.Zero) return F.zero(ny !== below ? 1 : 0);
  return deliverProduct(env, toBig(y), round68(M.log2(lx)));
}

/** FYL2XP1: ST(1) = ST(1) × log2(ST(0) + 1) (defined for |x| < 1 − √2/2). */
function fyl2xp1(env: Env, x: F80, y: F80): F80 {
  const kx = kindOf(x), ky = kindOf(y);
  const nx = F.signOf(x) === 1, ny = F.signOf(y) === 1;
  // An invalid pair (0 × ∞, or x = −∞) is reported before a denormal operand is (the host CPU: no DE then).
  const plain = kx !== Kind.Unsupported && ky !== Kind.Unsupported && !F.isNaNKind(kx) && !F.isNaNKind(ky);
  if (plain && ((kx === Kind.Zero && ky === Kind.Infinity) || (kx === Kind.Infinity && (ky === Kind.Zero || nx)))) return invalid(env);
  const s = screen(env, x, y);
  if (s) return s;
  if (env.aborted) return INDEFINITE;
  if (kx === Kind.Zero) {
    if (ky === Kind.Infinity) {
      return invalid(env);
    }
    return F.zero(nx !== ny ? 1 : 0);
  }
  if (kx === Kind.Infinity || ky === Kind.Infinity) {
    if (ky === Kind.Zero || (kx === Kind.Infinity && nx)) {
      return invalid(env);
    }
    return F.infinity(nx !== ny ? 1 : 0);
  }
  const lx = toBig(x);
  if (ky === Kind.Zero) return F.zero(nx !== ny ? 1 : 0);
  // x ≤ −1: outside the domain (the SDM: undefined); the host CPU returns x itself and sets PE
  if (nx && M.topBit(lx) >= 0) {
    env.flags |= F.PE;
    env.c1 = 0;
    return x;
  }
  return deliverProduct(env, toBig(y), round68(M.log2p1(lx)));
}

export const handlers: HandlerDef[] = [
  { codes: ['Fsin'], build: trig('sin') },
  { codes: ['Fcos'], build: trig('cos') },
  { codes: ['Fsincos'], build: trig('sincos') },
  { codes: ['Fptan'], build: trig('tan') },
  { codes: ['Fpatan'], build: binaryPop(fpatan) },
  { codes: ['Fyl2x'], build: binaryPop(fyl2x) },
  { codes: ['Fyl2xp1'], build: binaryPop(fyl2xp1) },
  { codes: ['F2xm1'], build: unary(f2xm1) },
];
