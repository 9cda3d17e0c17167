// Control flow and the stack: jmp/jcc/call/ret/loop/jrcxz, push/pop, leave, pushf/popf.
import { Code } from 'iced-x86';
import type { Insn } from '../decode.ts';
import { canonicalNumber } from '../address.ts';
import { fault, GuestFault } from '../faults.ts';
import { condition } from '../flags.ts';
import { getter, setter, widthOf, effectiveAddress } from '../operands.ts';
import { USER_WRITABLE } from '../state.ts';
import { peekTop, pop, push, release } from '../stack.ts';
import { codesMatching, type Exec, type HandlerDef } from '../handler.ts';
import { callRule, jumpRule, popRule, pushRule, retRule } from '../compile/control-rules.ts';

function target(insn: Insn): number {
  const op = insn.ops[0];
  if (op.kind !== 'branch') throw new Error('no branch target');
  return op.target;
}

/** A branch to a non-canonical address raises #GP at the branch (RIP and everything else unchanged). */
function nonCanonical(target?: number): never {
  const f = new GuestFault('general-protection', undefined, undefined, `branch to non-canonical address ${target === undefined ? '' : '0x' + target.toString(16)}`);
  f.branchTarget = target;
  throw f;
}

/** A 64-bit target from halves as an address number, or #GP when it is not canonical. */
function canonicalTarget(lo: number, hi: number): number {
  const a = canonicalNumber(lo, hi);
  return Number.isNaN(a) ? nonCanonical(hi * 4294967296 + lo) : a;
}

function jmpRel(insn: Insn): Exec {
  const t = target(insn);
  if (Number.isNaN(t)) return () => nonCanonical();
  return (c) => {
    c.rip = t;
  };
}

function jcc(insn: Insn): Exec {
  const t = target(insn);
  const p = condition(insn.cc);
  if (Number.isNaN(t))
    return (c) => {
      if (p(c)) nonCanonical();
    };
  return (c) => {
    if (p(c)) c.rip = t;
  };
}

/** Indirect jmp/call: the target as an address number (#GP at the branch when it is not canonical). */
function indirectTarget(insn: Insn): (c: Parameters<Exec>[0]) => number {
  const w = widthOf(insn, 0);
  const g = getter(insn, 0, w);
  if (w === 64) return (c) => {
    const lo = g(c);
    return canonicalTarget(lo, c.hi);
  };
  return g;
}

function jmpIndirect(insn: Insn): Exec {
  const t = indirectTarget(insn);
  return (c) => {
    c.rip = t(c);
  };
}

function stackBytes(insn: Insn): number {
  return insn.bitness === 32 ? 4 : 8;
}

function callRel(insn: Insn): Exec {
  const t = target(insn);
  if (Number.isNaN(t)) return () => nonCanonical();
  const n = insn.next;
  const bytes = stackBytes(insn);
  const lo = n % 4294967296;
  const hi = Math.floor(n / 4294967296);
  return (c) => {
    push(c, bytes, lo, hi);
    c.rip = t;
  };
}

function callIndirect(insn: Insn): Exec {
  const t = indirectTarget(insn);
  const n = insn.next;
  const bytes = stackBytes(insn);
  const lo = n % 4294967296;
  const hi = Math.floor(n / 4294967296);
  return (c) => {
    const to = t(c);
    push(c, bytes, lo, hi);
    c.rip = to;
  };
}

function ret(insn: Insn): Exec {
  const bytes = stackBytes(insn);
  const extra = insn.ops.length > 0 && insn.ops[0].kind === 'imm' ? insn.ops[0].lo : 0;
  return (c) => {
    // The target is checked before RSP moves: a non-canonical one faults with nothing committed.
    const lo = peekTop(c, bytes);
    const to = bytes === 8 ? canonicalTarget(lo, c.hi) : lo;
    release(c, bytes);
    if (extra) release(c, extra);
    c.rip = to;
  };
}

