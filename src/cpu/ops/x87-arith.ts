// x87 arithmetic: FADD/FSUB/FSUBR/FMUL/FDIV/FDIVR in every form (memory float/integer, ST(0)/ST(i) both ways,
// the popping forms), FSQRT, FSCALE, FXTRACT, FPREM/FPREM1, FRNDINT, FCHS and FABS.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import * as F from '../float80.ts';
import { DE, Env, IE, INDEFINITE, Kind, kindOf, ZE, type F80 } from '../float80.ts';
import { SW_C0, SW_C1, SW_C2, SW_C3 } from '../x87-state.ts';
import { checkPending, finish, fopOf, memEA, note, overflow, readInt, stOperand, unary, underflow } from './x87-common.ts';

type Op = 'add' | 'sub' | 'subr' | 'mul' | 'div' | 'divr';

/** dst op src with x87 precision control; `md`: the memory operand was a denormal in its own format. */
function compute(env: Env, op: Op, a: F80, b: F80, md = false): F80 {
  switch (op) {
    case 'add':
      return F.add(env, a, b, false, env.pc, md);
    case 'sub':
      return F.add(env, a, b, true, env.pc, md);
    case 'subr':
      return F.add(env, b, a, true, env.pc, md);
    case 'mul':
      return F.mul(env, a, b, env.pc, md);
    case 'div':
      return F.div(env, a, b, env.pc, md);
    case 'divr':
      return F.div(env, b, a, env.pc, md);
  }
}

/** ST(0) = ST(0) op m32fp/m64fp/m16int/m32int. */
function memoryForm(op: Op, source: 'single' | 'double' | 'int16' | 'int32') {
  return (insn: Insn) => {
    const ea = memEA(insn);
    const fop = fopOf(insn);
    return (c: Cpu) => {
      checkPending(c);
      const a = ea(c);
      let b: F80, md = false;
      if (source === 'single') ({ v: b, denormal: md } = F.fromBinaryRaw(BigInt(c.read32(a) >>> 0), 'single'));
      else if (source === 'double') ({ v: b, denormal: md } = F.fromBinaryRaw(readInt(c, a, 8, false), 'double'));
      else b = F.fromInteger(readInt(c, a, source === 'int16' ? 2 : 4, true));
      const x = c.x87;
      const env = new Env(x.fcw);
      if (x.isEmpty(0)) {
        underflow(env);
        if (env.masked(IE)) x.setSt(0, INDEFINITE);
      } else {
        const r = compute(env, op, x.st(0), b, md);
        if (!env.aborted) x.setSt(0, r);
      }
      finish(c, env);
      note(c, insn, fop, a);
    };
  };
}

/** ST(d) = ST(d) op ST(s), popping after with `pop`. */
function registerForm(op: Op, toSti: boolean, pop: boolean) {
  return (insn: Insn) => {
    const i = toSti ? stOperand(insn, 0) : stOperand(insn, 1);
    const d = toSti ? i : 0, s = toSti ? 0 : i;
    const fop = fopOf(insn);
    return (c: Cpu) => {
      checkPending(c);
      const x = c.x87;
      const env = new Env(x.fcw);
      let write = true;
      let r: F80 = INDEFINITE;
      if (x.isEmpty(d) || x.isEmpty(s)) {
        underflow(env);
        write = env.masked(IE);
      } else {
        r = compute(env, op, x.st(d), x.st(s));
        write = !env.aborted;
      }
      if (write) {
        x.setSt(d, r);
        if (pop) x.pop();
      }
      finish(c, env);
      note(c, insn, fop, 0);
    };
  };
}

