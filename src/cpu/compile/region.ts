// The region compiler's driver: a hot block and the compilable blocks its branches and calls reach (its loops and
// recursion) compiled to one WebAssembly function, a br_table dispatch loop over the blocks. Guest registers live in i64
// locals for the whole region, flags are computed only where a later instruction or an exit reads them, memory goes
// through an inline software TLB into the frame heap, and every exit (TLB miss, page crossing, budget, a ret to
// elsewhere, the block's end) leaves exact state in the context for the interpreter. What each instruction compiles to
// is not here: the instruction table's `compile` rules (compile/*-rules.ts) emit it through the Emitter's primitives.
import type { ConditionCode } from 'iced-x86';
import type { GprOperand, Insn, MemRef, Operand } from '../decode.ts';
import type { CpuProfile } from '../features.ts';
import { ALU_FLAGS, conditionExpr, type Bits, type ConditionExpr } from '../flags.ts';
import { handlerFor } from '../table.ts';
import { FunctionBuilder, ModuleBuilder, Op, Simd, uleb, ValType } from './wasm-emitter.ts';
import { CTX, TLB_ENTRIES } from './context.ts';
import type { Rule } from './rule.ts';
import { RegionHooks, type HookImportObject } from './hooks.ts';

/** RFLAGS bits (iced's flagsRead/flagsWritten use the same positions). */
export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const ALL = CF | PF | AF | ZF | SF | OF;

/** A region compiled with hooks (hooks.ts): which kinds, where code hooks are called, and the imports that run them. */
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

/** Whether an instruction touches XMM registers. */
export function usesXmm(insn: Insn): boolean {
  return insn.ops.some((o) => o.kind === 'xmm');
}

function memOk(m: MemRef | null): boolean {
  return !!m && !m.seg && (m.ripRelative ? !Number.isNaN(m.absolute) : true);
}

/**
 * How the region compiler compiles an instruction: its table entry's rule, or null (the interpreter runs it; it ends
 * the region). Never for an instruction the CPU profile lacks (the interpreter raises its #UD).
 */
export function ruleFor(insn: Insn, profile: CpuProfile): Rule | null {
  if (insn.bitness !== 64 || insn.lock || insn.rep !== 0) return null;
  const entry = handlerFor(insn.code);
  if (!entry?.compile || (entry.feature && !profile.features.has(entry.feature))) return null;
  if (insn.ops.some((o) => o.kind === 'mem') && !memOk(insn.mem)) return null;
  return entry.compile(insn);
}

/** Whether the region compiler handles this instruction (the rest of the block then runs in the interpreter). */
export function compiles(insn: Insn, profile: CpuProfile): boolean {
  return ruleFor(insn, profile) !== null;
}

/** A region's members, for the transfers the Emitter emits. */
interface Layout {
  index: Map<number, number>;
  members: Member[];
  liveIn: number[];
  /** Members a `ret` may land on (the return addresses of the region's calls). */
  returnPoints: number[];
}

