// Hooks in compiled regions: with code hooks (HOOK_CODE, the tracer's instruction hook) a region calls an import
// before each instruction, and with memory hooks every access goes through an import that runs the CPU's own hooked
// access path (same hooks, same order, same values as the interpreter). Registers and flags are spilled to the
// context before each call and reloaded after it (a hook may read or write them); the region leaves when a hook
// changed RIP, stopped the run, faulted or changed code.
import { FlowControl } from 'iced-x86';
import type { Insn } from '../decode.ts';
import { GuestFault } from '../faults.ts';
import type { CpuHooks } from '../memory-access.ts';
import type { CpuState } from '../state.ts';
import { CTX, type RegionContext } from './context.ts';
import { Op, Simd, ValType, type FunctionBuilder, type ModuleBuilder } from './wasm-emitter.ts';

/** An import object for WebAssembly.Instance (module name → name → value). */
export type HookImportObject = Record<string, Record<string, unknown>>;

/** What a region is compiled for: no hooks, code hooks (bit 1), memory hooks (bit 2). Regions of different kinds are never shared. */
export const HOOK_CODE = 1;
export const HOOK_MEM = 2;

/** Which hook kinds a set of CPU hooks needs compiled in (block hooks are not: the CPU interprets while one is set). */
export function hookKindOf(h: CpuHooks): number {
  const code = h.code || h.instruction || h.memFetch ? HOOK_CODE : 0;
  const mem = h.memRead || h.memReadAfter || h.memWrite || h.access ? HOOK_MEM : 0;
  return code | mem;
}

/** What a hooked region is compiled for: its hook kind and where code hooks are called. Regions of different configurations are never shared. */
export interface HookConfig {
  kind: number;
  codeRanges: ReadonlyArray<readonly [number, number]> | undefined;
  /** A key naming the configuration (kind and ranges). */
  key: string;
}
export function hookConfigOf(h: CpuHooks): HookConfig {
  const kind = hookKindOf(h);
  const codeRanges = kind & HOOK_CODE ? h.codeRanges : undefined;
  return { kind, codeRanges, key: codeRanges ? `${kind}:${codeRanges.map(([b, e]) => `${b}-${e}`).join(',')}` : String(kind) };
}

/** The emitter state hooked emission needs (region.ts's Emitter has these). */
export interface HookedEmitter {
  readonly f: FunctionBuilder;
  readonly ctx: number;
  readonly r: number[];
  readonly x: number[];
  readonly cf: number;
  readonly of: number;
  readonly zr: number;
  readonly sr: number;
  readonly pr: number;
  readonly ar: number;
  readonly ea: number;
  depth: number;
  addCount(n: number): void;
}

/** One region's hook imports and the instructions they are called for (an import gets its index in `insns`). */
export class RegionHooks {
  readonly insns: Insn[] = [];
  /** The member each instruction of `insns` belongs to. */
  readonly memberOf: number[] = [];
  private readonly code: number;
  private readonly read: number;
  private readonly write: number;
  private ret = -1;
  /** Index in `insns` of the instruction being emitted, and whether its code hooks are called. */
  private current = -1;
  private codeHere = false;
  xmm = false;
  readonly kind: number;
  private readonly ranges: ReadonlyArray<readonly [number, number]> | undefined;

  constructor(mod: ModuleBuilder, config: Pick<HookConfig, 'kind' | 'codeRanges'>) {
    const kind = (this.kind = config.kind);
    this.ranges = config.codeRanges;
    // (Imports come before any function is defined; all arguments are i32: no BigInt crosses the boundary.)
    this.code = kind & HOOK_CODE ? mod.importFunction('h', 'code', [ValType.i32], [ValType.i32]) : -1;
    this.read = kind & HOOK_MEM ? mod.importFunction('h', 'read', [ValType.i32, ValType.i32], [ValType.i32]) : -1;
    this.write = kind & HOOK_MEM ? mod.importFunction('h', 'write', [ValType.i32, ValType.i32], [ValType.i32]) : -1;
  }

  get mem(): boolean {
    return (this.kind & HOOK_MEM) !== 0;
  }