/** FSCALE: ST(0) × 2^trunc(ST(1)). */
function fscale(env: Env, a: F80, b: F80): F80 {
  const ka = kindOf(a), kb = kindOf(b);
  if (ka === Kind.Unsupported || kb === Kind.Unsupported) {
    env.flags |= IE;
    return INDEFINITE;
  }
  if (F.isNaNKind(ka) || F.isNaNKind(kb)) {
    if (ka === Kind.SNaN || kb === Kind.SNaN) env.flags |= IE;
    return F.pickNaN(a, b, ka, kb);
  }
  if (kb === Kind.Infinity) {
    const up = F.signOf(b) === 0;
    if ((up && ka === Kind.Zero) || (!up && ka === Kind.Infinity)) {
      env.flags |= IE;
      return INDEFINITE;
    }
    if (ka === Kind.Denormal) env.flags |= DE;
    if (ka === Kind.Zero || ka === Kind.Infinity) return a;
    return up ? F.infinity(F.signOf(a)) : F.zero(F.signOf(a));
  }
  if (ka === Kind.Denormal || kb === Kind.Denormal) env.flags |= DE;
  if (env.aborted) return INDEFINITE;
  if (ka === Kind.Zero || ka === Kind.Infinity) return a;
  let n = 0;
  if (kb !== Kind.Zero) {
    const y = F.exact(b);
    const top = y.e2 + F.bitLength(y.sig) - 1;
    n = top > 20 ? 1 << 20 : y.e2 >= 0 ? Number(y.sig) * 2 ** y.e2 : Number(y.sig >> BigInt(-y.e2));
    if (y.sign) n = -n;
  }
  const x = F.exact(a);
  return F.deliver(env, x.sign, x.sig, x.e2 + n, 64);
}

/** FPREM (truncated quotient) and FPREM1 (IEEE, nearest quotient): partial remainders for large exponent gaps. */
function fprem(ieee: boolean) {
  return (insn: Insn) => {
    const fop = fopOf(insn);
    return (c: Cpu) => {
      checkPending(c);
      const x = c.x87;
      const env = new Env(x.fcw);
      let cc: number | null = null; // new C3 C2 C1 C0 bits, or null to leave C0/C2/C3
      if (x.isEmpty(0) || x.isEmpty(1)) {
        underflow(env);
        if (env.masked(IE)) x.setSt(0, INDEFINITE);
      } else {
        const a = x.st(0), b = x.st(1);
        const ka = kindOf(a), kb = kindOf(b);
        let r: F80 | null = null;
        if (ka === Kind.Unsupported || kb === Kind.Unsupported) {
          env.flags |= IE;
          r = INDEFINITE;
        } else if (F.isNaNKind(ka) || F.isNaNKind(kb)) {
          if (ka === Kind.SNaN || kb === Kind.SNaN) env.flags |= IE;
          r = F.pickNaN(a, b, ka, kb);
        } else if (ka === Kind.Infinity || kb === Kind.Zero) {
          env.flags |= IE;
          r = INDEFINITE;
        } else {
          if (ka === Kind.Denormal || kb === Kind.Denormal) env.flags |= DE;
          if (ka === Kind.Zero || kb === Kind.Infinity) {
            r = a;
            cc = 0;
          } else if (!env.aborted) {
            const p = F.exact(a), q = F.exact(b);
            const ea = p.e2 + F.bitLength(p.sig) - 1, eb = q.e2 + F.bitLength(q.sig) - 1;
            const d = ea - eb;
            if (d < 64) {
              // exact: a = sig_a·2^ea2, b = sig_b·2^eb2; work on a common scale
              const e = Math.min(p.e2, q.e2);
              const na = p.sig << BigInt(p.e2 - e), nb = q.sig << BigInt(q.e2 - e);
              let quo = na / nb;
              let rem = na - quo * nb;
              if (ieee && rem !== 0n) {
                const twice = 2n * rem;
                if (twice > nb || (twice === nb && (quo & 1n) === 1n)) {
                  quo += 1n;
                  rem -= nb;
                }
              }
              const sign = rem < 0n ? 1 - p.sign : p.sign;
              const mag = rem < 0n ? -rem : rem;
              r = mag === 0n ? F.zero(p.sign) : F.deliver(env, sign, mag, e, 64);
              const qn = Number(quo & 7n);
              cc = (qn & 4 ? SW_C0 : 0) | (qn & 2 ? SW_C3 : 0) | (qn & 1 ? SW_C1 : 0);
            } else {
              const n = (d & 31) | 32;
              const shift = d - n;
              const e = Math.min(p.e2, q.e2 + shift);
              const na = p.sig << BigInt(p.e2 - e), nb = q.sig << BigInt(q.e2 + shift - e);
              const quo = na / nb;
              const rem = na - quo * nb;
              r = rem === 0n ? F.zero(p.sign) : F.deliver(env, p.sign, rem, e, 64);
              void quo;
              cc = SW_C2; // C0, C1 and C3 cleared: the SDM leaves them undefined, the host CPU clears them
            }
          }
        }
        if (r && !env.aborted) x.setSt(0, r);
      }
      finish(c, env);
      if (cc !== null) x.fsw = (x.fsw & ~(SW_C0 | SW_C1 | SW_C2 | SW_C3)) | cc;
      else x.fsw &= ~SW_C2;
      note(c, insn, fop, 0);
    };
  };
}