/** The primitives rules emit with: registers in i64 locals, memory through the TLB, flags, exits and transfers. */
export class Emitter {
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
    private readonly layout: Layout,
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
  xmmSource(insn: Insn, op: Operand, aligned: boolean, k: number): void {
    if (op.kind === 'xmm') this.f.get(this.x[op.reg]);
    else this.loadXmm(insn, aligned, k);
  }
  /** 16 bytes at the instruction's memory operand onto the stack (v128). */
  loadXmm(insn: Insn, aligned: boolean, k: number): void {
    this.xmmAddress(insn, aligned, false, k);
    if (this.hooks?.mem) this.hooks.load128(this, k);
    else this.f.get(this.host).simd(Simd.v128_load, { offset: 0, alignLog2: 0 });
  }
  /** Stores v128 local `src` at the instruction's memory operand. */
  storeXmm(insn: Insn, aligned: boolean, src: number, k: number): void {
    this.xmmAddress(insn, aligned, true, k);
    if (this.hooks?.mem) this.hooks.store128(this, src, k);
    else this.f.get(this.host).get(src).simd(Simd.v128_store, { offset: 0, alignLog2: 0 });
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
  /** A condition (iced ConditionCode) as i32 0/1, from its expression in flags.ts. */
  condition(cc: ConditionCode): void {
    this.conditionOf(conditionExpr(cc));
  }
  private conditionOf(e: ConditionExpr): void {
    const f = this.f;
    if ('flag' in e) {
      if (e.flag === 'of') f.get(this.of);
      else if (e.flag === 'cf') f.get(this.cf);
      else if (e.flag === 'zf') f.get(this.zr).op(Op.i32_eqz);
      else if (e.flag === 'sf') f.get(this.sr).i32(0).op(Op.i32_lt_s);
      else f.get(this.pr).i32(0xff).op(Op.i32_and).op(Op.i32_popcnt).i32(1).op(Op.i32_and).op(Op.i32_eqz);
    } else if ('not' in e) {
      // The negation of one flag as one comparison (the hottest branches: jne, jae, jns).
      const n = e.not;
      if ('flag' in n && n.flag === 'zf') f.get(this.zr).i32(0).op(Op.i32_ne);
      else if ('flag' in n && n.flag === 'sf') f.get(this.sr).i32(0).op(Op.i32_ge_s);
      else {
        this.conditionOf(n);
        f.op(Op.i32_eqz);
      }
    } else {
      const [x, y] = 'or' in e ? e.or : e.xor;
      this.conditionOf(x);
      this.conditionOf(y);
      f.op('or' in e ? Op.i32_or : Op.i32_xor);
    }
  }

  /** A flags.ts Bits expression over locals a, b, v onto the stack (i64). */
  bits(e: Bits): void {
    const f = this.f;
    if (typeof e === 'string') f.get(e === 'a' ? this.a : e === 'b' ? this.b : this.v);
    else if ('not' in e) {
      this.bits(e.not);
      f.i64(-1).op(Op.i64_xor);
    } else {
      const [x, y] = 'and' in e ? e.and : 'or' in e ? e.or : e.xor;
      this.bits(x);
      this.bits(y);
      f.op('and' in e ? Op.i64_and : 'or' in e ? Op.i64_or : Op.i64_xor);
    }
  }
  /**
   * CF, OF, AF of an add, sub or logic operation of `width` bits from locals a, b, v (flags.ts's formulas), then
   * ZF/SF/PF; `keepCf` leaves CF alone (inc/dec).
   */
  aluFlags(kind: 'add' | 'sub' | 'logic', width: number, live: number, keepCf = false): void {
    const f = this.f;
    const formulas = ALU_FLAGS[kind];
    const top = (e: Bits | null, into: number) => {
      if (e === null) f.i32(0);
      else {
        this.bits(e);
        f.i64(width - 1).op(Op.i64_shr_u).i64(1).op(Op.i64_and).op(Op.i32_wrap_i64);
      }
      f.set(into);
    };
    if (live & CF && !keepCf) top(formulas.cf, this.cf);
    if (live & OF) top(formulas.of, this.of);
    if (live & AF) {
      if (formulas.af === null) f.i32(0);
      else {
        this.bits(formulas.af);
        f.op(Op.i32_wrap_i64);
      }
      f.set(this.ar);
    }
    this.resultFlags(width, live);
  }

  // ---- control transfers (the rules of block-ending instructions call these)

  /** Goes to `target` with `done` instructions of the member run: inside the region when it is a member and the budget allows. */
  transfer(target: number, done: number): void {
    const f = this.f;
    this.addCount(done);
    const j = this.layout.index.get(target);
    if (j !== undefined) {
      f.get(this.count).i32(this.layout.members[j].length).op(Op.i32_add).get(0).op(Op.i32_le_u);
      f.if();
      this.flushDeferred(this.layout.liveIn[j]);
      f.i32(j).set(this.pc).br(this.depth); // inside the if: depth this.depth reaches the dispatch loop
      f.end();
    }
    this.flushDeferred(ALL);
    this.setRip(target);
    f.br(this.depth);
  }
  /** A jump (jmp, or jcc when `cc` is given: to `target` if it holds, else to `next`) ending the member at instruction k. */
  jump(target: number, next: number, k: number, cc?: ConditionCode): void {
    if (cc !== undefined) {
      this.condition(cc);
      this.f.if();
      this.depth++;
      this.transfer(target, k + 1);
      this.depth--;
      this.f.end();
      this.transfer(next, k + 1);
    } else this.transfer(target, k + 1);
  }
  /**
   * A transfer to the address in local `target` (i64) at instruction k: to a member the region's calls return to,
   * after `commit` emits the instruction's effects; any other address leaves before instruction k (the interpreter runs it).
   */
  dynamicTransfer(target: number, k: number, commit: () => void): void {
    const f = this.f;
    for (const j of this.layout.returnPoints) {
      f.get(target).i64(this.layout.members[j].addr).op(Op.i64_eq);
      f.if();
      this.depth++;
      commit();
      this.transfer(this.layout.members[j].addr, k + 1);
      this.depth--;
      f.end();
    }
    // With hooks compiled in, the instruction's hooks (its read) have run: to a user address it completes here and
    // leaves after it, so the interpreter does not run them again (a non-canonical target faults in the interpreter).
    if (this.hooks) {
      f.get(target).i64(2 ** 47).op(Op.i64_lt_u);
      f.if();
      this.depth++;
      commit();
      this.addCount(k + 1);
      f.i32(this.ctx).get(target).mem(Op.i64_store, CTX.rip, 3);
      f.br(this.depth);
      this.depth--;
      f.end();
    }
    this.exit(k);
  }
}

/** Which instruction's flags are deferred to the edges: a flag writer that allows it right before a block's final jump (or -1). */
function deferredWriter(rules: Rule[], length: number, whole: boolean): number {
  if (length < 2 || !whole) return -1;
  return rules[length - 1].ends === 'jump' && rules[length - 2].defers ? length - 2 : -1;
}

/**
 * Flags live after each instruction of a member: everything is live at every exit and block boundary, except after
 * a deferred writer, which computes only what the branch reads (the edges compute the rest).
 */
function liveness(insns: Insn[], rules: Rule[], length: number, deferred: number, hooked = false): number[] {
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
    // An instruction that may leave the region before it needs exact flags there.
    if (rules[i].exits) live = ALL;
  }
  liveAfter[length] = live; // (live at the start, kept at the end of the array)
  return liveAfter;
}