  /** Registers, flags (and XMM in regions that use them) into the context, where the hook sees them. */
  private spill(e: HookedEmitter): void {
    const f = e.f;
    for (let i = 0; i < 16; i++) f.i32(e.ctx).get(e.r[i]).mem(Op.i64_store, CTX.regs + 8 * i, 3);
    [e.cf, e.of, e.zr, e.sr, e.pr, e.ar].forEach((l, i) => f.i32(e.ctx).get(l).mem(Op.i32_store, CTX.flags + 4 * i, 2));
    if (this.xmm) for (let i = 0; i < 16; i++) f.i32(e.ctx).get(e.x[i]).simd(Simd.v128_store, { offset: CTX.xmm + 16 * i, alignLog2: 4 });
  }
  /** And back: the hook may have written them. */
  private reload(e: HookedEmitter): void {
    const f = e.f;
    for (let i = 0; i < 16; i++) f.i32(e.ctx).mem(Op.i64_load, CTX.regs + 8 * i, 3).set(e.r[i]);
    [e.cf, e.of, e.zr, e.sr, e.pr, e.ar].forEach((l, i) => f.i32(e.ctx).mem(Op.i32_load, CTX.flags + 4 * i, 2).set(l));
    if (this.xmm) for (let i = 0; i < 16; i++) f.i32(e.ctx).simd(Simd.v128_load, { offset: CTX.xmm + 16 * i, alignLog2: 4 }).set(e.x[i]);
  }
  /** Calls import `fn` (arguments pushed by `args`) with state spilled; a non-zero result leaves with `done` instructions counted (RIP set by the import). */
  private callOut(e: HookedEmitter, fn: number, args: () => void, done: number): void {
    const f = e.f;
    if (this.ret < 0) this.ret = f.local(ValType.i32);
    this.spill(e);
    args();
    f.call(fn).set(this.ret);
    this.reload(e);
    f.get(this.ret).if();
    e.depth++;
    e.addCount(done);
    f.br(e.depth);
    e.depth--;
    f.end();
  }

  /** Before instruction k of the member being emitted: the code hooks, or (memory hooks only) leave if an access hook asked to. */
  beforeInstruction(e: HookedEmitter, insn: Insn, member: number, k: number, rip: number): void {
    this.current = this.insns.length;
    this.insns.push(insn);
    this.memberOf.push(member);
    const f = e.f;
    const at = insn.addr;
    this.codeHere = this.code >= 0 && (this.ranges === undefined || this.ranges.some(([b, end]) => at >= b && at <= end));
    if (this.codeHere) {
      const idx = this.current;
      this.callOut(e, this.code, () => f.i32(idx), k);
      return;
    }
    // (No code hook here.) A hook that stopped the run or changed code: the previous instruction completed; leave before this one.
    f.i32(e.ctx).mem(Op.i32_load, CTX.hookStatus, 2).if();
    e.depth++;
    e.addCount(k);
    f.i32(e.ctx).i64(rip).mem(Op.i64_store, CTX.rip, 3);
    f.br(e.depth);
    e.depth--;
    f.end();
  }

  /** An exit at instruction k after its code hooks ran (a TLB miss, a misaligned operand): the interpreter must not run them again. */
  markHooksDone(e: HookedEmitter): void {
    if (this.codeHere) e.f.i32(e.ctx).i32(1).mem(Op.i32_store, CTX.hooksDone, 2);
  }

  /** A hooked load of `size` (1-8) bytes at local `ea`: the zero-extended value onto the stack. */
  load(e: HookedEmitter, size: number, k: number): void {
    this.access(e, this.read, size, k);
    e.f.i32(e.ctx).mem(size === 1 ? Op.i64_load8_u : size === 2 ? Op.i64_load16_u : size === 4 ? Op.i64_load32_u : Op.i64_load, CTX.hookValue, 0);
  }
  /** A hooked 16-byte load at `ea`: the v128 onto the stack. */
  load128(e: HookedEmitter, k: number): void {
    this.access(e, this.read, 16, k);
    e.f.i32(e.ctx).simd(Simd.v128_load, { offset: CTX.hookValue, alignLog2: 0 });
  }
  /** A hooked store of local `src`'s low `size` bytes at `ea`. */
  store(e: HookedEmitter, size: number, src: number, k: number): void {
    e.f.i32(e.ctx).get(src).mem(Op.i64_store, CTX.hookValue, 3);
    this.access(e, this.write, size, k);
  }
  /** A hooked 16-byte store of XMM local `src` at `ea`. */
  store128(e: HookedEmitter, src: number, k: number): void {
    e.f.i32(e.ctx).get(src).simd(Simd.v128_store, { offset: CTX.hookValue, alignLog2: 0 });
    this.access(e, this.write, 16, k);
  }
  private access(e: HookedEmitter, fn: number, size: number, k: number): void {
    e.f.i32(e.ctx).get(e.ea).mem(Op.i64_store, CTX.hookVa, 3);
    const idx = this.current;
    this.callOut(e, fn, () => e.f.i32(idx).i32(size), k);
  }
}

/** What the imports need from the CPU (Cpu has it all). */
export interface HookHost extends CpuState {
  hooks: CpuHooks;
  curInsn: Insn | null;
  hi: number;
  read8(va: number): number;
  read16(va: number): number;
  read32(va: number): number;
  read64(va: number): number;
  readBytes(va: number, n: number, dst: Uint8Array, offset: number): void;
  write8(va: number, v: number): void;
  write16(va: number, v: number): void;
  write32(va: number, v: number): void;
  write64(va: number, lo: number, hi: number): void;
  writeBytes(va: number, src: Uint8Array, offset: number, n: number): void;
  /** A stop (emu_stop, a breakpoint) is pending. */
  readonly stopPending: boolean;
  /** Bumped whenever decoded code is dropped. */
  readonly codeGeneration: number;
  /** Set by an access that faulted inside a region: the CPU reports it at that instruction. */
  regionFault: { fault: GuestFault; insn: Insn } | null;
}

