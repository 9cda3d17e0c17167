// x87 data movement: FLD/FST/FSTP (float32/64/80 and registers), FILD/FIST/FISTP/FISTTP (int16/32/64),
// FBLD/FBSTP (packed BCD), the constants (FLD1, FLDZ, FLDPI, ... rounded per RC), FXCH, FFREE(P),
// FINCSTP/FDECSTP, FCMOVcc and FNOP.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import * as F from '../float80.ts';
import { Env, IE, INDEFINITE, type F80 } from '../float80.ts';
import { PARITY } from '../state.ts';
import { checkPending, finish, fopOf, memEA, note, overflow, read80, readInt, stOperand, underflow, write80, writeInt } from './x87-common.ts';

/** Pushes v (stack overflow when ST(7) is in use: IE, SF, C1 = 1, the indefinite when masked). */
function pushChecked(c: Cpu, env: Env, v: F80): void {
  const x = c.x87;
  if (!x.isEmpty(7)) {
    overflow(env);
    if (env.masked(IE)) x.push(INDEFINITE);
    return;
  }
  if (!(env.flags & ~env.cw & IE)) x.push(v); // an unmasked DE (denormal float32/64) still loads
}

/** FLD/FILD/FBLD from memory: read (may fault) then push. */
function loadMemory(read: (c: Cpu, a: number, env: Env) => F80) {
  return (insn: Insn) => {
    const ea = memEA(insn);
    const fop = fopOf(insn);
    return (c: Cpu) => {
      checkPending(c);
      const a = ea(c);
      const env = new Env(c.x87.fcw);
      const v = read(c, a, env);
      if (!c.x87.isEmpty(7)) env.flags &= ~F.DE; // the stack fault comes first
      pushChecked(c, env, v);
      finish(c, env);
      note(c, insn, fop, a);
    };
  };
}

function fldSt(insn: Insn) {
  const i = stOperand(insn, 0);
  const fop = fopOf(insn);
  return (c: Cpu) => {
    checkPending(c);
    const x = c.x87;
    const env = new Env(x.fcw);
    if (x.isEmpty(i)) {
      underflow(env); // the indefinite is pushed without a stack-overflow check
      if (env.masked(IE)) x.push(INDEFINITE);
    } else pushChecked(c, env, x.st(i));
    finish(c, env);
    note(c, insn, fop, 0);
  };
}

/** A value to bytes in memory, or null when an unmasked exception cancels the store. */
type Store = (env: Env, v: F80) => bigint | null;

/** FST/FSTP/FIST/FISTP/FISTTP/FBSTP to memory: the value is converted, memory written, then the stack popped. */
function storeMemory(bytes: number, convert: Store, indefinite: bigint, pop: boolean) {
  return (insn: Insn) => {
    const ea = memEA(insn);
    const fop = fopOf(insn);
    return (c: Cpu) => {
      checkPending(c);
      const a = ea(c);
      const x = c.x87;
      const env = new Env(x.fcw);
      let out: bigint | null;
      if (x.isEmpty(0)) {
        underflow(env);
        out = env.masked(IE) ? indefinite : null;
      } else out = convert(env, x.st(0));
      if (out !== null) {
        if (bytes === 10) {
          write80(c, a, { m: out & 0xffffffffffffffffn, se: Number(out >> 64n) });
        } else writeInt(c, a, bytes, out);
        if (pop) x.pop();
      }
      finish(c, env);
      note(c, insn, fop, a);
    };
  };
}

function stSt(pop: boolean) {
  return (insn: Insn) => {
    const i = stOperand(insn, 0);
    const fop = fopOf(insn);
    return (c: Cpu) => {
      checkPending(c);
      const x = c.x87;
      const env = new Env(x.fcw);
      if (x.isEmpty(0)) {
        underflow(env);
        if (env.masked(IE)) {
          x.setSt(i, INDEFINITE);
          if (pop) x.pop();
        }
      } else {
        env.c1 = 0;
        x.setSt(i, x.st(0));
        if (pop) x.pop();
      }
      finish(c, env);
      note(c, insn, fop, 0);
    };
  };
}

/** D9 D8+i (FSTP1, "no check"): copies ST(0) to ST(i) and pops without a stack-underflow check (the host CPU). */
function fstp1(insn: Insn) {
  const i = stOperand(insn, 0);
  const fop = fopOf(insn);
  return (c: Cpu) => {
    checkPending(c);
    const x = c.x87;
    const wasValid = !x.isEmpty(0);
    x.setSt(i, x.st(0));
    if (!wasValid && i !== 0) x.valid &= ~(1 << x.phys(i));
    x.pop();
    x.fsw &= ~0x200;
    note(c, insn, fop, 0);
  };
}

const raw80 = (v: F80): bigint => (BigInt(v.se) << 64n) | v.m;

// ---- packed BCD --------------------------------------------------------------------------------------------------

