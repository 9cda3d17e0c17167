// The region compiler: a hot block and the compilable blocks its branches reach (its loops) compiled to one
// WebAssembly function (a br_table dispatch loop over the blocks). Guest registers live in i64 locals for the whole region, flags are computed only where a
// later instruction or an exit reads them, memory goes through an inline software TLB into the frame heap, and every
// exit (TLB miss, page crossing, budget, the block's end) leaves exact state in the context for the interpreter.
import { ConditionCode, Mnemonic } from 'iced-x86';
import type { GprOperand, Insn, MemRef, Operand } from '../decode.ts';
import { FunctionBuilder, ModuleBuilder, Op, Simd, uleb, ValType } from './wasm-emitter.ts';
import { CTX, TLB_ENTRIES } from './context.ts';
import { RegionHooks, type HookImportObject } from './hooks.ts';

const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const ALL = CF | PF | AF | ZF | SF | OF;

/** A region compiled with hooks: which kinds (hooks.ts HOOK_CODE | HOOK_MEM) and the imports that run them. */
export interface HookedCompile {
  kind: number;
  codeRanges: ReadonlyArray<readonly [number, number]> | undefined;
  imports: (hooks: RegionHooks) => HookImportObject;
}

/** One block of a region: its instructions and how many of them the region runs (all, except a prefix entry). */
export interface Member {
  addr: number;
  insns: Insn[];
  length: number;
}

/**
 * A compiled region. `run(budget)` executes at most `budget` instructions (at least the entry block's), returns how
 * many it executed, and leaves the registers, flags and the next RIP in the context.
 */
export interface Region {
  run: (budget: number) => number;
  /** The blocks, entry first (their addresses: where a stop address must not fall). */
  members: Member[];
  /** Whether it uses XMM registers (the CPU then copies them in and out). */
  xmm: boolean;
}

/** SSE integer forms on XMM registers: the WebAssembly SIMD operation each one is. */
const SSE_BINARY: Partial<Record<Mnemonic, number>> = {
  [Mnemonic.Paddb]: Simd.i8x16_add,
  [Mnemonic.Paddw]: Simd.i16x8_add,
  [Mnemonic.Paddd]: Simd.i32x4_add,
  [Mnemonic.Paddq]: Simd.i64x2_add,
  [Mnemonic.Psubb]: Simd.i8x16_sub,
  [Mnemonic.Psubw]: Simd.i16x8_sub,
  [Mnemonic.Psubd]: Simd.i32x4_sub,
  [Mnemonic.Psubq]: Simd.i64x2_sub,
  [Mnemonic.Pand]: Simd.v128_and,
  [Mnemonic.Por]: Simd.v128_or,
  [Mnemonic.Pxor]: Simd.v128_xor,
};
/** 128-bit moves: the aligned ones fault (#GP) on a misaligned address, which the interpreter raises. */
const SSE_MOVES = new Map<Mnemonic, boolean>([
  [Mnemonic.Movdqu, false],
  [Mnemonic.Movups, false],
  [Mnemonic.Movdqa, true],
  [Mnemonic.Movaps, true],
]);

function xmmOk(op: Operand | undefined): boolean {
  return !!op && op.kind === 'xmm' && !op.ymm;
}
/** Whether an instruction touches XMM registers. */
export function usesXmm(insn: Insn): boolean {
  return insn.ops.some((o) => o.kind === 'xmm');
}

type AluKind = 'add' | 'adc' | 'sub' | 'sbb' | 'cmp' | 'and' | 'or' | 'xor' | 'test';
const ALU: Partial<Record<Mnemonic, AluKind>> = {
  [Mnemonic.Add]: 'add',
  [Mnemonic.Adc]: 'adc',
  [Mnemonic.Sub]: 'sub',
  [Mnemonic.Sbb]: 'sbb',
  [Mnemonic.Cmp]: 'cmp',
  [Mnemonic.And]: 'and',
  [Mnemonic.Or]: 'or',
  [Mnemonic.Xor]: 'xor',
  [Mnemonic.Test]: 'test',
};

const MNEMONIC = Mnemonic as unknown as Record<string, Mnemonic>;
const CONDITION_NAMES = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const SETCC = new Set(CONDITION_NAMES.map((c) => MNEMONIC[`Set${c}`]));
const CMOVCC = new Set(CONDITION_NAMES.map((c) => MNEMONIC[`Cmov${c}`]));

function isLoopLike(m: Mnemonic): boolean {
  return m === Mnemonic.Loop || m === Mnemonic.Loope || m === Mnemonic.Loopne || m === Mnemonic.Jrcxz || m === Mnemonic.Jecxz || m === Mnemonic.Jcxz;
}

const WIDTH_OF_SIZE: Record<number, number> = { 1: 8, 2: 16, 4: 32, 8: 64 };

function opWidth(op: Operand): number {
  if (op.kind === 'gpr') return op.width;
  if (op.kind === 'mem') return WIDTH_OF_SIZE[op.size] ?? 0;
  return 0;
}

function memOk(m: MemRef | null): boolean {
  return !!m && !m.seg && (m.ripRelative ? !Number.isNaN(m.absolute) : true);
}

