// The region compiler's rules for control flow and the stack (the `compile` fields in ops/control.ts): jmp and jcc
// to a constant target, call rel32 (pushes the exact return address), ret (continues inside the region when it
// returns to one of the region's call sites, else leaves before it), push and pop of 64-bit registers and immediates.
// Stack memory goes through the same inline TLB as every other access (misses, page crossings and code pages exit).
import type { Insn } from '../decode.ts';
import type { CompileRule } from './rule.ts';
import { Op } from './wasm-emitter.ts';

const RSP = 4;

/** A constant branch target, or null when there is none or it is not canonical (taking it is #GP: the interpreter raises it). */
function target(insn: Insn): number | null {
  const t = insn.ops[0];
  return t?.kind === 'branch' && t.target >= 0 ? t.target : null;
}

/** jmp rel (cc false) and jcc rel (cc true). */
export function jumpRule(conditional: boolean): CompileRule {
  return (insn) => {
    const to = target(insn);
    if (to === null) return null;
    return { exits: false, ends: 'jump', emit: (e, _, k) => e.jump(to, insn.next, k, conditional ? insn.cc : undefined) };
  };
}

/** call rel32: the return address is stored at RSP - 8 (a miss leaves before the call), then RSP moves and control goes to the target. */
export const callRule: CompileRule = (insn) => {
  const to = target(insn);
  if (to === null) return null;
  return {
    exits: true,
    ends: 'call',
    emit(e, _, k) {
      const f = e.f;
      f.get(e.r[RSP]).i64(8).op(Op.i64_sub).set(e.ea);
      f.i64(insn.next).set(e.v);
      e.store(8, e.v, k);
      f.get(e.ea).set(e.r[RSP]);
      e.transfer(to, k + 1);
    },
  };
};

/** ret and ret imm16: the target is read first; only a return to one of the region's call sites commits inside the region. */
export const retRule: CompileRule = (insn) => {
  const extra = insn.ops[0]?.kind === 'imm' ? insn.ops[0].lo : 0;
  return {
    exits: true,
    ends: 'ret',
    emit(e, _, k) {
      const f = e.f;
      f.get(e.r[RSP]).set(e.ea);
      e.load(8, k);
      f.set(e.v);
      e.dynamicTransfer(e.v, k, () => f.get(e.r[RSP]).i64(8 + extra).op(Op.i64_add).set(e.r[RSP]));
    },
  };
};

/** push (8-byte forms) of a 64-bit register (its value before RSP moves: push rsp pushes the old RSP) or a sign-extended immediate. */
export const pushRule: CompileRule = (insn) => {
  const s = insn.ops[0];
  if (!((s.kind === 'gpr' && s.width === 64) || s.kind === 'imm')) return null;
  return {
    exits: true,
    emit(e, _, k) {
      const f = e.f;
      e.source(insn, s, 64, k);
      f.set(e.v);
      f.get(e.r[RSP]).i64(8).op(Op.i64_sub).set(e.ea);
      e.store(8, e.v, k);
      f.get(e.ea).set(e.r[RSP]);
    },
  };
};

/** pop (8-byte forms) into a 64-bit register (RSP moves first, so pop rsp leaves the popped value). */
export const popRule: CompileRule = (insn) => {
  const d = insn.ops[0];
  if (d.kind !== 'gpr' || d.width !== 64) return null;
  return {
    exits: true,
    emit(e, _, k) {
      const f = e.f;
      f.get(e.r[RSP]).set(e.ea);
      e.load(8, k);
      f.set(e.v);
      f.get(e.r[RSP]).i64(8).op(Op.i64_add).set(e.r[RSP]);
      e.writeGpr(d, e.v);
    },
  };
};
