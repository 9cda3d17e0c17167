// The unicorn.js 2.x `Unicorn` class: argument forms, return types and thrown failures as unicorn.js has them,
// over picemu's CPU (engine.ts), unicorn-style memory regions (memory.ts), registers and hooks.
import { DEFAULT_CPU_X86, modelProfile } from './cpu-models.ts';
import { constants as uc } from './constants.ts';
import { createEngine, type Engine, type EngineOptions } from './engine.ts';
import { fail, failureMessage, UcError } from './errors.ts';
import { HookTable, type HookCallback, type WideAccess } from './hooks.ts';
import { UnicornMemory } from './memory.ts';
import { registerAccess, SpareRegisters } from './registers.ts';
import { translationBlock } from './translation-block.ts';
import { address, getValue, setValue, TYPE_SIZE, u32, u64, type ValueType } from './values.ts';

/** What mem_regions returns per region (BigInt addresses, `end` inclusive). */
export interface MemRegion {
  begin: bigint;
  end: bigint;
  perms: number;
}

/** What hook_add returns; hook_del takes it back. */
export interface HookHandle {
  handle: number;
  callback: number;
}

/** A saved CPU context (context_alloc's handle refers to one). */
interface SavedContext {
  bits: 64 | 32;
  gpr: Uint32Array;
  rip: number;
  rflags: number;
  xmm: Uint8Array;
  mxcsr: number;
  fsBase: number;
  gsBase: number;
  spare: Map<number, Uint8Array>;
}

/** Contexts by handle: unicorn.js hands out uc_context pointers, usable with any engine of the same mode. */
const contexts = new Map<number, SavedContext | null>();
let nextContext = 0x1000;

const PAGE_SIZE = 4096;
/** Bytes read to find where a translated block ends (its longest span plus one instruction). */
const TB_READ = 4096 - 32 + 15;

export class Unicorn {
  readonly arch: number;
  readonly mode: number;
  private readonly bits: 64 | 32;
  private readonly memory = new UnicornMemory();
  private readonly spare = new SpareRegisters();
  private readonly engine: Engine;
  private readonly hooks: HookTable;
  private closed = false;
  private timedOut = false;
  private useExits = false;
  private exits: bigint[] = [];
  /** UC_CTL_CPU_MODEL: -1 until set (unicorn's INT_MAX, the default model); fixed once the engine initializes. */
  private cpuModel = -1;
  private initDone = false;
  /** unicorn's block sizes by address, for the exits they were computed with. */
  private blockSizes = new Map<number, number>();
  private blockSizesExits: number[] = [];

  /** `options` is picemu's own (not unicorn.js's): e.g. `{ jit: 'off' }` runs every instruction in the interpreter. */
  constructor(arch: number, mode: number, options: EngineOptions = {}) {
    this.arch = arch;
    this.mode = mode;
    if (arch !== uc.ARCH_X86) fail('open', uc.ERR_ARCH);
    if (mode !== uc.MODE_64 && mode !== uc.MODE_32) fail('open', uc.ERR_MODE);
    this.bits = mode === uc.MODE_64 ? 64 : 32;
    this.engine = createEngine(this.memory, this.bits, options);
    const state = this.engine.state;
    const rip = { get: () => state.rip, set: (v: number) => (state.rip = v) };
    const wide: WideAccess = {
      readHigh: (addr) => {
        const b = this.memory.peek(addr + 8, 8);
        return b ? [u32le(b, 0), u32le(b, 4)] : [0, 0];
      },
      // A 16-byte store's source is an XMM register (movdqa/movups/...): its upper half is the value.
      writeHigh: () => {
        const x = state.curInsn?.ops.find((o) => o.kind === 'xmm');
        if (!x || x.kind !== 'xmm') return [0, 0];
        return [state.xmm32[4 * x.reg + 2], state.xmm32[4 * x.reg + 3]];
      },
    };
    this.hooks = new HookTable({
      owner: this,
      rip,
      changed: () => this.engine.setHooks(this.hooks.cpuHooks()),
      exits: () => this.engine.exits,
      wide,
      byteAt: (addr) => this.memory.byteAt(addr),
      translationBlockSize: (addr) => this.translationBlockSize(addr),
    });
    this.memory.onChange = (addr, length) => {
      this.engine.invalidateCode(addr, length);
      this.blockSizes.clear();
      this.hooks.codeChanged = true;
    };
  }