function gprOk(op: Operand): boolean {
  return op.kind === 'gpr' && !op.high8;
}

/** How one instruction is compiled: the emitter call (given the flags live after it and its index), or a branch. */
type Rule = { branch: true } | { branch: false; emit: (e: Emitter, live: number, k: number) => void };
const BRANCH: Rule = { branch: true };
const emits = (emit: (e: Emitter, live: number, k: number) => void): Rule => ({ branch: false, emit });

/** The one place that decides what the region compiler handles and how; null: the interpreter runs it (it ends the region). */
export function ruleFor(insn: Insn): Rule | null {
  if (insn.bitness !== 64 || insn.lock || insn.rep !== 0) return null;
  const m = insn.mnemonic;
  const ops = insn.ops;
  if (ops.some((o) => o.kind === 'mem') && !memOk(insn.mem)) return null;
  const kind = ALU[m];
  if (kind) {
    const [d, s] = ops;
    const w = opWidth(d);
    if (!w || (d.kind === 'gpr' && d.high8)) return null;
    if (d.kind === 'mem' && kind !== 'cmp' && kind !== 'test') return null;
    if (!(s.kind === 'imm' || gprOk(s) || (s.kind === 'mem' && d.kind === 'gpr'))) return null;
    return emits((e, live, k) => e.alu(insn, kind, live, k));
  }
  const sse = SSE_BINARY[m];
  if (sse !== undefined) return xmmOk(ops[0]) && (xmmOk(ops[1]) || (ops[1]?.kind === 'mem' && ops[1].size === 16)) ? emits((e, _, k) => e.sseBinary(insn, sse, k)) : null;
  const aligned = SSE_MOVES.get(m);
  if (aligned !== undefined) {
    const [d, s] = ops;
    const ok = (xmmOk(d) && (xmmOk(s) || (s.kind === 'mem' && s.size === 16))) || (d.kind === 'mem' && d.size === 16 && xmmOk(s));
    return ok ? emits((e, _, k) => e.sseMove(insn, aligned, k)) : null;
  }
  switch (m) {
    case Mnemonic.Nop:
    case Mnemonic.Endbr64:
      return emits(() => {});
    case Mnemonic.Mov: {
      const [d, s] = ops;
      const ok = d.kind === 'gpr' ? !d.high8 && (gprOk(s) || s.kind === 'imm' || (s.kind === 'mem' && !!opWidth(s))) : d.kind === 'mem' && !!opWidth(d) && (gprOk(s) || s.kind === 'imm');
      return ok ? emits((e, _, k) => e.mov(insn, k)) : null;
    }
    case Mnemonic.Movzx:
    case Mnemonic.Movsx:
    case Mnemonic.Movsxd: {
      const [d, s] = ops;
      return gprOk(d) && (gprOk(s) || (s.kind === 'mem' && !!opWidth(s))) ? emits((e, _, k) => e.movx(insn, k)) : null;
    }
    case Mnemonic.Lea:
      return gprOk(ops[0]) && opWidth(ops[0]) >= 32 ? emits((e) => e.lea(insn)) : null;
    case Mnemonic.Inc:
    case Mnemonic.Dec:
    case Mnemonic.Neg:
    case Mnemonic.Not:
      return gprOk(ops[0]) ? emits((e, live) => e.unary(insn, live)) : null;
    case Mnemonic.Shl:
    case Mnemonic.Sal:
    case Mnemonic.Shr:
    case Mnemonic.Sar:
      return gprOk(ops[0]) && opWidth(ops[0]) >= 32 && (ops[1] === undefined || ops[1].kind === 'imm') ? emits((e, live) => e.shift(insn, live)) : null;
    case Mnemonic.Jmp:
      return ops[0]?.kind === 'branch' && ops[0].target >= 0 ? BRANCH : null;
  }
  // (A branch to a non-canonical target, NaN, faults when taken: the interpreter runs it.)
  if (insn.flow === 3 /* ConditionalBranch */) return ops[0]?.kind === 'branch' && ops[0].target >= 0 && !isLoopLike(m) ? BRANCH : null;
  if (SETCC.has(m)) return gprOk(ops[0]) && opWidth(ops[0]) === 8 ? emits((e) => e.setcc(insn)) : null;
  if (CMOVCC.has(m)) return gprOk(ops[0]) && gprOk(ops[1]) && opWidth(ops[0]) >= 32 ? emits((e) => e.cmov(insn)) : null;
  return null;
}

/** Whether the region compiler handles this instruction (the rest of the block then runs in the interpreter). */
export function compiles(insn: Insn): boolean {
  return ruleFor(insn) !== null;
}

/** Flags an instruction needs computed, given the flags live after it. */
function needsAllBefore(insn: Insn): boolean {
  // An instruction that may leave the region (memory access: a TLB miss exits before it) needs exact flags before it.
  return insn.ops.some((o) => o.kind === 'mem') && insn.mnemonic !== Mnemonic.Lea && insn.mnemonic !== Mnemonic.Nop;
}