/** loop/loope/loopne/jrcxz/jecxz: the counter is RCX, ECX or CX by address size. */
function counted(kind: 'loop' | 'loope' | 'loopne' | 'jcxz', counterBits: 16 | 32 | 64) {
  return (insn: Insn): Exec => {
    const t = target(insn);
    if (Number.isNaN(t)) return () => fault('unimplemented', undefined, undefined, `${insn.text}: a loop to a non-canonical address`);
    const taken =
      kind === 'loope' ? (c: Parameters<Exec>[0]) => c.zr === 0 : kind === 'loopne' ? (c: Parameters<Exec>[0]) => c.zr !== 0 : () => true;
    if (kind === 'jcxz') {
      return (c) => {
        const r = c.r32;
        const z = counterBits === 64 ? (r[2] | r[3]) === 0 : counterBits === 32 ? r[2] === 0 : (r[2] & 0xffff) === 0;
        if (z) c.rip = t;
      };
    }
    return (c) => {
      const r = c.r32;
      let nz: boolean;
      if (counterBits === 64) {
        const lo = r[2];
        if (lo === 0) r[3] = (r[3] - 1) >>> 0;
        r[2] = (lo - 1) >>> 0;
        nz = (r[2] | r[3]) !== 0;
      } else if (counterBits === 32) {
        r[2] = (r[2] - 1) >>> 0;
        if (c.bitness === 64) r[3] = 0;
        nz = r[2] !== 0;
      } else {
        r[2] = (r[2] & 0xffff0000) | ((r[2] - 1) & 0xffff);
        nz = (r[2] & 0xffff) !== 0;
      }
      if (nz && taken(c)) c.rip = t;
    };
  };
}

function pushOp(insn: Insn): Exec {
  const op = insn.ops[0];
  // push imm / push r/m: the operand size is the stack width (66h: 2 bytes).
  const name = codeName(insn);
  const bytes = op.kind === 'imm' ? (name.startsWith('Pushw') || name === 'Push_imm16' ? 2 : name.startsWith('Pushd') ? 4 : 8) : widthOf(insn, 0) / 8;
  const g = getter(insn, 0, bytes * 8);
  if (bytes === 8 && op.kind === 'gpr') {
    const i = 2 * op.reg;
    return (c) => push(c, 8, c.r32[i], c.r32[i + 1]);
  }
  return (c) => {
    const lo = g(c);
    push(c, bytes, lo, c.hi);
  };
}

function popOp(insn: Insn): Exec {
  const bytes = widthOf(insn, 0) / 8;
  const op = insn.ops[0];
  if (op.kind === 'gpr') {
    const set = setter(insn, 0);
    return (c) => {
      const lo = pop(c, bytes);
      set(c, lo, c.hi);
    };
  }
  // pop [mem]: the address is computed after RSP moves (Intel SDM, POP).
  const ea = effectiveAddress(insn.mem!);
  return (c) => {
    const lo = peekTop(c, bytes);
    const hi = c.hi;
    const r = c.r32;
    const sl = r[8];
    const sh = r[9];
    release(c, bytes);
    try {
      const a = ea(c);
      if (bytes === 8) c.write64(a, lo, hi);
      else if (bytes === 4) c.write32(a, lo);
      else c.write16(a, lo);
    } catch (e) {
      r[8] = sl;
      r[9] = sh;
      throw e;
    }
  };
}

function leave(insn: Insn): Exec {
  const bytes = insn.code === CODE.Leavew ? 2 : stackBytes(insn);
  return (c) => {
    const r = c.r32;
    const sl = r[8];
    const sh = r[9];
    // rsp = rbp, then pop rbp; restore rsp if the read faults.
    if (c.bitness === 32) r[8] = r[10];
    else {
      r[8] = r[10];
      r[9] = r[11];
    }
    try {
      const lo = pop(c, bytes);
      if (bytes === 8) {
        r[10] = lo;
        r[11] = c.hi;
      } else if (bytes === 4) {
        r[10] = lo;
        r[11] = 0;
      } else r[10] = (r[10] & 0xffff0000) | lo;
    } catch (e) {
      r[8] = sl;
      r[9] = sh;
      throw e;
    }
  };
}