/**
 * The import object of a hooked region: the calls `RegionHooks` emits, run against the CPU. `memberValid(m)` says
 * whether member m's decoded block still stands (a code hook that rewrote it makes the region leave at once).
 */
export function hookImports(cpu: HookHost, ctx: RegionContext, hooks: RegionHooks, memberValid: (m: number) => boolean): HookImportObject {
  const buffer = ctx.heap.memory.buffer;
  const u32 = new Uint32Array(buffer, ctx.at, 1024);
  const bytes = new Uint8Array(buffer);
  const valueAt = ctx.at + CTX.hookValue;
  const STATUS = CTX.hookStatus / 4, VALUE = CTX.hookValue / 4, VA = CTX.hookVa / 4, RIP = CTX.rip / 4;
  const { insns, memberOf } = hooks;
  const xmm = hooks.xmm;
  const setRip = (rip: number): void => {
    u32[RIP] = rip >>> 0;
    u32[RIP + 1] = Math.floor(rip / 4294967296) >>> 0;
  };
  /** After an access: a stop or a code change ends the region after this instruction (as the interpreter does). */
  const settle = (gen: number): void => {
    if (cpu.stopPending || cpu.codeGeneration !== gen) u32[STATUS] = 1;
  };
  const faulted = (e: unknown, insn: Insn): number => {
    cpu.curInsn = null;
    if (!(e instanceof GuestFault)) throw e;
    cpu.regionFault = { fault: e, insn };
    ctx.enter(cpu, xmm);
    return 1;
  };
  /** While an instruction runs, RIP is its own address, or the next one's for control transfers (as in the interpreter). */
  const during = (insn: Insn): void => {
    ctx.leave(cpu, xmm);
    cpu.rip = insn.flow === FlowControl.Next ? insn.addr : insn.next;
    cpu.curInsn = insn;
  };
  const h = {
    code(idx: number): number {
      const insn = insns[idx];
      if (u32[STATUS] !== 0) {
        setRip(insn.addr);
        return 1;
      }
      ctx.leave(cpu, xmm);
      cpu.rip = insn.addr;
      const gen = cpu.codeGeneration;
      const hk = cpu.hooks;
      // The interpreter's order: instruction hook, code hook, fetch hook; leave on a stop, a new RIP, or this code rewritten.
      let leave = false;
      if (hk.instruction) {
        hk.instruction(insn);
        leave = cpu.stopPending;
      }
      if (!leave && hk.code) {
        hk.code(insn.addr, insn.len);
        leave = cpu.stopPending || cpu.rip !== insn.addr;
        if (!leave && cpu.codeGeneration !== gen) {
          if (!memberValid(memberOf[idx])) leave = true;
          // Other code of the region changed: this instruction still runs (its block stands), then the region leaves.
          else u32[STATUS] = 1;
        }
      }
      if (!leave) hk.memFetch?.(insn.addr, insn.len);
      ctx.enter(cpu, xmm);
      if (!leave) return 0;
      setRip(cpu.rip);
      return 1;
    },
    read(idx: number, size: number): number {
      const insn = insns[idx];
      during(insn);
      const va = u32[VA + 1] * 4294967296 + u32[VA];
      const gen = cpu.codeGeneration;
      try {
        if (size === 16) cpu.readBytes(va, 16, bytes, valueAt);
        else {
          u32[VALUE] = size === 1 ? cpu.read8(va) : size === 2 ? cpu.read16(va) : size === 4 ? cpu.read32(va) : cpu.read64(va);
          u32[VALUE + 1] = size === 8 ? cpu.hi : 0;
        }
      } catch (e) {
        return faulted(e, insn);
      }
      cpu.curInsn = null;
      settle(gen);
      ctx.enter(cpu, xmm);
      return 0;
    },
    write(idx: number, size: number): number {
      const insn = insns[idx];
      during(insn);
      const va = u32[VA + 1] * 4294967296 + u32[VA];
      const lo = u32[VALUE];
      const gen = cpu.codeGeneration;
      try {
        if (size === 1) cpu.write8(va, lo & 0xff);
        else if (size === 2) cpu.write16(va, lo & 0xffff);
        else if (size === 4) cpu.write32(va, lo);
        else if (size === 8) cpu.write64(va, lo, u32[VALUE + 1]);
        else cpu.writeBytes(va, bytes, valueAt, 16);
      } catch (e) {
        return faulted(e, insn);
      }
      cpu.curInsn = null;
      settle(gen);
      ctx.enter(cpu, xmm);
      return 0;
    },
  };
  return { h };
}