/** FXTRACT: ST(0) becomes its exponent (unbiased, as a value) and the significand (exponent 0) is pushed. */
function fxtract(insn: Insn) {
  const fop = fopOf(insn);
  return (c: Cpu) => {
    checkPending(c);
    const x = c.x87;
    const env = new Env(x.fcw);
    if (x.isEmpty(0)) {
      underflow(env);
      if (env.masked(IE)) {
        x.setSt(0, INDEFINITE);
        x.push(INDEFINITE);
      }
    } else if (!x.isEmpty(7)) {
      overflow(env);
      if (env.masked(IE)) {
        x.setSt(0, INDEFINITE);
        x.push(INDEFINITE);
      }
    } else {
      const a = x.st(0);
      const k = kindOf(a);
      let e: F80, s: F80;
      if (k === Kind.Unsupported) {
        env.flags |= IE;
        e = s = INDEFINITE;
      } else if (F.isNaNKind(k)) {
        if (k === Kind.SNaN) env.flags |= IE;
        e = s = F.quiet(a);
      } else if (k === Kind.Infinity) {
        e = F.infinity(0);
        s = a;
      } else if (k === Kind.Zero) {
        env.flags |= ZE;
        e = F.infinity(1);
        s = a;
      } else {
        if (k === Kind.Denormal) env.flags |= DE;
        const v = F.exact(a);
        const top = v.e2 + F.bitLength(v.sig) - 1;
        e = F.fromInteger(BigInt(top));
        s = F.packExtended(v.sign, v.sig, v.e2 - top);
      }
      if (!env.aborted) {
        x.setSt(0, e);
        x.push(s);
      }
    }
    finish(c, env);
    note(c, insn, fop, 0);
  };
}

/** FSCALE's two-register form as a handler. */
function fscaleHandler(insn: Insn) {
  const fop = fopOf(insn);
  return (c: Cpu) => {
    checkPending(c);
    const x = c.x87;
    const env = new Env(x.fcw);
    if (x.isEmpty(0) || x.isEmpty(1)) {
      underflow(env);
      if (env.masked(IE)) x.setSt(0, INDEFINITE);
    } else {
      const r = fscale(env, x.st(0), x.st(1));
      if (!env.aborted) x.setSt(0, r);
    }
    finish(c, env);
    note(c, insn, fop, 0);
  };
}

const OPS: Op[] = ['add', 'sub', 'subr', 'mul', 'div', 'divr'];

export const handlers: HandlerDef[] = [
  ...OPS.flatMap((n): HandlerDef[] => {
    const op = n;
    return [
      { codes: [`F${n}_m32fp`], build: memoryForm(op, 'single') },
      { codes: [`F${n}_m64fp`], build: memoryForm(op, 'double') },
      { codes: [`Fi${n}_m16int`], build: memoryForm(op, 'int16') },
      { codes: [`Fi${n}_m32int`], build: memoryForm(op, 'int32') },
      { codes: [`F${n}_st0_sti`], build: registerForm(op, false, false) },
      { codes: [`F${n}_sti_st0`], build: registerForm(op, true, false) },
      { codes: [`F${n}p_sti_st0`], build: registerForm(op, true, true) },
    ];
  }),
  { codes: ['Fsqrt'], build: unary((env, v) => F.sqrt(env, v)) },
  { codes: ['Frndint'], build: unary((env, v) => F.roundToIntegral(env, v)) },
  { codes: ['Fchs'], build: unary((env, v) => ((env.c1 = 0), F.negate(v))) },
  { codes: ['Fabs'], build: unary((env, v) => ((env.c1 = 0), { se: v.se & 0x7fff, m: v.m })) },
  { codes: ['Fscale'], build: fscaleHandler },
  { codes: ['Fxtract'], build: fxtract },
  { codes: ['Fprem'], build: fprem(false) },
  { codes: ['Fprem1'], build: fprem(true) },
];
