// The region compiler's rules for the integer forms (the instruction table's `compile` fields in ops/integer-alu.ts,
// ops/data-move.ts, ops/shift-rotate.ts): ALU operations, inc/dec/neg/not, shifts by a constant, moves, lea, setcc, cmov.
import type { GprOperand, Insn, Operand } from '../decode.ts';
import { SHIFT_FLAGS } from '../flags.ts';
import { AF, CF, OF, type Emitter } from './region.ts';
import type { CompileRule, Rule } from './rule.ts';
import { Op } from './wasm-emitter.ts';

const WIDTH_OF_SIZE: Record<number, number> = { 1: 8, 2: 16, 4: 32, 8: 64 };

/** An operand's width in bits (GPR or memory), 0 for anything else. */
export function opWidth(op: Operand): number {
  if (op.kind === 'gpr') return op.width;
  if (op.kind === 'mem') return WIDTH_OF_SIZE[op.size] ?? 0;
  return 0;
}
/** A GPR other than ah/ch/dh/bh. */
export function gprOk(op: Operand | undefined): op is GprOperand {
  return !!op && op.kind === 'gpr' && !op.high8;
}
const hasMemory = (insn: Insn) => insn.ops.some((o) => o.kind === 'mem');
const mask = (w: number) => BigInt.asUintN(64, (1n << BigInt(w)) - 1n);

/** The ALU operations, as integer-alu.ts names them (test is `and` without the write). */
export type AluRuleOp = 'add' | 'adc' | 'sub' | 'sbb' | 'cmp' | 'and' | 'or' | 'xor' | 'test';

/** `op dst, src`: a register destination with a register, immediate or memory source; cmp/test also a memory destination. */
export function aluRule(op: AluRuleOp): CompileRule {
  const writes = op !== 'cmp' && op !== 'test';
  const family = op === 'add' || op === 'adc' ? 'add' : op === 'sub' || op === 'sbb' || op === 'cmp' ? 'sub' : 'logic';
  const carryIn = op === 'adc' || op === 'sbb';
  return (insn) => {
    const [d, s] = insn.ops;
    const w = opWidth(d);
    if (!w || (d.kind === 'gpr' && d.high8) || (d.kind === 'mem' && writes)) return null;
    if (!(s.kind === 'imm' || gprOk(s) || (s.kind === 'mem' && d.kind === 'gpr'))) return null;
    return {
      exits: hasMemory(insn),
      defers: true,
      emit(e, live, k) {
        const f = e.f;
        // Operands: a (the destination's value), b (the source), both zero-extended.
        e.source(insn, s, w, k);
        f.set(e.b);
        if (d.kind === 'mem') {
          e.address(insn.mem!);
          e.load(d.size, k);
        } else e.readGpr(d as GprOperand);
        f.set(e.a);
        if (family === 'logic') f.get(e.a).get(e.b).op(op === 'or' ? Op.i64_or : op === 'xor' ? Op.i64_xor : Op.i64_and);
        else {
          const add = family === 'add' ? Op.i64_add : Op.i64_sub;
          f.get(e.a).get(e.b).op(add);
          if (carryIn) f.get(e.cf).op(Op.i64_extend_i32_u).op(add);
          if (w < 64) f.i64(mask(w)).op(Op.i64_and);
        }
        f.set(e.v);
        e.flagsFrom(insn, live, (need) => e.aluFlags(family, w, need));
        if (writes) e.writeGpr(d as GprOperand, e.v);
      },
    };
  };
}

/** inc/dec/neg/not of a register: inc/dec are add/sub of 1 keeping CF, neg is 0 - x. */
export function unaryRule(op: 'inc' | 'dec' | 'neg' | 'not'): CompileRule {
  return (insn) => {
    const d = insn.ops[0];
    if (!gprOk(d)) return null;
    const w = d.width;
    return {
      exits: false,
      defers: op !== 'not',
      emit(e, live) {
        const f = e.f;
        if (op === 'not') {
          e.readGpr(d);
          f.i64(mask(w)).op(Op.i64_xor).set(e.v);
          e.writeGpr(d, e.v);
          return;
        }
        if (op === 'neg') {
          // 0 - b (a = 0 is set only where flags are computed)
          e.readGpr(d);
          f.set(e.b);
          f.i64(0).get(e.b).op(Op.i64_sub);
        } else {
          e.readGpr(d);
          f.set(e.a);
          f.i64(1).set(e.b);
          f.get(e.a).get(e.b).op(op === 'inc' ? Op.i64_add : Op.i64_sub);
        }
        f.i64(mask(w)).op(Op.i64_and).set(e.v);
        e.flagsFrom(insn, live, (need) => {
          if (op === 'neg') f.i64(0).set(e.a);
          e.aluFlags(op === 'inc' ? 'add' : 'sub', w, need, op !== 'neg');
        });
        e.writeGpr(d, e.v);
      },
    };
  };
}

/** shl/shr/sar of a 32- or 64-bit register by a constant. */
export function shiftRule(op: 'shl' | 'shr' | 'sar'): CompileRule {
  return (insn) => {
    const [d, s] = insn.ops;
    if (!gprOk(d) || d.width < 32 || !(s === undefined || s.kind === 'imm')) return null;
    const w = d.width;
    const n = (s === undefined ? 1 : s.lo) & (w === 64 ? 63 : 31);
    return { exits: false, emit: (e, live) => shift(e, op, d, w, n, live) };
  };
}