class Emitter {
  readonly f: FunctionBuilder;
  readonly r: number[] = [];
  readonly cf: number;
  readonly of: number;
  readonly zr: number;
  readonly sr: number;
  readonly pr: number;
  readonly ar: number;
  readonly ea: number;
  readonly host: number;
  readonly a: number;
  readonly b: number;
  readonly v: number;
  readonly t: number;
  readonly count: number;
  readonly pc: number;
  /** Nesting depth of the instruction being emitted below the exit block. */
  depth = 0;
  /** The member being emitted. */
  insns: Insn[] = [];
  /**
   * Set by compileRegion for the flag writer just before a block's final branch: it computes only what the branch
   * reads; each edge then computes what that edge needs (its successor's live flags, or all on the way out).
   */
  deferNext = false;
  deferred: { written: number; done: number; emit: (need: number) => void } | null = null;
  /** XMM0-15 as v128 locals (declared when the region uses XMM). */
  readonly x: number[] = [];
  /** Set in a region compiled with hooks (hooks.ts): hook calls before instructions and around accesses. */
  hooks: RegionHooks | null = null;
  constructor(
    mod: ModuleBuilder,
    readonly ctx: number,
  ) {
    this.f = mod.function([ValType.i32], [ValType.i32]);
    for (let i = 0; i < 16; i++) this.r.push(this.f.local(ValType.i64));
    this.cf = this.f.local(ValType.i32);
    this.of = this.f.local(ValType.i32);
    this.zr = this.f.local(ValType.i32);
    this.sr = this.f.local(ValType.i32);
    this.pr = this.f.local(ValType.i32);
    this.ar = this.f.local(ValType.i32);
    this.host = this.f.local(ValType.i32);
    this.count = this.f.local(ValType.i32);
    this.pc = this.f.local(ValType.i32);
    this.ea = this.f.local(ValType.i64);
    this.a = this.f.local(ValType.i64);
    this.b = this.f.local(ValType.i64);
    this.v = this.f.local(ValType.i64);
    this.t = this.f.local(ValType.i64);
  }

  declareXmm(): void {
    for (let i = 0; i < 16; i++) this.x.push(this.f.local(ValType.v128));
  }

  /** A 16-byte access at `ea` (faulting forms exit unless aligned): leaves the host address in `host`. */
  private xmmAddress(insn: Insn, aligned: boolean, write: boolean, k: number): void {
    this.address(insn.mem!);
    if (aligned) {
      this.f.get(this.ea).op(Op.i32_wrap_i64).i32(15).op(Op.i32_and);
      this.f.if();
      this.depth++;
      this.exit(k);
      this.depth--;
      this.f.end();
    }
    if (!this.hooks?.mem) this.translate(16, write, k);
  }
  /** An XMM source (register or 16 bytes of memory) onto the stack. */
  private xmmSource(insn: Insn, op: Operand, aligned: boolean, k: number): void {
    if (op.kind === 'xmm') this.f.get(this.x[op.reg]);
    else {
      this.xmmAddress(insn, aligned, false, k);
      if (this.hooks?.mem) this.hooks.load128(this, k);
      else this.f.get(this.host).simd(Simd.v128_load, { offset: 0, alignLog2: 0 });
    }
  }
  sseBinary(insn: Insn, op: number, k: number): void {
    const d = insn.ops[0] as { reg: number };
    // Legacy SSE memory operands must be 16-byte aligned (#GP otherwise).
    this.f.get(this.x[d.reg]);
    this.xmmSource(insn, insn.ops[1], true, k);
    this.f.simd(op).set(this.x[d.reg]);
  }
  sseMove(insn: Insn, aligned: boolean, k: number): void {
    const [d, s] = insn.ops;
    if (d.kind === 'xmm') {
      this.xmmSource(insn, s, aligned, k);
      this.f.set(this.x[d.reg]);
      return;
    }
    this.xmmAddress(insn, aligned, true, k);
    if (this.hooks?.mem) this.hooks.store128(this, this.x[(s as { reg: number }).reg], k);
    else this.f.get(this.host).get(this.x[(s as { reg: number }).reg]).simd(Simd.v128_store, { offset: 0, alignLog2: 0 });
  }

  /** Computes an instruction's flags now (`live`), or, when deferred, what the branch reads and the rest per edge. */
  flagsFrom(insn: Insn, live: number, emit: (need: number) => void): void {
    if (!this.deferNext) {
      emit(live);
      return;
    }
    this.deferNext = false;
    emit(live);
    this.deferred = { written: insn.flagsWritten, done: live, emit };
  }
  /** On an edge: the deferred flags `need` asks for that were not computed at the writer. */
  flushDeferred(need: number): void {
    const d = this.deferred;
    if (!d) return;
    const rest = need & d.written & ~d.done;
    if (rest) d.emit(rest);
  }

  /** Leaves the region with the member's instruction k next (state is exact: nothing of k has been committed). */
  exit(k: number): void {
    if (k > 0) this.addCount(k);
    this.setRip(this.insns[k].addr);
    this.hooks?.markHooksDone(this);
    this.f.br(this.depth);
  }
  addCount(n: number): void {
    this.f.get(this.count).i32(n).op(Op.i32_add).set(this.count);
  }
  /** Sets the RIP the interpreter resumes at. */
  setRip(rip: number): void {
    this.f.i32(this.ctx).i64(rip).mem(Op.i64_store, CTX.rip, 3);
  }