function pushf(insn: Insn): Exec {
  const bytes = insn.code === CODE.Pushfw ? 2 : stackBytes(insn);
  // VM and RF read as 0 in the pushed image.
  return (c) => push(c, bytes, c.rflags & 0xfcffff, 0);
}

function popf(insn: Insn): Exec {
  const bytes = insn.code === CODE.Popfw ? 2 : stackBytes(insn);
  return (c) => {
    const v = pop(c, bytes);
    const mask = bytes === 2 ? USER_WRITABLE & 0xffff : USER_WRITABLE;
    c.rflags = (c.rflags & ~mask) | (v & mask);
  };
}

const CODE = Code as unknown as Record<string, Code>;
const NAMES = new Map<Code, string>(Object.entries(CODE).filter(([k]) => Number.isNaN(Number(k))).map(([k, v]) => [v, k]));
function codeName(insn: Insn): string {
  return NAMES.get(insn.code) ?? '';
}

const jccCodes = codesMatching(/^J(o|no|b|ae|e|ne|be|a|s|ns|p|np|l|ge|le|g)_rel(8|32)_(32|64)$/);

export const handlers: HandlerDef[] = [
  { codes: ['Jmp_rel8_32', 'Jmp_rel8_64', 'Jmp_rel32_32', 'Jmp_rel32_64'], build: jmpRel, compile: jumpRule(false) },
  { codes: ['Jmp_rm32', 'Jmp_rm64'], build: jmpIndirect },
  { codes: jccCodes, build: jcc, compile: jumpRule(true) },
  { codes: ['Call_rel32_32', 'Call_rel32_64'], build: callRel, compile: callRule },
  { codes: ['Call_rm32', 'Call_rm64'], build: callIndirect },
  { codes: ['Retnd', 'Retnq', 'Retnd_imm16', 'Retnq_imm16'], build: ret, compile: retRule },
  { codes: ['Loop_rel8_64_RCX'], build: counted('loop', 64) },
  { codes: ['Loop_rel8_64_ECX', 'Loop_rel8_32_ECX'], build: counted('loop', 32) },
  { codes: ['Loope_rel8_64_RCX'], build: counted('loope', 64) },
  { codes: ['Loope_rel8_64_ECX', 'Loope_rel8_32_ECX'], build: counted('loope', 32) },
  { codes: ['Loopne_rel8_64_RCX'], build: counted('loopne', 64) },
  { codes: ['Loopne_rel8_64_ECX', 'Loopne_rel8_32_ECX'], build: counted('loopne', 32) },
  { codes: ['Jrcxz_rel8_64'], build: counted('jcxz', 64) },
  { codes: ['Jecxz_rel8_64', 'Jecxz_rel8_32'], build: counted('jcxz', 32) },
  // The 8-byte forms compile (the region compiler's rules); 2- and 4-byte ones run as handlers.
  { codes: ['Push_r64', 'Push_rm64', 'Pushq_imm8', 'Pushq_imm32'], build: pushOp, compile: pushRule },
  { codes: ['Push_r16', 'Push_r32', 'Push_rm16', 'Push_rm32', 'Pushw_imm8', 'Pushd_imm8', 'Push_imm16', 'Pushd_imm32'], build: pushOp },
  { codes: ['Pop_r64', 'Pop_rm64'], build: popOp, compile: popRule },
  { codes: ['Pop_r16', 'Pop_r32', 'Pop_rm16', 'Pop_rm32'], build: popOp },
  { codes: ['Leavew', 'Leaved', 'Leaveq'], build: leave },
  { codes: ['Pushfw', 'Pushfd', 'Pushfq'], build: pushf },
  { codes: ['Popfw', 'Popfd', 'Popfq'], build: popf },
];