  // ---- registers

  reg_write(regid: number, bytes: ArrayLike<number>): void {
    this.open('reg_write');
    const reg = registerAccess(this.bits, regid);
    const buffer = new Uint8Array(Math.max(reg.width, bytes.length));
    for (let i = 0; i < bytes.length; i++) buffer[i] = bytes[i];
    this.regWriteBytes(regid, buffer);
  }

  reg_read(regid: number, size: number): Uint8Array {
    this.open('reg_read');
    return this.regReadBytes(regid, size).slice(0, size);
  }

  reg_write_i8(regid: number, value: number): void {
    this.reg_write_type(regid, 'i8', value);
  }
  reg_write_i16(regid: number, value: number): void {
    this.reg_write_type(regid, 'i16', value);
  }
  reg_write_i32(regid: number, value: number): void {
    this.reg_write_type(regid, 'i32', value);
  }
  reg_write_i64(regid: number, value: number | bigint): void {
    this.reg_write_type(regid, 'i64', value);
  }
  reg_write_float(regid: number, value: number): void {
    this.reg_write_type(regid, 'float', value);
  }
  reg_write_double(regid: number, value: number): void {
    this.reg_write_type(regid, 'double', value);
  }
  reg_read_i8(regid: number): number {
    return this.reg_read_type(regid, 'i8') as number;
  }
  reg_read_i16(regid: number): number {
    return this.reg_read_type(regid, 'i16') as number;
  }
  reg_read_i32(regid: number): number {
    return this.reg_read_type(regid, 'i32') as number;
  }
  reg_read_i64(regid: number): bigint {
    return this.reg_read_type(regid, 'i64') as bigint;
  }
  reg_read_float(regid: number): number {
    return this.reg_read_type(regid, 'float') as number;
  }
  reg_read_double(regid: number): number {
    return this.reg_read_type(regid, 'double') as number;
  }

  // ---- memory

  mem_map(addr: number | bigint, size: number | bigint, perms?: number): void {
    this.call('mem_map', () => this.memory.map(address(addr), sizeArg(size), u32(perms)));
  }

  /** picemu's form of uc_mem_map_ptr: `buffer` backs the region, so engines given one buffer share its bytes. */
  mem_map_ptr(addr: number | bigint, size: number | bigint, perms: number, buffer: Uint8Array): void {
    this.call('mem_map_ptr', () => {
      if (!(buffer instanceof Uint8Array)) fail('mem_map_ptr', uc.ERR_ARG);
      this.memory.map(address(addr), sizeArg(size), u32(perms), buffer);
    });
  }

  mem_protect(addr: number | bigint, size: number | bigint, perms?: number): void {
    this.call('mem_protect', () => this.memory.protect(address(addr), sizeArg(size), u32(perms)));
  }

  mem_unmap(addr: number | bigint, size: number | bigint): void {
    this.call('mem_unmap', () => this.memory.unmap(address(addr), sizeArg(size)));
  }

  mem_regions(): MemRegion[] {
    this.open('mem_regions');
    return this.memory.list().map((r) => ({ begin: BigInt(r.begin), end: BigInt(r.end), perms: r.perms }));
  }

  mem_write(addr: number | bigint, bytes: ArrayLike<number>): void {
    this.call('mem_write', () => this.memory.write(address(addr), bytes));
  }

  mem_read(addr: number | bigint, size: number): Uint8Array {
    return this.call('mem_read', () => {
      const n = u32(size);
      return this.memory.read(address(addr), n);
    });
  }

  // ---- hooks