function readBcd(c: Cpu, a: number): F80 {
  const b = new Uint8Array(10);
  c.readBytes(a, 10, b, 0);
  let v = 0n;
  for (let i = 8; i >= 0; i--) v = v * 100n + BigInt((b[i] >> 4) * 10 + (b[i] & 15));
  const neg = (b[9] & 0x80) !== 0;
  if (v === 0n) return F.zero(neg ? 1 : 0);
  return F.fromInteger(neg ? -v : v);
}

const BCD_INDEFINITE = 0xffffc000000000000000n;

function toBcd(env: Env, v: F80): bigint | null {
  const k = F.kindOf(v);
  if (k === F.Kind.Infinity || k === F.Kind.Unsupported || F.isNaNKind(k)) {
    env.flags |= IE;
    return env.masked(IE) ? BCD_INDEFINITE : null;
  }
  const neg = F.signOf(v);
  let n = 0n;
  if (k !== F.Kind.Zero) {
    const t = new Env(env.cw | 0x3f); // all masked: the value and its flags, merged below
    const r = F.toInteger(t, v, 80, false)!;
    n = r < 0n ? -r : r;
    if (n > 999999999999999999n) {
      env.flags |= IE;
      return env.masked(IE) ? BCD_INDEFINITE : null;
    }
    env.flags |= t.flags;
    env.c1 = t.c1;
    if (env.aborted) return null;
  }
  let out = 0n;
  for (let i = 0; i < 18; i++) {
    out |= (n % 10n) << BigInt(4 * i);
    n /= 10n;
  }
  return out | (BigInt(neg) << 79n);
}

// ---- constants ---------------------------------------------------------------------------------------------------

/** 192 bits of each constant (truncated; the true value lies strictly above), and the exponent of the last bit. */
const CONSTANTS: Record<string, [bigint, number]> = {
  Fldpi: [0xc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74n, -190],
  Fldl2t: [0xd49a784bcd1b8afe492bf6ff4dafdb4cd96c55fe37b3ad4en, -190],
  Fldl2e: [0xb8aa3b295c17f0bbbe87fed0691d3e88eb577aa8dd695a58n, -191],
  Fldlg2: [0x9a209a84fbcff7988f8959ac0b7c917826ad30c543d1f349n, -193],
  Fldln2: [0xb17217f7d1cf79abc9e3b39803f2f6af40f343267298b62dn, -192],
};

function constant(name: string) {
  return (insn: Insn) => {
    const fop = fopOf(insn);
    const exact = CONSTANTS[name];
    return (c: Cpu) => {
      checkPending(c);
      const env = new Env(c.x87.fcw);
      let v: F80;
      if (name === 'Fld1') v = F.fromInteger(1n);
      else if (name === 'Fldz') v = F.ZERO;
      else {
        const r = F.roundUnbounded(0, (exact[0] << 1n) | 1n, exact[1] - 1, 64, env.rc);
        v = F.packExtended(0, r.sig, r.e);
      }
      env.c1 = 0;
      pushChecked(c, env, v);
      finish(c, env);
      note(c, insn, fop, 0);
    };
  };
}

// ---- register moves ----------------------------------------------------------------------------------------------

function fxch(insn: Insn) {
  const i = stOperand(insn, 1);
  const fop = fopOf(insn);
  return (c: Cpu) => {
    checkPending(c);
    const x = c.x87;
    const env = new Env(x.fcw);
    env.c1 = 0;
    if (x.isEmpty(0) || x.isEmpty(i)) {
      underflow(env);
      if (env.masked(IE)) {
        const a = x.isEmpty(0) ? INDEFINITE : x.st(0);
        const b = x.isEmpty(i) ? INDEFINITE : x.st(i);
        x.setSt(0, b);
        x.setSt(i, a);
      }
    } else {
      const a = x.st(0);
      x.setSt(0, x.st(i));
      x.setSt(i, a);
    }
    finish(c, env);
    note(c, insn, fop, 0);
  };
}

function ffree(pop: boolean) {
  return (insn: Insn) => {
    const i = stOperand(insn, 0);
    const fop = fopOf(insn);
    return (c: Cpu) => {
      checkPending(c);
      const x = c.x87;
      x.valid &= ~(1 << x.phys(i));
      if (pop) x.top = (x.top + 1) & 7;
      x.fsw &= ~0x200; // C1 cleared (the host CPU does; the SDM says undefined)
      note(c, insn, fop, 0);
    };
  };
}

function stackPointer(delta: number) {
  return (insn: Insn) => {
    const fop = fopOf(insn);
    return (c: Cpu) => {
      checkPending(c);
      const x = c.x87;
      x.top = (x.top + delta) & 7;
      x.fsw &= ~0x200; // C1
      note(c, insn, fop, 0);
    };
  };
}

const CF = (c: Cpu) => c.cf === 1;
const ZF = (c: Cpu) => c.zr === 0;
const PF = (c: Cpu) => PARITY[c.pr & 0xff] === 1;
const CONDITIONS: Record<string, (c: Cpu) => boolean> = {
  b: CF,
  e: ZF,
  be: (c) => CF(c) || ZF(c),
  u: PF,
  nb: (c) => !CF(c),
  ne: (c) => !ZF(c),
  nbe: (c) => !CF(c) && !ZF(c),
  nu: (c) => !PF(c),
};