  // ---- registers (values as i64, zero-extended to their width)

  readGpr(g: GprOperand): void {
    const f = this.f;
    f.get(this.r[g.reg]);
    if (g.width === 32) f.i64(0xffffffff).op(Op.i64_and);
    else if (g.width === 16) f.i64(0xffff).op(Op.i64_and);
    else if (g.width === 8) f.i64(0xff).op(Op.i64_and);
  }
  /** Writes local `src` (zero-extended value of the width) to a register: 32-bit zero-extends, 8/16 merge. */
  writeGpr(g: GprOperand, src: number): void {
    const f = this.f;
    const r = this.r[g.reg];
    if (g.width === 64) f.get(src).set(r);
    else if (g.width === 32) f.get(src).i64(0xffffffff).op(Op.i64_and).set(r);
    else {
      const m = g.width === 16 ? 0xffff : 0xff;
      f.get(r).i64(~BigInt(m)).op(Op.i64_and).get(src).i64(m).op(Op.i64_and).op(Op.i64_or).set(r);
    }
  }

  // ---- memory

  /** The effective address into local `ea`. */
  address(m: MemRef): void {
    const f = this.f;
    if (m.ripRelative) {
      f.i64(m.absolute).set(this.ea);
      return;
    }
    f.i64((BigInt(m.dispHi) << 32n) | BigInt(m.dispLo));
    if (m.base >= 0) f.get(this.r[m.base]).op(Op.i64_add);
    if (m.index >= 0) {
      f.get(this.r[m.index]);
      if (m.scale > 1) f.i64(m.scale).op(Op.i64_mul);
      f.op(Op.i64_add);
    }
    if (m.addrSize === 32) f.i64(0xffffffff).op(Op.i64_and);
    f.set(this.ea);
  }
  /** Looks `ea` up in the read or write TLB: leaves the host address in local `host`, or exits at instruction k. */
  translate(size: number, write: boolean, k: number): void {
    const f = this.f;
    const tags = write ? CTX.tagW : CTX.tagR;
    const hosts = write ? CTX.hostW : CTX.hostR;
    // idx = (ea >> 12) & (N-1); hit = tag[idx] == ea >> 12 && (ea & 4095) <= 4096 - size
    f.get(this.ea).i64(12).op(Op.i64_shr_u).op(Op.i32_wrap_i64).i32(TLB_ENTRIES - 1).op(Op.i32_and).set(this.host);
    f.get(this.host).i32(3).op(Op.i32_shl).mem(Op.i64_load, this.ctx + tags, 3);
    f.get(this.ea).i64(12).op(Op.i64_shr_u).op(Op.i64_ne);
    f.get(this.ea).op(Op.i32_wrap_i64).i32(4095).op(Op.i32_and).i32(4096 - size).op(Op.i32_gt_u).op(Op.i32_or);
    f.if();
    this.depth++;
    // Record the miss: the CPU translates it (filling the TLB) before the interpreter takes over.
    f.i32(this.ctx).get(this.ea).mem(Op.i64_store, CTX.missVa, 3);
    f.i32(this.ctx).i32(write ? 2 : 1).mem(Op.i32_store, CTX.missKind, 2);
    this.exit(k);
    this.depth--;
    f.end();
    f.get(this.host).i32(2).op(Op.i32_shl).mem(Op.i32_load, this.ctx + hosts, 2);
    f.get(this.ea).op(Op.i32_wrap_i64).i32(4095).op(Op.i32_and).op(Op.i32_add).set(this.host);
  }
  /** Loads `size` bytes at `ea` (zero-extended i64) onto the stack. */
  load(size: number, k: number): void {
    if (this.hooks?.mem) return this.hooks.load(this, size, k);
    this.translate(size, false, k);
    this.f.get(this.host);
    this.f.mem(size === 1 ? Op.i64_load8_u : size === 2 ? Op.i64_load16_u : size === 4 ? Op.i64_load32_u : Op.i64_load);
  }
  /** Stores local `src`'s low `size` bytes at `ea`. */
  store(size: number, src: number, k: number): void {
    if (this.hooks?.mem) return this.hooks.store(this, size, src, k);
    this.translate(size, true, k);
    this.f.get(this.host).get(src);
    this.f.mem(size === 1 ? Op.i64_store8 : size === 2 ? Op.i64_store16 : size === 4 ? Op.i64_store32 : Op.i64_store);
  }

  /** A source operand's value (zero-extended to i64) onto the stack; immediates masked to `width`. */
  source(insn: Insn, op: Operand, width: number, k: number): void {
    const f = this.f;
    if (op.kind === 'gpr') this.readGpr(op);
    else if (op.kind === 'imm') {
      const v = (BigInt(op.hi >>> 0) << 32n) | BigInt(op.lo >>> 0);
      f.i64(BigInt.asUintN(width, v));
    } else if (op.kind === 'mem') {
      this.address(insn.mem!);
      this.load(op.size, k);
    } else throw new Error('unsupported source');
  }

  // ---- flags (the interpreter's representation: cf/of 0-1, ZF iff zr = 0, SF iff sr < 0, PF from pr, AF bit 4 of ar)