  hook_add(type: number, callback: HookCallback, user_data?: unknown, begin?: number | bigint, end?: number | bigint, extra?: number): HookHandle {
    this.open('hook_add');
    if (user_data === undefined) user_data = {};
    if (begin === undefined && end === undefined) {
      begin = 1;
      end = 0;
    }
    // unicorn.js wraps a callback only for these type forms; anything else is refused before uc_hook_add.
    const memValid = uc.HOOK_MEM_READ | uc.HOOK_MEM_WRITE | uc.HOOK_MEM_FETCH | uc.HOOK_MEM_READ_AFTER;
    const known = type === uc.HOOK_INSN || type === uc.HOOK_INTR || type === uc.HOOK_CODE || type === uc.HOOK_BLOCK || (type & (memValid | uc.HOOK_MEM_INVALID)) !== 0;
    if (!known) throw 'Unicorn.js: Unimplemented hook type';
    const lo = u64(begin);
    const hi = u64(end);
    const insn = u32(extra);
    const code = this.hookAddCode(type, insn);
    if (code !== uc.ERR_OK) fail('hook_add', code);
    // Ranges beyond 2^53 behave as "up to the end" (picemu addresses stay below 2^48).
    const b = lo > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(lo);
    const e = hi > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(hi);
    const record = this.hooks.add(type, callback, user_data, b, e, insn);
    return { handle: record.handle, callback: record.handle };
  }

  hook_del(hook: HookHandle): void {
    // unicorn.js names uc_mem_unmap in this failure.
    if (this.closed) fail('mem_unmap', uc.ERR_HANDLE);
    this.hooks.delete(hook.handle);
  }

  // ---- emulation

  emu_start(begin: number | bigint, until: number | bigint, timeout?: number | bigint, count?: number): void {
    this.open('emu_start');
    const start = address(begin);
    const stop = address(until);
    const timeoutUs = Number(u64(timeout));
    const maxCount = u32(count);
    this.timedOut = false;
    const exits = this.useExits ? this.exits.filter((x) => x <= BigInt(Number.MAX_SAFE_INTEGER)).map(Number) : [stop];
    const result = this.engine.run(start, exits, timeoutUs, maxCount);
    this.timedOut = result.timedOut;
    if (result.code !== uc.ERR_OK) fail('emu_start', result.code);
  }

  emu_stop(): void {
    this.open('emu_stop');
    this.engine.stop();
  }

  // ---- contexts

  context_alloc(): number {
    this.open('context_alloc');
    const handle = nextContext;
    nextContext += 0x100;
    contexts.set(handle, null);
    return handle;
  }

  context_free(context: number): void {
    contexts.delete(context);
  }

  context_save(context: number): void {
    this.open('context_save');
    if (!contexts.has(context)) fail('context_save', uc.ERR_ARG);
    const s = this.engine.state;
    contexts.set(context, {
      bits: this.bits,
      gpr: s.r32.slice(),
      rip: s.rip,
      rflags: s.rflags,
      xmm: s.xmm8.slice(),
      mxcsr: s.mxcsr,
      fsBase: s.fsBase,
      gsBase: s.gsBase,
      spare: new Map([...this.spare.values].map(([k, v]) => [k, v.slice()])),
    });
  }

  context_restore(context: number): void {
    this.open('context_restore');
    const saved = contexts.get(context);
    if (!saved || saved.bits !== this.bits) fail('context_restore', uc.ERR_ARG);
    const s = this.engine.state;
    s.r32.set(saved.gpr);
    s.rip = saved.rip;
    s.rflags = saved.rflags;
    s.xmm8.set(saved.xmm);
    s.mxcsr = saved.mxcsr;
    s.fsBase = saved.fsBase;
    s.gsBase = saved.gsBase;
    this.spare.values.clear();
    for (const [k, v] of saved.spare) this.spare.values.set(k, v.slice());
  }

  // ---- queries and controls

  /** uc_errno: unicorn 2 leaves uc->errnum at 0 on these paths (failed calls return their code instead). */
  errno(): number {
    return 0;
  }

