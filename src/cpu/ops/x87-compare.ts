// x87 comparisons: FCOM/FCOMP/FCOMPP, FUCOM/FUCOMP/FUCOMPP, FICOM/FICOMP (condition codes C3 C2 C0),
// FCOMI/FCOMIP/FUCOMI/FUCOMIP (ZF PF CF), FTST and FXAM.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import * as F from '../float80.ts';
import { Env, IE, Kind, type F80 } from '../float80.ts';
import { SW_C0, SW_C1, SW_C2, SW_C3 } from '../x87-state.ts';
import { checkPending, finish, fopOf, memEA, note, readInt, stOperand, underflow } from './x87-common.ts';

type Result = 'lt' | 'eq' | 'gt' | 'un';
const CODES: Record<Result, number> = { gt: 0, lt: SW_C0, eq: SW_C3, un: SW_C0 | SW_C2 | SW_C3 };

/** Where a comparison's result goes: the condition codes, or ZF/PF/CF (FCOMI). */
function deliver(c: Cpu, r: Result, toEflags: boolean): void {
  if (toEflags) {
    c.zr = r === 'eq' || r === 'un' ? 0 : 1;
    c.pr = r === 'un' ? 0 : 1; // PF = parity of pr's low byte: 0 has even parity (PF=1)
    c.cf = r === 'lt' || r === 'un' ? 1 : 0;
    c.of = 0;
    c.sr = 0;
    c.ar = 0;
  } else {
    const x = c.x87;
    x.fsw = (x.fsw & ~(SW_C0 | SW_C2 | SW_C3)) | CODES[r];
  }
}

interface CompareForm {
  /** Second operand: ST(i) from operand 1, a memory operand, or zero (FTST). */
  source: 'st' | 'single' | 'double' | 'int16' | 'int32' | 'zero';
  quiet: boolean;
  pops: number;
  toEflags: boolean;
}

function compareForm(f: CompareForm) {
  return (insn: Insn) => {
    const i = f.source === 'st' ? (insn.ops.length > 1 ? stOperand(insn, 1) : insn.ops.length === 1 ? stOperand(insn, 0) : 1) : 0;
    const ea = f.source !== 'st' && f.source !== 'zero' ? memEA(insn) : null;
    const fop = fopOf(insn);
    return (c: Cpu) => {
      checkPending(c);
      let a = 0;
      let b: F80 = F.ZERO, md = false;
      if (ea) {
        a = ea(c);
        if (f.source === 'single') ({ v: b, denormal: md } = F.fromBinaryRaw(BigInt(c.read32(a) >>> 0), 'single'));
        else if (f.source === 'double') ({ v: b, denormal: md } = F.fromBinaryRaw(readInt(c, a, 8, false), 'double'));
        else b = F.fromInteger(readInt(c, a, f.source === 'int16' ? 2 : 4, true));
      }
      const x = c.x87;
      const env = new Env(x.fcw);
      env.c1 = f.toEflags ? (x.fsw >> 9) & 1 : 0; // FCOMI leaves C1 but for a stack underflow
      let r: Result;
      if (x.isEmpty(0) || (f.source === 'st' && x.isEmpty(i))) {
        underflow(env);
        r = 'un';
      } else {
        if (f.source === 'st') b = x.st(i);
        r = F.compare(env, x.st(0), b, f.quiet);
        if (md && !(env.flags & IE) && r !== 'un') env.flags |= F.DE;
      }
      // The host CPU writes the result even when an unmasked exception cancels the pops.
      deliver(c, r, f.toEflags);
      if (!env.aborted) for (let k = 0; k < f.pops; k++) x.pop();
      finish(c, env);
      note(c, insn, fop, a);
    };
  };
}

/** FXAM: the class of ST(0) in C3 C2 C0, its sign in C1 (empty registers too). */
function fxam(insn: Insn) {
  const fop = fopOf(insn);
  return (c: Cpu) => {
    checkPending(c);
    const x = c.x87;
    const v = x.st(0);
    let cc: number;
    if (x.isEmpty(0)) cc = SW_C3 | SW_C0;
    else {
      switch (F.kindOf(v)) {
        case Kind.Unsupported:
          cc = 0;
          break;
        case Kind.QNaN:
        case Kind.SNaN:
          cc = SW_C0;
          break;
        case Kind.Normal:
          cc = SW_C2;
          break;
        case Kind.Infinity:
          cc = SW_C2 | SW_C0;
          break;
        case Kind.Zero:
          cc = SW_C3;
          break;
        case Kind.Denormal:
          cc = SW_C3 | SW_C2;
          break;
      }
    }
    x.fsw = (x.fsw & ~(SW_C0 | SW_C1 | SW_C2 | SW_C3)) | cc | (v.se & 0x8000 ? SW_C1 : 0);
    note(c, insn, fop, 0);
  };
}

const st = (quiet: boolean, pops: number, toEflags = false): CompareForm => ({ source: 'st', quiet, pops, toEflags });
const mem = (source: CompareForm['source'], pops: number): CompareForm => ({ source, quiet: false, pops, toEflags: false });

export const handlers: HandlerDef[] = [
  { codes: ['Fcom_m32fp'], build: compareForm(mem('single', 0)) },
  { codes: ['Fcomp_m32fp'], build: compareForm(mem('single', 1)) },
  { codes: ['Fcom_m64fp'], build: compareForm(mem('double', 0)) },
  { codes: ['Fcomp_m64fp'], build: compareForm(mem('double', 1)) },
  { codes: ['Ficom_m16int'], build: compareForm(mem('int16', 0)) },
  { codes: ['Ficomp_m16int'], build: compareForm(mem('int16', 1)) },
  { codes: ['Ficom_m32int'], build: compareForm(mem('int32', 0)) },
  { codes: ['Ficomp_m32int'], build: compareForm(mem('int32', 1)) },
  { codes: ['Fcom_st0_sti', 'Fcom_st0_sti_DCD0'], build: compareForm(st(false, 0)) },
  { codes: ['Fcomp_st0_sti', 'Fcomp_st0_sti_DCD8', 'Fcomp_st0_sti_DED0'], build: compareForm(st(false, 1)) },
  { codes: ['Fcompp'], build: compareForm(st(false, 2)) },
  { codes: ['Fucom_st0_sti'], build: compareForm(st(true, 0)) },
  { codes: ['Fucomp_st0_sti'], build: compareForm(st(true, 1)) },
  { codes: ['Fucompp'], build: compareForm(st(true, 2)) },
  { codes: ['Fcomi_st0_sti'], build: compareForm(st(false, 0, true)) },
  { codes: ['Fcomip_st0_sti'], build: compareForm(st(false, 1, true)) },
  { codes: ['Fucomi_st0_sti'], build: compareForm(st(true, 0, true)) },
  { codes: ['Fucomip_st0_sti'], build: compareForm(st(true, 1, true)) },
  { codes: ['Ftst'], build: compareForm({ source: 'zero', quiet: false, pops: 0, toEflags: false }) },
  { codes: ['Fxam'], build: fxam },
];