  /** Sets ZF/SF/PF from local `v` (a `width`-bit result). */
  resultFlags(width: number, live: number): void {
    const f = this.f;
    if (live & ZF) f.get(this.v).i64(0).op(Op.i64_ne).set(this.zr);
    if (live & SF) {
      if (width === 64) f.get(this.v).i64(32).op(Op.i64_shr_u).op(Op.i32_wrap_i64).set(this.sr);
      else {
        f.get(this.v).op(Op.i32_wrap_i64);
        if (width < 32) f.i32(32 - width).op(Op.i32_shl);
        f.set(this.sr);
      }
    }
    if (live & PF) f.get(this.v).op(Op.i32_wrap_i64).set(this.pr);
  }
  /** The sign bit of local `x` for a `width`-bit value, as i32 0/1. */
  topBit(x: number, width: number): void {
    this.f.get(x).i64(width - 1).op(Op.i64_shr_u).i64(1).op(Op.i64_and).op(Op.i32_wrap_i64);
  }

  /** A condition (iced ConditionCode) as i32 0/1. */
  condition(cc: ConditionCode): void {
    const f = this.f;
    switch (cc) {
      case ConditionCode.o:
        f.get(this.of);
        return;
      case ConditionCode.no:
        f.get(this.of).op(Op.i32_eqz);
        return;
      case ConditionCode.b:
        f.get(this.cf);
        return;
      case ConditionCode.ae:
        f.get(this.cf).op(Op.i32_eqz);
        return;
      case ConditionCode.e:
        f.get(this.zr).op(Op.i32_eqz);
        return;
      case ConditionCode.ne:
        f.get(this.zr).i32(0).op(Op.i32_ne);
        return;
      case ConditionCode.be:
        f.get(this.cf).get(this.zr).op(Op.i32_eqz).op(Op.i32_or);
        return;
      case ConditionCode.a:
        f.get(this.cf).get(this.zr).op(Op.i32_eqz).op(Op.i32_or).op(Op.i32_eqz);
        return;
      case ConditionCode.s:
        f.get(this.sr).i32(0).op(Op.i32_lt_s);
        return;
      case ConditionCode.ns:
        f.get(this.sr).i32(0).op(Op.i32_ge_s);
        return;
      case ConditionCode.p:
        f.get(this.pr).i32(0xff).op(Op.i32_and).op(Op.i32_popcnt).i32(1).op(Op.i32_and).op(Op.i32_eqz);
        return;
      case ConditionCode.np:
        f.get(this.pr).i32(0xff).op(Op.i32_and).op(Op.i32_popcnt).i32(1).op(Op.i32_and);
        return;
      case ConditionCode.l:
        f.get(this.sr).i32(0).op(Op.i32_lt_s).get(this.of).op(Op.i32_ne);
        return;
      case ConditionCode.ge:
        f.get(this.sr).i32(0).op(Op.i32_lt_s).get(this.of).op(Op.i32_eq);
        return;
      case ConditionCode.le:
        f.get(this.zr).op(Op.i32_eqz).get(this.sr).i32(0).op(Op.i32_lt_s).get(this.of).op(Op.i32_ne).op(Op.i32_or);
        return;
      case ConditionCode.g:
        f.get(this.zr).op(Op.i32_eqz).get(this.sr).i32(0).op(Op.i32_lt_s).get(this.of).op(Op.i32_ne).op(Op.i32_or).op(Op.i32_eqz);
        return;
    }
    throw new Error(`no condition ${cc}`);
  }

  // ---- instructions

  alu(insn: Insn, kind: AluKind, live: number, k: number): void {
    const f = this.f;
    const [d, s] = insn.ops;
    const w = opWidth(d);
    const mask = BigInt.asUintN(64, (1n << BigInt(w)) - 1n);
    // Operands: a (destination's value), b (source), both zero-extended.
    if (d.kind === 'mem') {
      this.source(insn, s, w, k); // an immediate or a register: no exit
      f.set(this.b);
      this.address(insn.mem!);
      this.load(d.size, k);
      f.set(this.a);
    } else {
      this.source(insn, s, w, k);
      f.set(this.b);
      this.readGpr(d as GprOperand);
      f.set(this.a);
    }
    const arith = kind === 'add' || kind === 'adc' || kind === 'sub' || kind === 'sbb' || kind === 'cmp';
    const adds = kind === 'add' || kind === 'adc';
    const carryIn = kind === 'adc' || kind === 'sbb';
    if (arith) {
      f.get(this.a).get(this.b).op(adds ? Op.i64_add : Op.i64_sub);
      if (carryIn) f.get(this.cf).op(Op.i64_extend_i32_u).op(adds ? Op.i64_add : Op.i64_sub);
      if (w < 64) f.i64(mask).op(Op.i64_and);
      f.set(this.v);
    } else f.get(this.a).get(this.b).op(kind === 'or' ? Op.i64_or : kind === 'xor' ? Op.i64_xor : Op.i64_and).set(this.v);
    this.flagsFrom(insn, live, (need) => this.aluFlags(kind, w, need));
    if (kind !== 'cmp' && kind !== 'test') this.writeGpr(d as GprOperand, this.v);
  }