  query_i8(type: number): number {
    return this.query_type(type, 'i8') as number;
  }
  query_i16(type: number): number {
    return this.query_type(type, 'i16') as number;
  }
  query_i32(type: number): number {
    return this.query_type(type, 'i32') as number;
  }
  query_i64(type: number): bigint {
    return this.query_type(type, 'i64') as bigint;
  }
  query_float(type: number): number {
    return this.query_type(type, 'float') as number;
  }
  query_double(type: number): number {
    return this.query_type(type, 'double') as number;
  }
  /** uc_query's result as a number (picemu's shorthand; unicorn.js itself has only the typed forms). */
  query(type: number): number {
    return this.query_i32(type);
  }

  /**
   * uc_ctl with unicorn.js's argument list ({ type: 'i32' | 'i64' | 'ptr', value }). picemu has no emscripten
   * heap to point into, so controls that read through a pointer are available as the ctl_get_* methods only.
   */
  ctl(control: number, args: { type: string; value: unknown }[] = []): void {
    this.open('ctl');
    const type = control & 0x3ffffff;
    const rw = control >>> 30;
    if (rw & uc.CTL_IO_READ || args.some((a) => a.type === 'ptr')) fail('ctl', uc.ERR_ARG);
    const arg = (i: number): unknown => args[i]?.value;
    switch (type) {
      case uc.CTL_UC_USE_EXITS:
        this.useExits = u32(arg(0)) !== 0;
        return;
      case uc.CTL_UC_PAGE_SIZE:
        if (u32(arg(0)) !== PAGE_SIZE) fail('ctl', uc.ERR_ARG);
        return;
      case uc.CTL_CPU_MODEL:
        this.setCpuModel(u32(arg(0)) | 0);
        return;
      case uc.CTL_TB_FLUSH:
      case uc.CTL_TLB_FLUSH:
        this.engine.invalidateCode(0, Number.MAX_SAFE_INTEGER);
        return;
      case uc.CTL_TB_REMOVE_CACHE: {
        const from = address(arg(0));
        const to = address(arg(1));
        if (from >= 0 && to >= from) this.engine.invalidateCode(from, to - from);
        return;
      }
      case uc.CTL_CONTEXT_MODE:
        if (u32(arg(0)) & uc.CTL_CONTEXT_MEMORY) fail('ctl', uc.ERR_ARG);
        return;
      case uc.CTL_TLB_TYPE:
      case uc.CTL_TCG_BUFFER_SIZE:
        return;
      default:
        fail('ctl', uc.ERR_ARG);
    }
  }

  ctl_get_arch(): number {
    this.open('ctl');
    return this.arch;
  }
  ctl_get_mode(): number {
    this.open('ctl');
    return this.mode;
  }
  ctl_get_page_size(): number {
    this.open('ctl');
    this.initialize();
    return PAGE_SIZE;
  }
  ctl_set_page_size(size: number): void {
    this.ctlWrite(uc.CTL_UC_PAGE_SIZE, { type: 'i32', value: size });
  }
  /** The timeout of the last emu_start, in microseconds. */
  ctl_get_timeout(): bigint {
    this.open('ctl');
    return BigInt(this.engine.lastTimeout);
  }
  ctl_exits_enable(): void {
    this.open('ctl');
    this.useExits = true;
  }
  ctl_exits_disable(): void {
    this.open('ctl');
    this.useExits = false;
  }
  ctl_get_exits_cnt(): number {
    this.openExits();
    return this.exits.length;
  }
  ctl_get_exits(count: number): bigint[] {
    this.openExits();
    const out: bigint[] = [];
    for (let i = 0; i < count; i++) out.push(BigInt.asIntN(64, this.exits[i] ?? 0n));
    return out;
  }
  ctl_set_exits(exits: (number | bigint)[]): void {
    this.openExits();
    this.exits = exits.map((x) => u64(x));
  }
  /** The model in use (reading it initializes the engine, as UC_INIT does in uc_ctl). */
  ctl_get_cpu_model(): number {
    this.open('ctl');
    this.initialize();
    return this.cpuModel;
  }
  ctl_set_cpu_model(model: number): void {
    this.open('ctl');
    this.setCpuModel(model | 0);
  }
  ctl_flush_tb(): void {
    this.open('ctl');
    this.engine.invalidateCode(0, Number.MAX_SAFE_INTEGER);
  }
  ctl_flush_tlb(): void {
    this.ctl_flush_tb();
  }
  ctl_remove_cache(addr: number | bigint, end: number | bigint): void {
    this.ctlWrite(uc.CTL_TB_REMOVE_CACHE, { type: 'i64', value: addr }, { type: 'i64', value: end });
  }
  ctl_context_mode(mode: number): void {
    this.ctlWrite(uc.CTL_CONTEXT_MODE, { type: 'i32', value: mode });
  }
  /** The block unicorn would translate at `addr`: { pc, icount, size }, as uc_ctl_request_cache fills uc_tb. */
  ctl_request_cache(addr: number | bigint): { pc: bigint; icount: number; size: number } {
    this.open('ctl');
    const at = address(addr);
    if (at < 0 || this.memory.protAt(at) === undefined) fail('ctl', uc.ERR_FETCH_UNMAPPED);
    const tb = this.translationBlockAt(at, []);
    return { pc: BigInt(at), icount: tb.instructions, size: tb.size };
  }
  ctl_tlb_mode(mode: number): void {
    this.ctlWrite(uc.CTL_TLB_TYPE, { type: 'i32', value: mode });
  }