function shift(e: Emitter, op: 'shl' | 'shr' | 'sar', d: GprOperand, w: number, n: number, live: number): void {
  const f = e.f;
  if (n === 0) {
    // A zero count changes nothing but the 32-bit zero extension.
    if (w === 32) f.get(e.r[d.reg]).i64(0xffffffff).op(Op.i64_and).set(e.r[d.reg]);
    return;
  }
  // a: the operand shifted by n - 1 (sar: sign-extended first), v: one step more; flags.ts's SHIFT_FLAGS from them.
  const by = op === 'shl' ? Op.i64_shl : op === 'shr' ? Op.i64_shr_u : Op.i64_shr_s;
  e.readGpr(d);
  if (op === 'sar' && w === 32) f.op(Op.i64_extend32_s);
  if (n > 1) f.i64(n - 1).op(by);
  f.set(e.a);
  f.get(e.a).i64(1).op(by);
  // (shr of a zero-extended value needs no mask)
  if (w === 32 && op !== 'shr') f.i64(0xffffffff).op(Op.i64_and);
  f.set(e.v);
  if (live & CF) {
    f.get(e.a);
    if (SHIFT_FLAGS.cf[op] === 'top') f.i64(w - 1).op(Op.i64_shr_u);
    f.i64(1).op(Op.i64_and).op(Op.i32_wrap_i64).set(e.cf);
  }
  if (live & OF) {
    e.bits(SHIFT_FLAGS.of);
    f.i64(w - 1).op(Op.i64_shr_u).i64(1).op(Op.i64_and).op(Op.i32_wrap_i64).set(e.of);
  }
  if (live & AF) f.i32(0).set(e.ar);
  e.resultFlags(w, live);
  e.writeGpr(d, e.v);
}

/** mov between registers, from an immediate or memory to a register, from a register or immediate to memory. */
export const movRule: CompileRule = (insn) => {
  const [d, s] = insn.ops;
  const ok = d.kind === 'gpr' ? !d.high8 && (gprOk(s) || s.kind === 'imm' || (s.kind === 'mem' && !!opWidth(s))) : d.kind === 'mem' && !!opWidth(d) && (gprOk(s) || s.kind === 'imm');
  if (!ok) return null;
  return {
    exits: hasMemory(insn),
    emit(e, _, k) {
      const f = e.f;
      if (d.kind === 'mem') {
        e.source(insn, s, opWidth(d), k);
        f.set(e.v);
        e.address(insn.mem!);
        e.store(d.size, e.v, k);
        return;
      }
      const dg = d as GprOperand;
      e.source(insn, s, dg.width, k);
      f.set(e.v);
      e.writeGpr(dg, e.v);
    },
  };
};

/** movzx (signed false), movsx/movsxd (true) from a register or memory. */
export function extendRule(signed: boolean): CompileRule {
  return (insn) => {
    const [d, s] = insn.ops;
    if (!gprOk(d) || !(gprOk(s) || (s.kind === 'mem' && !!opWidth(s)))) return null;
    const sw = opWidth(s);
    return {
      exits: hasMemory(insn),
      emit(e, _, k) {
        const f = e.f;
        e.source(insn, s, sw, k);
        if (signed) f.op(sw === 8 ? Op.i64_extend8_s : sw === 16 ? Op.i64_extend16_s : Op.i64_extend32_s);
        f.set(e.v);
        e.writeGpr(d, e.v);
      },
    };
  };
}

/** lea into a 32- or 64-bit register (no memory access). */
export const leaRule: CompileRule = (insn) => {
  const d = insn.ops[0];
  if (!gprOk(d) || d.width < 32) return null;
  const m = insn.mem!;
  return {
    exits: false,
    emit(e) {
      if (m.ripRelative) e.f.i64((BigInt(m.dispHi) << 32n) | BigInt(m.dispLo)).set(e.v);
      else {
        e.address(m);
        e.f.get(e.ea).set(e.v);
      }
      e.writeGpr(d, e.v);
    },
  };
};

/** setcc of a low byte register. */
export const setccRule: CompileRule = (insn) => {
  const d = insn.ops[0];
  if (!gprOk(d) || d.width !== 8) return null;
  return {
    exits: false,
    emit(e) {
      e.condition(insn.cc);
      e.f.op(Op.i64_extend_i32_u).set(e.v);
      e.writeGpr(d, e.v);
    },
  };
};

/** cmovcc between 32- or 64-bit registers (a 32-bit one zero-extends the destination even when the condition is false). */
export const cmovRule: CompileRule = (insn) => {
  const [d, s] = insn.ops;
  if (!gprOk(d) || !gprOk(s) || d.width < 32) return null;
  return {
    exits: false,
    emit(e) {
      e.readGpr(s);
      e.readGpr(d);
      e.condition(insn.cc);
      e.f.op(Op.select).set(e.v);
      e.writeGpr(d, e.v);
    },
  };
};

/** nop and endbr64: nothing. */
export const nopRule: CompileRule = () => NOTHING;
const NOTHING: Rule = { exits: false, emit() {} };