  /** Flags of an ALU operation from locals a, b, v (and the carry in, still in cf). */
  private aluFlags(kind: AluKind, w: number, live: number): void {
    const f = this.f;
    const arith = kind === 'add' || kind === 'adc' || kind === 'sub' || kind === 'sbb' || kind === 'cmp';
    const adds = kind === 'add' || kind === 'adc';
    const carryIn = kind === 'adc' || kind === 'sbb';
    if (arith) {
      if (live & CF) {
        if (w < 64) {
          // The carry/borrow out of bit w: recompute unmasked (w <= 32: no 64-bit overflow).
          f.get(this.a).get(this.b).op(adds ? Op.i64_add : Op.i64_sub);
          if (carryIn) f.get(this.cf).op(Op.i64_extend_i32_u).op(adds ? Op.i64_add : Op.i64_sub);
          f.i64(w).op(Op.i64_shr_u).i64(0).op(Op.i64_ne).set(this.cf);
        } else if (adds) {
          // carry = v < a, or (carry in and v == a)
          f.get(this.v).get(this.a).op(Op.i64_lt_u);
          if (carryIn) f.get(this.cf).get(this.v).get(this.a).op(Op.i64_eq).op(Op.i32_and).op(Op.i32_or);
          f.set(this.cf);
        } else {
          // borrow = a < b, or (borrow in and a == b)
          f.get(this.a).get(this.b).op(Op.i64_lt_u);
          if (carryIn) f.get(this.cf).get(this.a).get(this.b).op(Op.i64_eq).op(Op.i32_and).op(Op.i32_or);
          f.set(this.cf);
        }
      }
      if (live & OF) {
        if (adds) f.get(this.a).get(this.v).op(Op.i64_xor).get(this.b).get(this.v).op(Op.i64_xor).op(Op.i64_and);
        else f.get(this.a).get(this.b).op(Op.i64_xor).get(this.a).get(this.v).op(Op.i64_xor).op(Op.i64_and);
        f.set(this.t);
        this.topBit(this.t, w);
        f.set(this.of);
      }
      if (live & AF) f.get(this.a).get(this.b).op(Op.i64_xor).get(this.v).op(Op.i64_xor).op(Op.i32_wrap_i64).set(this.ar);
    } else {
      if (live & CF) f.i32(0).set(this.cf);
      if (live & OF) f.i32(0).set(this.of);
      if (live & AF) f.i32(0).set(this.ar);
    }
    this.resultFlags(w, live);
  }

  unary(insn: Insn, live: number): void {
    const f = this.f;
    const d = insn.ops[0] as GprOperand;
    const w = d.width;
    const mask = BigInt.asUintN(64, (1n << BigInt(w)) - 1n);
    const m = insn.mnemonic;
    this.readGpr(d);
    f.set(this.a);
    if (m === Mnemonic.Not) {
      f.get(this.a).i64(mask).op(Op.i64_xor).set(this.v);
      this.writeGpr(d, this.v);
      return;
    }
    if (m === Mnemonic.Neg) f.i64(0).get(this.a).op(Op.i64_sub).i64(mask).op(Op.i64_and).set(this.v);
    else f.get(this.a).i64(1).op(m === Mnemonic.Inc ? Op.i64_add : Op.i64_sub).i64(mask).op(Op.i64_and).set(this.v);
    this.flagsFrom(insn, live, (need) => this.unaryFlags(m, w, need));
    this.writeGpr(d, this.v);
  }

  /** Flags of neg/inc/dec from locals a and v. */
  private unaryFlags(m: Mnemonic, w: number, live: number): void {
    const f = this.f;
    if (m === Mnemonic.Neg) {
      // 0 - a: CF = a != 0; OF, AF as a subtraction from 0.
      if (live & CF) f.get(this.a).i64(0).op(Op.i64_ne).set(this.cf);
      if (live & OF) {
        f.get(this.a).get(this.v).op(Op.i64_and).set(this.t);
        this.topBit(this.t, w);
        f.set(this.of);
      }
      if (live & AF) f.get(this.a).get(this.v).op(Op.i64_xor).op(Op.i32_wrap_i64).set(this.ar);
    } else {
      const inc = m === Mnemonic.Inc;
      // CF is untouched; OF: inc overflows into the sign (v = 100..0), dec out of it (a = 100..0).
      if (live & OF) {
        f.get(inc ? this.v : this.a).i64(BigInt.asUintN(64, 1n << BigInt(w - 1))).op(Op.i64_eq).set(this.of);
      }
      if (live & AF) f.get(this.a).get(this.v).op(Op.i64_xor).i64(1).op(Op.i64_xor).op(Op.i32_wrap_i64).set(this.ar);
    }
    this.resultFlags(w, live);
  }