  close(): void {
    this.open('close');
    this.closed = true;
  }

  /** Bytes of a value type ('i8'..'double'; 0 for anything else), as unicorn.js's helper. */
  _sizeof(type: string): number {
    return TYPE_SIZE[type as ValueType] ?? 0;
  }

  // ---- internals

  /** uc_ctl with UC_CTL_WRITE(type, args.length), as unicorn.js's ctl_* shorthands call it. */
  private ctlWrite(type: number, ...args: { type: string; value: unknown }[]): void {
    this.ctl(type | (args.length << 26) | (uc.CTL_IO_WRITE << 30), args);
  }

  /** Throws ERR_HANDLE (as a freed engine would fail) once closed; every call but uc_ctl initializes the engine (UC_INIT). */
  private open(fn: string): void {
    if (this.closed) fail(fn, uc.ERR_HANDLE);
    if (fn !== 'ctl') this.initialize();
  }

  /** unicorn's UC_INIT: the CPU model is fixed (the default, Haswell, when none was set) and selects the features. */
  private initialize(): void {
    if (this.initDone) return;
    this.initDone = true;
    if (this.cpuModel < 0) this.cpuModel = DEFAULT_CPU_X86;
    this.engine.state.profile = modelProfile(this.cpuModel)!;
    this.engine.state.flushCode();
  }

  /** UC_CTL_CPU_MODEL write: ERR_ARG for a negative or unknown model, or once the engine is initialized. */
  private setCpuModel(model: number): void {
    if (model < 0 || this.initDone || modelProfile(model) === undefined) fail('ctl', uc.ERR_ARG);
    this.cpuModel = model;
  }

  /** The exits controls' check: uc_ctl fails with ERR_ARG unless exits are enabled. */
  private openExits(): void {
    this.open('ctl');
    if (!this.useExits) fail('ctl', uc.ERR_ARG);
  }

  /**
   * Runs `body` as unicorn.js's `uc_<fn>`: ERR_HANDLE once closed, and a UcError from inside turned into
   * unicorn.js's thrown failure for `uc_<fn>`.
   */
  private call<T>(fn: string, body: () => T): T {
    this.open(fn);
    try {
      return body();
    } catch (e) {
      if (e instanceof UcError) throw failureMessage(fn, e.code);
      throw e;
    }
  }

  /** The size of the block unicorn translates at `addr` in the current run (cached until code or exits change). */
  private translationBlockSize(addr: number): number {
    const exits = this.engine.exits;
    if (exits !== this.blockSizesExits) {
      this.blockSizes.clear();
      this.blockSizesExits = exits;
    }
    let size = this.blockSizes.get(addr);
    if (size === undefined) {
      size = this.translationBlockAt(addr, exits).size;
      this.blockSizes.set(addr, size);
    }
    return size;
  }

