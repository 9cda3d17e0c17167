// What every x87 handler shares: the #MF check at waiting instructions, merging an operation's exception flags
// into the status word (ES/B, C1), stack faults, the last-instruction pointers, and 80-bit memory operands.
import { Register } from 'iced-x86';
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { GuestFault } from '../faults.ts';
import { Env, IE, INDEFINITE, type F80 } from '../float80.ts';
import { effectiveAddress, type EA } from '../operands.ts';
import { SW_C1, SW_SF } from '../x87-state.ts';

// Linux's si_code for #MF (fpu__exception_code): the first unmasked flag in this order.
const FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5, FPE_FLTRES = 6, FPE_FLTINV = 7;

/** The SIGFPE a pending unmasked x87 exception raises (#MF), with Linux's si_code. */
export function x87Fault(c: Cpu): never {
  const x = c.x87;
  const err = x.status & ~(x.fcw & 0x3f);
  const f = new GuestFault('x87-exception', undefined, undefined, `unmasked x87 exception pending (status word 0x${x.status.toString(16)}, control word 0x${x.fcw.toString(16)})`);
  f.code = err & 1 ? FPE_FLTINV : err & 4 ? FPE_FLTDIV : err & 8 ? FPE_FLTOVF : err & 0x12 ? FPE_FLTUND : err & 0x20 ? FPE_FLTRES : 0;
  throw f;
}

/** Waiting x87 instructions (all but the FN* control forms) raise #MF first when ES is set. */
export function checkPending(c: Cpu): void {
  if (c.x87.pending) x87Fault(c);
}

/** The 11-bit x87 opcode (low 3 bits of the D8-DF byte, then ModRM) that FOP records. */
export function fopOf(insn: Insn): number {
  const b = insn.bytes;
  for (let i = 0; i < b.length - 1; i++) if (b[i] >= 0xd8 && b[i] <= 0xdf) return ((b[i] & 7) << 8) | b[i + 1];
  return 0;
}

/** Records an arithmetic/load/store instruction in FIP/FOP/FDP (control instructions leave them). */
export function note(c: Cpu, insn: Insn, fop: number, ea: number): void {
  const x = c.x87;
  x.fip = insn.addr;
  x.fop = fop;
  x.fdp = ea;
}

/** Merges an operation's flags: sticky exception flags and SF, C1 as the operation left it, ES and B when unmasked. */
export function finish(c: Cpu, env: Env): void {
  const x = c.x87;
  let sw = x.fsw | (env.flags & 0x7f);
  x.fsw = env.c1 ? sw | SW_C1 : sw & ~SW_C1;
}

/** Stack underflow (an empty register read): IE and SF, C1 = 0. */
export function underflow(env: Env): void {
  env.flags |= IE | SW_SF;
  env.c1 = 0;
}
/** Stack overflow (a push onto a full register): IE and SF, C1 = 1. */
export function overflow(env: Env): void {
  env.flags |= IE | SW_SF;
  env.c1 = 1;
}

/** ST(i) named by operand `k` of the instruction (0 when the instruction names no register). */
export function stOperand(insn: Insn, k: number): number {
  const op = insn.ops[k];
  if (op && op.kind === 'other' && op.register >= Register.ST0 && op.register <= Register.ST7) return op.register - Register.ST0;
  return 0;
}

/** The instruction's memory operand address function. */
export function memEA(insn: Insn): EA {
  return effectiveAddress(insn.mem!);
}

const scratch = new Uint8Array(16);
const view = new DataView(scratch.buffer);

/** 80-bit load from memory. */
export function read80(c: Cpu, a: number): F80 {
  c.readBytes(a, 10, scratch, 0);
  return { m: view.getBigUint64(0, true), se: view.getUint16(8, true) };
}
export function write80(c: Cpu, a: number, v: F80): void {
  view.setBigUint64(0, v.m, true);
  view.setUint16(8, v.se, true);
  c.writeBytes(a, scratch, 0, 10);
}
/** Little-endian integer loads of 2, 4 or 8 bytes as BigInt (signed or not). */
export function readInt(c: Cpu, a: number, bytes: number, signed: boolean): bigint {
  let v: bigint;
  if (bytes === 2) v = BigInt(c.read16(a));
  else if (bytes === 4) v = BigInt(c.read32(a) >>> 0);
  else {
    const lo = c.read64(a);
    v = (BigInt(c.hi >>> 0) << 32n) | BigInt(lo >>> 0);
  }
  return signed ? BigInt.asIntN(bytes * 8, v) : v;
}
export function writeInt(c: Cpu, a: number, bytes: number, v: bigint): void {
  const u = BigInt.asUintN(bytes * 8, v);
  if (bytes === 2) c.write16(a, Number(u));
  else if (bytes === 4) c.write32(a, Number(u));
  else c.write64(a, Number(u & 0xffffffffn), Number(u >> 32n));
}

/** A one-operand operation on ST(0) (empty: stack underflow, indefinite when masked). */
export function unary(f: (env: Env, v: F80, c: Cpu) => F80 | null) {
  return (insn: Insn) => {
    const fop = fopOf(insn);
    return (c: Cpu) => {
      checkPending(c);
      const x = c.x87;
      const env = new Env(x.fcw);
      if (x.isEmpty(0)) {
        underflow(env);
        if (env.masked(IE)) x.setSt(0, INDEFINITE);
      } else {
        const r = f(env, x.st(0), c);
        if (r && !env.aborted) x.setSt(0, r);
      }
      finish(c, env);
      note(c, insn, fop, 0);
    };
  };
}