  shift(insn: Insn, live: number): void {
    const f = this.f;
    const d = insn.ops[0] as GprOperand;
    const w = d.width;
    const s = insn.ops[1];
    const n = (s === undefined ? 1 : (s as { lo: number }).lo) & (w === 64 ? 63 : 31);
    if (n === 0) {
      // A zero count changes nothing but the 32-bit zero extension.
      if (w === 32) f.get(this.r[d.reg]).i64(0xffffffff).op(Op.i64_and).set(this.r[d.reg]);
      return;
    }
    const m = insn.mnemonic;
    this.readGpr(d);
    f.set(this.a);
    if (m === Mnemonic.Shl || m === Mnemonic.Sal) {
      f.get(this.a).i64(n).op(Op.i64_shl);
      if (w === 32) f.i64(0xffffffff).op(Op.i64_and);
      f.set(this.v);
      if (live & (CF | OF)) f.get(this.a).i64(w - n).op(Op.i64_shr_u).i64(1).op(Op.i64_and).op(Op.i32_wrap_i64).set(this.cf);
      if (live & OF) {
        this.topBit(this.v, w);
        f.get(this.cf).op(Op.i32_xor).set(this.of);
      }
    } else if (m === Mnemonic.Shr) {
      f.get(this.a).i64(n).op(Op.i64_shr_u).set(this.v);
      if (live & CF) f.get(this.a).i64(n - 1).op(Op.i64_shr_u).i64(1).op(Op.i64_and).op(Op.i32_wrap_i64).set(this.cf);
      if (live & OF) {
        if (n === 1) this.topBit(this.a, w);
        else f.i32(0);
        f.set(this.of);
      }
    } else {
      // sar: sign-extend the w-bit value to 64 bits first.
      f.get(this.a);
      if (w === 32) f.op(Op.i64_extend32_s);
      f.set(this.t);
      f.get(this.t).i64(n).op(Op.i64_shr_s);
      if (w === 32) f.i64(0xffffffff).op(Op.i64_and);
      f.set(this.v);
      if (live & CF) f.get(this.t).i64(n - 1).op(Op.i64_shr_s).i64(1).op(Op.i64_and).op(Op.i32_wrap_i64).set(this.cf);
      if (live & OF) f.i32(0).set(this.of);
    }
    if (live & AF) f.i32(0).set(this.ar);
    this.resultFlags(w, live);
    this.writeGpr(d, this.v);
  }

  mov(insn: Insn, k: number): void {
    const f = this.f;
    const [d, s] = insn.ops;
    if (d.kind === 'mem') {
      this.source(insn, s, opWidth(d), k);
      f.set(this.v);
      this.address(insn.mem!);
      this.store(d.size, this.v, k);
      return;
    }
    const dg = d as GprOperand;
    this.source(insn, s, dg.width, k);
    f.set(this.v);
    this.writeGpr(dg, this.v);
  }

  movx(insn: Insn, k: number): void {
    const f = this.f;
    const [d, s] = insn.ops;
    const sw = opWidth(s);
    this.source(insn, s, sw, k);
    if (insn.mnemonic !== Mnemonic.Movzx) {
      if (sw === 8) f.op(Op.i64_extend8_s);
      else if (sw === 16) f.op(Op.i64_extend16_s);
      else if (sw === 32) f.op(Op.i64_extend32_s);
    }
    f.set(this.v);
    this.writeGpr(d as GprOperand, this.v);
  }

  lea(insn: Insn): void {
    const m = insn.mem!;
    const f = this.f;
    const d = insn.ops[0] as GprOperand;
    if (m.ripRelative) f.i64((BigInt(m.dispHi) << 32n) | BigInt(m.dispLo)).set(this.v);
    else {
      this.address(m);
      f.get(this.ea).set(this.v);
    }
    this.writeGpr(d, this.v);
  }

  setcc(insn: Insn): void {
    this.condition(insn.cc);
    this.f.op(Op.i64_extend_i32_u).set(this.v);
    this.writeGpr(insn.ops[0] as GprOperand, this.v);
  }

  cmov(insn: Insn): void {
    const f = this.f;
    const [d, s] = insn.ops as GprOperand[];
    // A 32-bit cmov zero-extends the destination even when the condition is false.
    this.readGpr(s);
    this.readGpr(d);
    this.condition(insn.cc);
    f.op(Op.select).set(this.v);
    this.writeGpr(d, this.v);
  }
}

/** Which instruction's flags are deferred to the edges: the flag writer right before a block's final branch (or -1). */
function deferredWriter(insns: Insn[], length: number): number {
  if (length < 2 || length !== insns.length) return -1;
  const branch = ruleFor(insns[length - 1]);
  if (!branch?.branch) return -1;
  const w = insns[length - 2];
  const m = w.mnemonic;
  return ALU[m] !== undefined || m === Mnemonic.Inc || m === Mnemonic.Dec || m === Mnemonic.Neg ? length - 2 : -1;
}

/**
 * Flags live after each instruction of a member: everything is live at every exit and block boundary, except after
 * a deferred writer, which computes only what the branch reads (the edges compute the rest).
 */
function liveness(insns: Insn[], length: number, deferred: number, hooked = false): number[] {
  const liveAfter = new Array<number>(length + 1);
  let live = ALL;
  for (let i = length - 1; i >= 0; i--) {
    const insn = insns[i];
    // A hook may read RFLAGS before any instruction: every flag is exact at every boundary.
    if (hooked) {
      liveAfter[i] = ALL;
      continue;
    }
    liveAfter[i] = i === deferred ? insns[i + 1].flagsRead | (ALL & ~insn.flagsWritten) : live;
    live = (liveAfter[i] & ~insn.flagsWritten) | insn.flagsRead;
    if (needsAllBefore(insn)) live = ALL;
  }
  liveAfter[length] = live; // (live at the start, kept at the end of the array)
  return liveAfter;
}