  private translationBlockAt(addr: number, exits: number[]): { size: number; instructions: number } {
    // The mapped bytes from `addr` on, up to what a block can span.
    let n = 0;
    while (n < TB_READ && this.memory.byteAt(addr + n) >= 0) n += PAGE_SIZE - ((addr + n) % PAGE_SIZE);
    const code = this.memory.peek(addr, Math.min(n, TB_READ)) ?? new Uint8Array(0);
    return translationBlock(code, addr, this.bits, exits);
  }

  /**
   * uc_hook_add's own check: the instructions x86 lets HOOK_INSN name. picemu calls syscall and cpuid hooks;
   * IN, OUT and SYSENTER are accepted as unicorn accepts them, but picemu's CPU does not execute those
   * instructions in user mode (they fault), so their hooks are never called.
   */
  private hookAddCode(type: number, insn: number): number {
    if (type & uc.HOOK_INSN) {
      const hookable = [uc.X86_INS_SYSCALL, uc.X86_INS_CPUID, uc.X86_INS_IN, uc.X86_INS_OUT, uc.X86_INS_SYSENTER];
      return hookable.includes(insn as (typeof hookable)[number]) ? uc.ERR_OK : uc.ERR_HOOK;
    }
    return uc.ERR_OK;
  }

  /** The register's bytes in a zeroed buffer of at least `size` bytes. */
  private regReadBytes(regid: number, size: number): Uint8Array {
    const reg = registerAccess(this.bits, regid);
    const buffer = new Uint8Array(Math.max(reg.width, size, 1));
    reg.read(this.engine.state, this.spare, buffer);
    return buffer;
  }

  private regWriteBytes(regid: number, buffer: Uint8Array): void {
    const reg = registerAccess(this.bits, regid);
    if (reg.width === 0) return;
    // A RIP written from a hook redirects execution: the CPU checks RIP after each hook.
    reg.write(this.engine.state, this.spare, buffer);
  }

  /** unicorn.js's helper behind reg_read_i8..double (its demos call it directly). */
  reg_read_type(regid: number, type: ValueType): number | bigint {
    this.open('reg_read');
    return getValue(this.regReadBytes(regid, TYPE_SIZE[type]), type);
  }

  /** unicorn.js's helper behind reg_write_i8..double (its demos call it directly). */
  reg_write_type(regid: number, type: ValueType, value: unknown): void {
    this.open('reg_write');
    const reg = registerAccess(this.bits, regid);
    const buffer = new Uint8Array(Math.max(reg.width, TYPE_SIZE[type]));
    setValue(buffer, type, value);
    this.regWriteBytes(regid, buffer);
  }

  /** unicorn.js's helper behind query_i8..double. */
  query_type(type: number, resultType: ValueType): number | bigint {
    this.open('query');
    let result: number;
    switch (type) {
      case uc.QUERY_MODE:
        result = this.mode;
        break;
      case uc.QUERY_PAGE_SIZE:
        result = PAGE_SIZE;
        break;
      case uc.QUERY_ARCH:
        result = this.arch;
        break;
      case uc.QUERY_TIMEOUT:
        result = this.timedOut ? 1 : 0;
        break;
      default:
        fail('query', uc.ERR_ARG);
    }
    // uc_query stores a size_t (4 bytes in unicorn.js's wasm32) into a buffer of the asked type.
    const buffer = new Uint8Array(8);
    new DataView(buffer.buffer).setUint32(0, result, true);
    return getValue(buffer, resultType);
  }
}

/** A size argument: uint64 as unicorn.js passes it, as a number (sizes beyond 2^53 cannot be mapped anyway). */
function sizeArg(x: unknown): number {
  const v = u64(x);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.MAX_SAFE_INTEGER;
}

function u32le(b: Uint8Array, off: number): number {
  return (b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) | (b[off + 3] << 24)) >>> 0;
}