/**
 * Compiles a region: member 0 is the entry; a member's final branch (or fall-through) to another member's start
 * continues there inside the function (a loop over a br_table), a `ret` to the address after one of the region's
 * calls continues at that member, anything else leaves with RIP set. Every instruction must have a rule (`compiles`).
 */
export function compileRegion(members: Member[], memory: WebAssembly.Memory, ctx: number, profile: CpuProfile, hooked?: HookedCompile): Region {
  const rules = members.map((m) =>
    m.insns.slice(0, m.length).map((insn) => {
      const rule = ruleFor(insn, profile);
      if (rule === null) throw new Error(`region compiler: ${insn.text} is not compiled`);
      return rule;
    }),
  );
  const M = members.length;
  const index = new Map(members.map((m, i) => [m.addr, i]));
  const defer = members.map((m, i) => (hooked ? -1 : deferredWriter(rules[i], m.length, m.length === m.insns.length)));
  const lives = members.map((m, i) => liveness(m.insns, rules[i], m.length, defer[i], !!hooked));
  const liveIn = lives.map((l, i) => l[members[i].length]);
  const returnPoints = [...new Set(members.flatMap((m, i) => (rules[i][m.length - 1].ends === 'call' ? [index.get(m.insns[m.length - 1].next)] : [])))].filter((j) => j !== undefined);

  const mod = new ModuleBuilder();
  mod.importMemory('m', 'memory', memory.buffer.byteLength / 65536, memory.buffer.byteLength / 65536);
  const hooks = hooked ? new RegionHooks(mod, hooked) : null;
  const e = new Emitter(mod, ctx, { index, members, liveIn, returnPoints });
  e.hooks = hooks;
  const f = e.f;
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

  for (let mi = 0; mi < M; mi++) {
    f.end(); // member mi's block: its code follows
    const { insns, length } = members[mi];
    e.insns = insns;
    e.depth = M - mi; // br depth of the exit block at instruction level (dispatch is one less)
    e.deferred = null;
    const liveAfter = lives[mi];
    for (let k = 0; k < length; k++) {
      e.deferNext = k === defer[mi];
      hooks?.beforeInstruction(e, insns[k], mi, k, insns[k].addr);
      rules[mi][k].emit(e, liveAfter[k] & insns[k].flagsWritten, k);
      e.deferNext = false;
    }
    // A block cut short (a prefix, or one that ends without a branch): on to the next instruction.
    if (!rules[mi][length - 1].ends) e.transfer(length < insns.length ? insns[length].addr : insns[length - 1].next, length);
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