function fcmov(cond: (c: Cpu) => boolean) {
  return (insn: Insn) => {
    const i = stOperand(insn, 1);
    const fop = fopOf(insn);
    return (c: Cpu) => {
      checkPending(c);
      const x = c.x87;
      const env = new Env(x.fcw);
      env.c1 = (x.fsw >> 9) & 1; // C1 is left as it was, but for a stack underflow
      if (x.isEmpty(0) || x.isEmpty(i)) {
        underflow(env);
        if (env.masked(IE)) x.setSt(0, INDEFINITE);
      } else if (cond(c)) x.setSt(0, x.st(i));
      finish(c, env);
      note(c, insn, fop, 0);
    };
  };
}

function fnop(insn: Insn) {
  const fop = fopOf(insn);
  return (c: Cpu) => {
    checkPending(c);
    note(c, insn, fop, 0);
  };
}

const single = (env: Env, v: F80) => F.toBinary(env, v, 'single');
const double = (env: Env, v: F80) => F.toBinary(env, v, 'double');
const integer = (bits: number, truncate: boolean) => (env: Env, v: F80) => F.toInteger(env, v, bits, truncate);

export const handlers: HandlerDef[] = [
  { codes: ['Fld_m32fp'], build: loadMemory((c, a, env) => F.fromBinary(env, BigInt(c.read32(a) >>> 0), 'single')) },
  { codes: ['Fld_m64fp'], build: loadMemory((c, a, env) => F.fromBinary(env, readInt(c, a, 8, false), 'double')) },
  { codes: ['Fld_m80fp'], build: loadMemory((c, a) => read80(c, a)) },
  { codes: ['Fild_m16int'], build: loadMemory((c, a) => F.fromInteger(readInt(c, a, 2, true))) },
  { codes: ['Fild_m32int'], build: loadMemory((c, a) => F.fromInteger(readInt(c, a, 4, true))) },
  { codes: ['Fild_m64int'], build: loadMemory((c, a) => F.fromInteger(readInt(c, a, 8, true))) },
  { codes: ['Fbld_m80bcd'], build: loadMemory((c, a) => readBcd(c, a)) },
  { codes: ['Fld_sti'], build: fldSt },
  { codes: ['Fst_m32fp'], build: storeMemory(4, single, 0xffc00000n, false) },
  { codes: ['Fstp_m32fp'], build: storeMemory(4, single, 0xffc00000n, true) },
  { codes: ['Fst_m64fp'], build: storeMemory(8, double, 0xfff8000000000000n, false) },
  { codes: ['Fstp_m64fp'], build: storeMemory(8, double, 0xfff8000000000000n, true) },
  { codes: ['Fstp_m80fp'], build: storeMemory(10, (_env, v) => raw80(v), raw80(INDEFINITE), true) },
  { codes: ['Fist_m16int'], build: storeMemory(2, integer(16, false), 0x8000n, false) },
  { codes: ['Fistp_m16int'], build: storeMemory(2, integer(16, false), 0x8000n, true) },
  { codes: ['Fist_m32int'], build: storeMemory(4, integer(32, false), 0x80000000n, false) },
  { codes: ['Fistp_m32int'], build: storeMemory(4, integer(32, false), 0x80000000n, true) },
  { codes: ['Fistp_m64int'], build: storeMemory(8, integer(64, false), 0x8000000000000000n, true) },
  { codes: ['Fisttp_m16int'], build: storeMemory(2, integer(16, true), 0x8000n, true), feature: 'sse3' },
  { codes: ['Fisttp_m32int'], build: storeMemory(4, integer(32, true), 0x80000000n, true), feature: 'sse3' },
  { codes: ['Fisttp_m64int'], build: storeMemory(8, integer(64, true), 0x8000000000000000n, true), feature: 'sse3' },
  { codes: ['Fbstp_m80bcd'], build: storeMemory(10, toBcd, BCD_INDEFINITE, true) },
  { codes: ['Fst_sti'], build: stSt(false) },
  { codes: ['Fstp_sti', 'Fstp_sti_DFD0', 'Fstp_sti_DFD8'], build: stSt(true) },
  { codes: ['Fstpnce_sti'], build: fstp1 },
  ...['Fld1', 'Fldz', 'Fldpi', 'Fldl2t', 'Fldl2e', 'Fldlg2', 'Fldln2'].map((n) => ({ codes: [n], build: constant(n) })),
  { codes: ['Fxch_st0_sti', 'Fxch_st0_sti_DDC8', 'Fxch_st0_sti_DFC8'], build: fxch },
  { codes: ['Ffree_sti'], build: ffree(false) },
  { codes: ['Ffreep_sti'], build: ffree(true) },
  { codes: ['Fincstp'], build: stackPointer(1) },
  { codes: ['Fdecstp'], build: stackPointer(-1) },
  ...Object.entries(CONDITIONS).map(([cc, f]) => ({ codes: [`Fcmov${cc}_st0_sti`], build: fcmov(f) })),
  { codes: ['Fnop'], build: fnop },
];