/**
 * Compiles a region: member 0 is the entry; a member's final branch (or fall-through) to another member's start
 * continues there inside the function (a loop over a br_table), anything else leaves with RIP set.
 */
export function compileRegion(members: Member[], memory: WebAssembly.Memory, ctx: number, hooked?: HookedCompile): Region {
  const mod = new ModuleBuilder();
  mod.importMemory('m', 'memory', memory.buffer.byteLength / 65536, memory.buffer.byteLength / 65536);
  const hooks = hooked ? new RegionHooks(mod, hooked) : null;
  const e = new Emitter(mod, ctx);
  e.hooks = hooks;
  const f = e.f;
  const M = members.length;
  const index = new Map(members.map((m, i) => [m.addr, i]));
  const xmm = members.some((m) => m.insns.slice(0, m.length).some(usesXmm));
  if (hooks) hooks.xmm = xmm;
  if (xmm) {
    e.declareXmm();
    for (let i = 0; i < 16; i++) f.i32(ctx).simd(Simd.v128_load, { offset: CTX.xmm + 16 * i, alignLog2: 4 }).set(e.x[i]);
  }

  // Prologue: registers and flags from the context.
  for (let i = 0; i < 16; i++) f.i32(ctx).mem(Op.i64_load, CTX.regs + 8 * i, 3).set(e.r[i]);
  const flagLocals = [e.cf, e.of, e.zr, e.sr, e.pr, e.ar];
  flagLocals.forEach((l, i) => f.i32(ctx).mem(Op.i32_load, CTX.flags + 4 * i, 2).set(l));

  f.block(); // exit
  f.loop(); // dispatch
  for (let i = 0; i < M; i++) f.block();
  f.get(e.pc).op(Op.br_table);
  const table: number[] = [];
  uleb(table, M - 1);
  for (let i = 0; i < M - 1; i++) uleb(table, i);
  uleb(table, M - 1);
  f.op(...table);

  const defer = members.map((m) => (hooks ? -1 : deferredWriter(m.insns, m.length)));
  const lives = members.map((m, i) => liveness(m.insns, m.length, defer[i], !!hooks));
  const liveIn = lives.map((l, i) => l[members[i].length]);
  for (let mi = 0; mi < M; mi++) {
    f.end(); // member mi's block: its code follows
    const { insns, length } = members[mi];
    e.insns = insns;
    e.depth = M - mi; // br depth of the exit block at instruction level (dispatch is one less)
    e.deferred = null;
    const liveAfter = lives[mi];
    let ended = false;
    for (let k = 0; k < length; k++) {
      const insn = insns[k];
      const m = insn.mnemonic;
      const lv = liveAfter[k] & insn.flagsWritten;
      const rule = ruleFor(insn);
      if (rule === null) throw new Error(`region compiler: ${insn.text} is not compiled`);
      hooks?.beforeInstruction(e, insn, mi, k, insn.addr);
      if (!rule.branch) {
        e.deferNext = k === defer[mi];
        rule.emit(e, lv, k);
        e.deferNext = false;
        continue;
      }
      const target = (insn.ops[0] as { target: number }).target;
      if (m !== Mnemonic.Jmp) {
        e.condition(insn.cc);
        f.if();
        e.depth++;
        transferAt(target, k + 1);
        e.depth--;
        f.end();
        transferAt(insn.next, k + 1);
      } else transferAt(target, k + 1);
      ended = true;
    }
    // A block cut short (a prefix, or one that ends without a branch): on to the next instruction.
    if (!ended) transferAt(length < insns.length ? insns[length].addr : insns[length - 1].next, length);
  }
  function transferAt(target: number, done: number): void {
    e.addCount(done);
    const j = index.get(target);
    if (j !== undefined) {
      f.get(e.count).i32(members[j].length).op(Op.i32_add).get(0).op(Op.i32_le_u);
      f.if();
      e.flushDeferred(liveIn[j]);
      f.i32(j).set(e.pc).br(e.depth); // inside the if: depth e.depth reaches the dispatch loop
      f.end();
    }
    e.flushDeferred(ALL);
    e.setRip(target);
    f.br(e.depth);
  }
  f.end(); // dispatch loop
  f.end(); // exit block
  // Epilogue: exact state back to the context.
  for (let i = 0; i < 16; i++) f.i32(ctx).get(e.r[i]).mem(Op.i64_store, CTX.regs + 8 * i, 3);
  flagLocals.forEach((l, i) => f.i32(ctx).get(l).mem(Op.i32_store, CTX.flags + 4 * i, 2));
  if (xmm) for (let i = 0; i < 16; i++) f.i32(ctx).get(e.x[i]).simd(Simd.v128_store, { offset: CTX.xmm + 16 * i, alignLog2: 4 });
  f.get(e.count);
  mod.export('run', f);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(mod.bytes()), { m: { memory }, ...(hooks ? hooked!.imports(hooks) : {}) });
  return { run: instance.exports.run as (budget: number) => number, members, xmm };
}
