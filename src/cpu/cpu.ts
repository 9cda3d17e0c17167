// The CPU: decoded basic blocks cached by address, a fast run loop (no hooks) and a hooked loop, outcomes.
import type { GuestMemory } from '../mm/types.ts';
import { decodeOne, decodeRun, type Insn } from './decode.ts';
import { fault, GuestFault } from './faults.ts';
import { SSE2_PROFILE, type CpuProfile } from './features.ts';
import { compileBlock, type BlockFn } from './jit.ts';
import { RegionContext } from './compile/context.ts';
import { compileRegion, compiles, type Region } from './compile/region.ts';
import { hookConfigOf, hookImports, type HookConfig } from './compile/hooks.ts';
import { CpuMemory, type CpuHooks } from './memory-access.ts';
import { readRegister, writeRegister } from './registers.ts';
import type { Exec } from './handler.ts';
import { handlerFor } from './table.ts';
import { Code, FlowControl, Mnemonic } from 'iced-x86';

export interface CpuOptions {
  /** 64 (default) or 32 (flat 32-bit user code). */
  bitness?: 32 | 64;
  /** CPUID profile; default SSE2 only. */
  profile?: CpuProfile;
  /**
   * Block compilation: 'auto' (default) compiles a block to one JS function once it has run `jitThreshold`
   * times; 'always' compiles every block and every partial block (tests use it); 'off' runs handlers only.
   */
  jit?: 'auto' | 'always' | 'off';
  jitThreshold?: number;
}

export interface RunOptions {
  /** Stop before executing the instruction at this address. */
  until?: number;
  /** Execute at most this many instructions (exactly this many unless something else ends the run first). */
  maxInstructions?: number;
  /** Wall-clock limit in milliseconds from the start of the run. */
  deadlineMs?: number;
  /** Polled now and then (every ~1000 blocks or every instruction in the hooked loop); true stops the run. */
  stopRequested?: () => boolean;
}

/** Why a run ended. `executed` counts instructions completed in this run. RIP is where execution would resume. */
export type RunOutcome =
  | { kind: 'until'; executed: number }
  | { kind: 'budget'; executed: number }
  | { kind: 'timeout'; executed: number }
  | { kind: 'stopped'; executed: number }
  | { kind: 'fault'; executed: number; fault: GuestFault }
  /** hlt: RIP is after it; `address` is the hlt (Linux would raise SIGSEGV there; unicorn just stops). */
  | { kind: 'halt'; executed: number; address: number }
  /** syscall with no hook installed: RIP is after it, the embedder performs it and resumes. */
  | { kind: 'syscall'; executed: number; address: number };

type PendingStop = null | { kind: 'halt' | 'syscall'; address: number } | { kind: 'stopped' };

/** Thrown by the stub that replaces the rest of a block whose code was overwritten. */
class BlockExit {
  constructor(readonly rip: number) {}
}

const MAX_BLOCK = 64;
/** Most rep iterations one execution runs in the fast loop (so deadlines get in). */
const REP_CHUNK = 1 << 16;
/** How many instructions run between deadline/stop polls in the fast loop. */
const CHECK_EVERY = 1 << 16;

/** A region is compiled at a block that has run this many times the block compiler's threshold (short programs' code pays less compile time). */
const REGION_THRESHOLD = 4;
/** Most blocks in one compiled region, and how far (bytes) from its entry they may lie. */
const MAX_REGION_BLOCKS = 16;
const REGION_SPAN = 4096;

/** A region with the blocks it was compiled from and the code generation it was checked against. */
type CompiledRegion = Region & { gen: number; blocks: Block[]; entries: number; done: number; cache: Map<number, CompiledRegion | null>; key: number };
/** 'auto' drops a region that runs fewer instructions per entry than this over its first REGION_TRIAL entries (entering costs more than it gains). */
const REGION_MIN_RUN = 48;
/** Most instructions one hooked region run executes (the hooked loop polls deadlines about this often). */
const HOOKED_CHECK_EVERY = 1024;
const REGION_TRIAL = 64;

class Block {
  valid = true;
  /** Executions so far (for the compile threshold) and the compiled forms: whole block, and prefixes. */
  hot = 0;
  jit: BlockFn | null = null;
  prefixes: Map<number, BlockFn> | null = null;
  /** WebAssembly regions entered here, by length run (null: nothing to compile there). */
  regions: Map<number, CompiledRegion | null> | null = null;
  /** Regions compiled with hooks (compile/hooks.ts), by hook configuration, then length run. */
  hookedRegions: Map<string, Map<number, CompiledRegion | null>> | null = null;
  epoch: number;
  link: Block | null = null;
  linkAddr = -1;
  readonly n: number;
  constructor(
    readonly addr: number,
    readonly end: number,
    readonly insns: Insn[],
    readonly execs: Exec[],
    readonly pages: number[],
    readonly frames: Uint8Array[],
    epoch: number,
  ) {
    this.n = insns.length;
    this.epoch = epoch;
  }
}

export class Cpu extends CpuMemory {
  readonly bitness: 32 | 64;
  profile: CpuProfile;
  /** Instructions retired since creation (rdtsc reads it). */
  icount = 0;
  /** icount at the start of the current block; rdtsc adds its index in the block. */
  blockIcount = 0;
  private pending: PendingStop = null;
  private readonly blocks = new Map<number, Block>();
  private readonly blocksByPage = new Map<number, Set<Block>>();
  private current: Block | null = null;
  private hooked = false;
  private readonly jitMode: 'auto' | 'always' | 'off';
  private readonly jitThreshold: number;
  /** Set when a write hit the running block's code: compiled blocks leave early. */
  smc = false;
  /** Set by a rep string instruction that stopped part-way (RIP left on it). */
  yielded = false;
  /** Iterations the next rep string execution may run (each counts as an instruction), and the extra ones it ran. */
  repAllowance = 1;
  extraRetired = 0;
  /** Index of the instruction a compiled block was running when it threw. */
  jitIndex = 0;
  /** The context compiled regions run in (created with the first region; null when the frame heap is full). */
  private regionCtx: RegionContext | null | undefined;
  /** Bumped whenever decoded blocks are dropped (regions then recheck their members). */
  private codeGen = 0;
  /** WebAssembly regions compiled so far, and runs of them (for tests and benchmarks); `hookedRuns`: runs with hooks compiled in. */
  readonly regionStats = { compiled: 0, runs: 0, failed: 0, hookedRuns: 0 };
  /** Which hooks hooked regions call (compile/hooks.ts HOOK_CODE | HOOK_MEM), and whether the hooked loop may use regions (not with a block hook). */
  private hookConfig: HookConfig = hookConfigOf({});
  private hookedRegionsOk = false;
  /** A hooked region left at this address after running its code hooks: the interpreter does not run them again. */
  private hooksDoneAt = -1;
  /** A hooked region made no progress at this address: the interpreter runs the next block there. */
  private interpretAt = -1;
  /** An access that faulted inside a hooked region, reported at its instruction. */
  regionFault: { fault: GuestFault; insn: Insn } | null = null;

  constructor(memory: GuestMemory, options: CpuOptions = {}) {
    // The GPRs live in the compiled regions' context (one frame-heap slot), unless nothing will be compiled or the heap is full.
    const slot = options.jit === 'off' ? -1 : RegionContext.allocate();
    super(memory, slot < 0 ? undefined : RegionContext.registersAt(slot));
    if (slot >= 0) this.regionCtx = new RegionContext(this, slot);
    this.bitness = options.bitness ?? 64;
    this.profile = options.profile ?? SSE2_PROFILE;
    this.jitMode = options.jit ?? 'auto';
    this.jitThreshold = this.jitMode === 'always' ? 0 : (options.jitThreshold ?? 16);
  }

  // ---- registers by name

  /** A register by name (rax, eax, ax, al, ah, r8d, rip, rflags, fs_base, xmm0, mxcsr, ...). */
  reg(name: string): bigint {
    return readRegister(this, name);
  }
  setReg(name: string, value: bigint | number): void {
    writeRegister(this, name, value);
  }

  // ---- hooks and stops

  /** Installs hooks (replacing the previous set). Code, block and memory hooks select the hooked loop. */
  setHooks(hooks: CpuHooks): void {
    this.hooks = hooks;
    this.memHooked = !!(hooks.memRead || hooks.memReadAfter || hooks.memWrite || hooks.access);
    // The invalid-access hook may read RIP: only the hooked loop keeps it on the current instruction.
    this.hooked = this.memHooked || !!(hooks.code || hooks.block || hooks.memFetch || hooks.invalid || hooks.instruction);
    this.hookConfig = hookConfigOf(hooks);
    this.hookedRegionsOk = !hooks.block;
    this.flushTlb();
  }
  /** A stop is pending (hooked regions leave on it). */
  get stopPending(): boolean {
    return this.pending !== null;
  }
  /** Bumped whenever decoded blocks are dropped. */
  get codeGeneration(): number {
    return this.codeGen;
  }
  /** Ends the run after the current instruction (from a hook: before the next one), outcome 'stopped'. */
  requestStop(): void {
    if (!this.pending) this.pending = { kind: 'stopped' };
  }
  /** Handlers: end the run after this instruction with the given outcome. */
  stopWith(kind: 'halt' | 'syscall', address: number): void {
    this.pending = { kind, address };
  }

  /** Forgets decoded code overlapping [va, va+length) (call after changing guest code behind the CPU's back, e.g. poke). */
  invalidateCode(va: number, length: number): void {
    const first = Math.floor(va / 4096);
    const last = Math.floor((va + Math.max(length, 1) - 1) / 4096);
    if (last - first > this.blocksByPage.size) {
      // A wide range: visit the pages that hold code instead of every page in it.
      for (const p of [...this.blocksByPage.keys()]) if (p >= first && p <= last) this.codeWrite(p);
      return;
    }
    for (let p = first; p <= last; p++) this.codeWrite(p);
  }
  /** Forgets all decoded code. */
  flushCode(): void {
    this.codeGen++;
    for (const b of this.blocks.values()) b.valid = false;
    this.blocks.clear();
    this.blocksByPage.clear();
    this.codePages.clear();
  }

  override flushTlb(): void {
    super.flushTlb();
    this.regionCtx?.flush();
  }

  /** The interpreter's translations also fill the compiled regions' TLB (frames in the frame heap only). */
  override translate(va: number, access: 'read' | 'write' | 'fetch', size = 1, lo = 0, hi = 0): Uint8Array {
    const frame = super.translate(va, access, size, lo, hi);
    const ctx = this.regionCtx;
    if (ctx && !this.memHooked && access !== 'fetch') {
      const page = Math.floor(va / 4096);
      // A page translated for writing reads from the same frame (a stack's pushes, then its pops and rets).
      ctx.fill(page, frame, false);
      if (access === 'write' && !this.codePages.has(page)) ctx.fill(page, frame, true);
    }
    return frame;
  }

  /** How many of a block's instructions the region compiler handles (a prefix). */
  private compilable(b: Block): number {
    let length = 0;
    while (length < b.n && compiles(b.insns[length], this.profile)) length++;
    return length;
  }

  /**
   * The compiled region entered at `b` running its first `n` instructions (compiling it on first use), or null.
   * A whole block also takes in the fully compilable blocks its branches reach (up to MAX_REGION_BLOCKS, within
   * REGION_SPAN bytes: loops of one function); 'auto' compiles only regions with a loop, 'always' any prefix.
   */
  private regionFor(b: Block, n: number, config?: HookConfig): CompiledRegion | null {
    // Hooked regions are kept apart: one compiled for some hooks is never run with others, or without.
    const kind = config?.kind ?? 0;
    let cache: Map<number, CompiledRegion | null>;
    if (kind === 0) cache = b.regions ??= new Map();
    else {
      const byConfig = (b.hookedRegions ??= new Map());
      const known = byConfig.get(config!.key);
      if (known) cache = known;
      else byConfig.set(config!.key, (cache = new Map()));
    }
    const key = n;
    const known = cache.get(key);
    if (known !== undefined) {
      if (known === null || known.gen === this.codeGen) return known;
      // Code changed somewhere since: the region holds only while every member is still the decoded block there.
      if (known.blocks.every((m) => m.valid && this.blocks.get(m.addr) === m && m.epoch === this.epoch)) {
        known.gen = this.codeGen;
        return known;
      }
      cache.delete(key);
    }
    let result: CompiledRegion | null = null;
    const length = this.compilable(b);
    const members: Block[] = [];
    let loops = false;
    if (length === b.n && n === b.n) {
      members.push(b);
      const seen = new Set([b.addr]);
      for (let q = 0; q < members.length && members.length < MAX_REGION_BLOCKS; q++) {
        for (const t of successors(members[q].insns[members[q].n - 1])) {
          if (seen.has(t) || Math.abs(t - b.addr) > REGION_SPAN || members.length >= MAX_REGION_BLOCKS) continue;
          seen.add(t);
          let next: Block;
          try {
            next = this.blockAt(t);
          } catch {
            continue;
          }
          if (this.compilable(next) !== next.n) {
            seen.delete(t);
            continue;
          }
          members.push(next);
        }
      }
      // A block ending in ret continues inside only at the return point of one of the region's calls: without calls
      // it would only run its last few instructions here and leave, at the cost of a bigger function.
      if (!members.some((m) => m.insns[m.n - 1].flow === FlowControl.Call)) {
        for (let k = members.length - 1; k > 0; k--) if (members[k].insns[members[k].n - 1].flow === FlowControl.Return) members.splice(k, 1);
      }
      // A loop: a jump from a member back to a member at or before it (what compiled loops look like), or a call
      // back to the entry (recursion). A call to some other member is not one: it returns, and the region would
      // only save a few transfers at the cost of compiling it.
      const inside = new Set(members.map((m) => m.addr));
      for (const m of members) {
        const l = m.insns[m.n - 1];
        if (l.flow !== FlowControl.Next && l.ops[0]?.kind === 'branch') {
          const t = (l.ops[0] as { target: number }).target;
          if (l.flow === FlowControl.Call ? t === b.addr : inside.has(t) && t <= m.addr) loops = true;
        }
      }
    }
    if (length > 0 && (loops || this.jitMode === 'always')) {
      if (this.regionCtx === undefined) {
        try {
          this.regionCtx = new RegionContext(this);
        } catch {
          this.regionCtx = null;
        }
      }
      if (this.regionCtx) {
        const list = members.length ? members.map((m) => ({ addr: m.addr, insns: m.insns, length: m.n })) : [{ addr: b.addr, insns: b.insns, length: Math.min(length, n) }];
        const blocks = members.length ? members : [b];
        const ctx = this.regionCtx;
        const standing = (m: number): boolean => blocks[m].valid && this.blocks.get(blocks[m].addr) === blocks[m];
        const hooked = kind === 0 ? undefined : { kind, codeRanges: config!.codeRanges, imports: (h: Parameters<typeof hookImports>[2]) => hookImports(this, ctx, h, standing) };
        try {
          const region = compileRegion(list, this.regionCtx.heap.memory, this.regionCtx.at, this.profile, hooked);
          result = Object.assign(region, { gen: this.codeGen, blocks, entries: 0, done: 0, cache, key });
          this.regionStats.compiled++;
        } catch (e) {
          // A module V8 rejects is a compiler bug: the interpreter runs the code instead (tests check failed === 0).
          if (!(e instanceof Error)) throw e;
          this.regionStats.failed++;
        }
      }
    }
    cache.set(key, result);
    return result;
  }

  protected override codeWrite(page: number): void {
    const set = this.blocksByPage.get(page);
    if (!set) return;
    this.codeGen++;
    for (const b of set) {
      b.valid = false;
      if (this.blocks.get(b.addr) === b) this.blocks.delete(b.addr);
      if (b === this.current) {
        this.smc = true;
        // The rest of the running block may be stale: replace it with exits (the current exec finishes first).
        for (let k = 0; k < b.n; k++) {
          const at = b.insns[k].addr;
          b.execs[k] = () => {
            throw new BlockExit(at);
          };
        }
      }
    }
    this.blocksByPage.delete(page);
    this.codePages.delete(page);
  }

  // ---- decoding

  private buildExec(insn: Insn): Exec {
    if (insn.code === Code.INVALID) return () => fault('invalid-opcode', undefined, undefined, `invalid instruction ${insn.text}`);
    const entry = handlerFor(insn.code);
    // Named only when it faults (the text is formatted lazily).
    const name = () => `${insn.text} (${[...insn.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ')})`;
    if (!entry) return () => fault('unimplemented', undefined, undefined, `unimplemented instruction ${name()}`);
    if (entry.feature && !this.profile.features.has(entry.feature)) {
      return () => fault('invalid-opcode', undefined, undefined, `${name()} needs ${entry.feature}, which cpuid does not advertise`);
    }
    try {
      return entry.build(insn, this);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return () => fault('unimplemented', undefined, undefined, `unimplemented form ${name()}: ${why}`);
    }
  }

  private decodeBlock(addr: number): Block {
    const frame = this.translate(addr, 'fetch');
    const page = Math.floor(addr / 4096);
    const pages = [page];
    const frames = [frame];
    const off = addr & 4095;
    const insns: Insn[] = [];
    for (const r of decodeRun(frame.subarray(off), addr, this.bitness, MAX_BLOCK)) {
      if ('insn' in r) {
        insns.push(r.insn);
        continue;
      }
      if (insns.length > 0) break; // end the block before it; it will start the next one
      const at = addr;
      if (r.error === 'need-bytes') {
        // The instruction straddles into the next page: fetching it must be allowed too.
        const next = (page + 1) * 4096;
        const frame2 = this.translate(next, 'fetch');
        const bytes = new Uint8Array(4096 - off + 15);
        bytes.set(frame.subarray(off));
        bytes.set(frame2.subarray(0, 15), 4096 - off);
        const one = decodeOne(bytes, at, this.bitness);
        if ('insn' in one) {
          insns.push(one.insn);
          pages.push(page + 1);
          frames.push(frame2);
          break;
        }
      }
      insns.push(invalidInsn(at, frame.subarray(off, off + 15), this.bitness));
      break;
    }
    const execs = insns.map((i) => this.buildExec(i));
    const last = insns[insns.length - 1];
    const b = new Block(addr, last.next, insns, execs, pages, frames, this.epoch);
    for (let k = 0; k < insns.length; k++) insns[k].index = k;
    this.blocks.set(addr, b);
    for (const p of pages) {
      let set = this.blocksByPage.get(p);
      if (!set) this.blocksByPage.set(p, (set = new Set()));
      set.add(b);
      this.codePages.add(p);
      this.unWritable(p);
      this.regionCtx?.unWritable(p);
    }
    return b;
  }

  /** The valid block at `addr` (decoding it if needed; revalidating its frames after a memory epoch change). */
  private blockAt(addr: number): Block {
    const b = this.blocks.get(addr);
    if (b) {
      if (b.epoch === this.epoch) return b;
      let same = true;
      for (let k = 0; k < b.pages.length; k++) if (this.translate(b.pages[k] * 4096, 'fetch') !== b.frames[k]) same = false;
      if (same && b.valid) {
        b.epoch = this.epoch;
        return b;
      }
      b.valid = false;
      this.blocks.delete(addr);
      this.codeGen++;
    }
    return this.decodeBlock(addr);
  }

  /** The decoded instruction at `addr` (decoding it if needed), e.g. for a tracer's text. */
  instructionAt(addr: number): Insn {
    return this.blockAt(addr).insns[0];
  }

  // ---- running

  /** Executes one instruction. */
  step(): RunOutcome {
    return this.run({ maxInstructions: 1 });
  }

  run(options: RunOptions = {}): RunOutcome {
    this.pending = null;
    if (this.memory.epoch !== this.epoch) this.flushTlb();
    return this.hooked ? this.runHooked(options) : this.runFast(options);
  }

  private faultOutcome(e: unknown, insn: Insn | null, executed: number): RunOutcome {
    if (!(e instanceof GuestFault)) throw e;
    if (insn) {
      e.instruction = insn.text;
      // int3/int1 report the address after them, as the kernel does.
      this.rip = e.kind === 'breakpoint' || e.kind === 'debug-trap' ? insn.next : insn.addr;
    }
    e.rip = this.rip;
    if (!insn) e.instruction = '(fetch)';
    return { kind: 'fault', executed, fault: e };
  }

  private pendingOutcome(executed: number): RunOutcome {
    const p = this.pending!;
    this.pending = null;
    return p.kind === 'stopped' ? { kind: 'stopped', executed } : { kind: p.kind, executed, address: p.address };
  }

  private runFast(o: RunOptions): RunOutcome {
    const until = o.until ?? -1;
    const budget = o.maxInstructions ?? Infinity;
    const deadline = o.deadlineMs !== undefined ? Date.now() + o.deadlineMs : Infinity;
    const poll = o.stopRequested;
    let executed = 0;
    let prev: Block | null = null;
    let nextCheck = CHECK_EVERY;
    for (;;) {
      const rip = this.rip;
      if (rip === until) return { kind: 'until', executed };
      if (executed >= budget) return { kind: 'budget', executed };
      if (this.memory.epoch !== this.epoch) this.flushTlb();
      let b: Block;
      if (prev !== null && prev.linkAddr === rip && prev.link!.valid && prev.link!.epoch === this.epoch) b = prev.link!;
      else {
        try {
          b = this.blockAt(rip);
        } catch (e) {
          return this.faultOutcome(e, null, executed);
        }
        if (prev !== null) {
          prev.link = b;
          prev.linkAddr = rip;
        }
      }
      let n = b.n;
      if (until > rip && until < b.end) {
        for (let k = 1; k < b.n; k++) if (b.insns[k].addr === until) n = k;
      }
      if (n > budget - executed) n = budget - executed;
      this.rip = n === b.n ? b.end : b.insns[n].addr;
      this.blockIcount = this.icount;
      this.current = b;
      // A rep string instruction is last in its block: it may run what is left of the budget, in chunks.
      const left = budget - executed - n + 1;
      this.repAllowance = left < REP_CHUNK ? left : REP_CHUNK;
      this.extraRetired = 0;
      const execs = b.execs;
      let fn: BlockFn | null = null;
      let i = 0;
      const region = this.jitMode === 'off' || n === 0 ? null : this.jitMode === 'always' || b.hot > REGION_THRESHOLD * this.jitThreshold ? this.regionFor(b, n) : null;
      if (region !== null && (until < 0 || !region.members.some((m) => until >= m.addr && until < m.insns[m.length - 1].next))) {
        const ctx = this.regionCtx!;
        let done = 0;
        for (let attempt = 0; attempt < 2; attempt++) {
          ctx.enter(this, region.xmm);
          this.regionStats.runs++;
          done = region.run(Math.min(budget - executed, CHECK_EVERY));
          ctx.leave(this, region.xmm);
          const miss = ctx.takeMiss();
          if (miss === null) break;
          // Fill the TLB for the access that missed (a fault is left for the interpreter to raise, at its instruction).
          try {
            this.translate(miss.va, miss.write ? 'write' : 'read');
          } catch (e) {
            if (!(e instanceof GuestFault)) throw e;
            break;
          }
          // A miss before anything ran left nothing committed: enter again once with the translation in place.
          if (done > 0) break;
        }
        if (region.entries < REGION_TRIAL && this.jitMode === 'auto') {
          region.done += done;
          if (++region.entries === REGION_TRIAL && region.done < REGION_TRIAL * REGION_MIN_RUN) b.regions!.set(n, null);
        }
        if (done > 0) {
          executed += done;
          this.icount += done;
          this.rip = ctx.rip;
          this.current = null;
          prev = null;
          if (executed >= nextCheck) {
            nextCheck = executed + CHECK_EVERY;
            if (Date.now() > deadline) return { kind: 'timeout', executed };
            if (poll?.()) return { kind: 'stopped', executed };
          }
          continue;
        }
        // Nothing ran (the first instruction missed the TLB or crosses a page): the interpreter runs the block.
      }
      if (n === b.n) {
        fn = b.jit;
        b.hot++;
        if (fn === null && this.jitMode !== 'off' && b.hot > this.jitThreshold) fn = b.jit = compileBlock(n);
      } else if (this.jitMode === 'always' && n > 0) {
        const p = (b.prefixes ??= new Map()).get(n) ?? compileBlock(n);
        b.prefixes.set(n, p);
        fn = p;
      }
      try {
        if (fn !== null) {
          i = fn(this, execs);
          if (i < n) {
            // Code under the block was overwritten: resume at the next instruction, freshly decoded.
            this.smc = false;
            this.current = null;
            executed += i;
            this.icount += i;
            this.rip = b.insns[i].addr;
            prev = null;
            continue;
          }
        } else for (; i < n; i++) execs[i](this);
      } catch (e) {
        if (fn !== null) i = this.jitIndex;
        this.smc = false;
        executed += i + this.extraRetired;
        this.icount += i + this.extraRetired;
        this.current = null;
        if (e instanceof BlockExit) {
          this.rip = e.rip;
          prev = null;
          continue;
        }
        return this.faultOutcome(e, b.insns[i], executed);
      }
      this.current = null;
      this.smc = false;
      this.yielded = false;
      executed += n + this.extraRetired;
      this.icount += n + this.extraRetired;
      if (this.pending !== null) return this.pendingOutcome(executed);
      prev = b.valid ? b : null;
      if (executed >= nextCheck) {
        nextCheck = executed + CHECK_EVERY;
        if (Date.now() > deadline) return { kind: 'timeout', executed };
        if (poll?.()) return { kind: 'stopped', executed };
      }
    }
  }

  /** The hooked region to enter at `b` (compiling it when hot), or null: as in runFast, limited by `until` and the budget. */
  private hookedRegion(b: Block, until: number, left: number, config: HookConfig): CompiledRegion | null {
    let n = b.n;
    if (until > b.addr && until < b.end) {
      for (let k = 1; k < b.n; k++) if (b.insns[k].addr === until) n = k;
    }
    if (n > left) n = left;
    if (n <= 0) return null;
    // A hook at every instruction costs a wasm-to-JS call each, about what the interpreter spends per instruction
    // (measured: BENCHMARKS.md): 'auto' compiles hooked code only when such calls are fewer ('always' does, for tests).
    if (this.jitMode !== 'always' && (config.everyInstruction || ++b.hot <= this.jitThreshold)) return null;
    const region = this.regionFor(b, n, config);
    if (region === null || (until >= 0 && region.members.some((m) => until >= m.addr && until < m.insns[m.length - 1].next))) return null;
    return region;
  }
  private dropRegion(region: CompiledRegion): void {
    region.cache.set(region.key, null);
  }

  private runHooked(o: RunOptions): RunOutcome {
    const until = o.until ?? -1;
    const budget = o.maxInstructions ?? Infinity;
    const deadline = o.deadlineMs !== undefined ? Date.now() + o.deadlineMs : Infinity;
    const poll = o.stopRequested;
    const h = this.hooks;
    const codeHook = h.code;
    const fetchHook = h.memFetch;
    const insnHook = h.instruction;
    const regions = this.jitMode !== 'off' && this.hookedRegionsOk;
    const config = this.hookConfig;
    let executed = 0;
    let checks = 0;
    this.hooksDoneAt = -1;
    this.interpretAt = -1;
    this.regionFault = null;
    try {
      for (;;) {
        // Before fetching: the stop address need not be mapped.
        if (this.rip === until) return { kind: 'until', executed };
        if (executed >= budget) return { kind: 'budget', executed };
        if (this.memory.epoch !== this.epoch) this.flushTlb();
        let b: Block;
        try {
          b = this.blockAt(this.rip);
        } catch (e) {
          return this.faultOutcome(e, null, executed);
        }
        if (h.block) {
          h.block(b.addr, b.end - b.addr);
          if (this.pending !== null) return this.pendingOutcome(executed);
          if (this.rip !== b.addr || !b.valid) continue;
        }
        if (this.rip === this.interpretAt) this.interpretAt = -1;
        else if (regions && this.rip !== this.hooksDoneAt) {
          // Hooks compiled in (compile/hooks.ts): the region calls them itself.
          const region = this.hookedRegion(b, until, budget - executed, config);
          if (region !== null) {
            const ctx = this.regionCtx!;
            ctx.enter(this, region.xmm);
            ctx.resetHooks();
            const entry = this.rip;
            this.regionStats.runs++;
            this.regionStats.hookedRuns++;
            const done = region.run(Math.min(budget - executed, HOOKED_CHECK_EVERY));
            ctx.leave(this, region.xmm);
            ctx.takeMiss(); // (a TLB miss: the interpreter's own access fills the TLB)
            executed += done;
            this.icount += done;
            this.rip = ctx.rip;
            if (region.entries < REGION_TRIAL && this.jitMode === 'auto') {
              region.done += done;
              if (++region.entries === REGION_TRIAL && region.done < REGION_TRIAL * REGION_MIN_RUN) this.dropRegion(region);
            }
            const failed = this.regionFault as { fault: GuestFault; insn: Insn } | null;
            if (failed !== null) {
              this.regionFault = null;
              return this.faultOutcome(failed.fault, failed.insn, executed);
            }
            if (ctx.hooksDone) this.hooksDoneAt = this.rip;
            // No progress (a TLB miss or an operand the interpreter must fault on, at the first instruction): interpret it.
            else if (done === 0 && this.rip === entry) this.interpretAt = entry;
            if (this.pending !== null) return this.pendingOutcome(executed);
            checks += done;
            if (checks >= 1024) {
              checks = 0;
              if (Date.now() > deadline) return { kind: 'timeout', executed };
              if (poll?.()) return { kind: 'stopped', executed };
            }
            continue;
          }
        }
        for (let i = 0; i < b.n; i++) {
          const insn = b.insns[i];
          if (i > 0) {
            if (insn.addr === until) return { kind: 'until', executed };
            if (executed >= budget) return { kind: 'budget', executed };
          }
          this.rip = insn.addr;
          if (insn.addr === this.hooksDoneAt) this.hooksDoneAt = -1; // (its hooks ran in a region that left before it)
          else {
            if (insnHook !== undefined) {
              insnHook(insn);
              if (this.pending !== null) return this.pendingOutcome(executed);
            }
            if (codeHook !== undefined) {
              codeHook(insn.addr, insn.len);
              if (this.pending !== null) return this.pendingOutcome(executed);
              if (this.rip !== insn.addr || !b.valid) break;
            }
            if (fetchHook !== undefined) fetchHook(insn.addr, insn.len);
          }
          // While it runs, RIP is the instruction's own address (what memory hooks see, as in unicorn);
          // control transfers start from the next address and write their target.
          const straight = insn.flow === FlowControl.Next;
          this.rip = straight ? insn.addr : insn.next;
          this.curInsn = insn;
          this.blockIcount = this.icount - i;
          this.repAllowance = 1;
          this.extraRetired = 0;
          try {
            b.execs[i](this);
          } catch (e) {
            this.curInsn = null;
            if (e instanceof BlockExit) {
              this.rip = e.rip;
              break;
            }
            return this.faultOutcome(e, insn, executed);
          }
          this.curInsn = null;
          if (straight) {
            // A rep that yielded stays on itself.
            if (!this.yielded) this.rip = insn.next;
            this.yielded = false;
          }
          executed++;
          this.icount++;
          if (this.pending !== null) return this.pendingOutcome(executed);
          if (!b.valid) break;
          if ((++checks & 1023) === 0) {
            if (Date.now() > deadline) return { kind: 'timeout', executed };
            if (poll?.()) return { kind: 'stopped', executed };
          }
        }
      }
    } finally {
      this.curInsn = null;
    }
  }
}

/** Where a block's last instruction may continue (constant targets only): the blocks a region may take in. */
function successors(last: Insn): number[] {
  const to = last.ops[0]?.kind === 'branch' ? [last.ops[0].target].filter((t) => !Number.isNaN(t)) : [];
  switch (last.flow) {
    case FlowControl.Next:
      return [last.next];
    case FlowControl.ConditionalBranch:
    case FlowControl.Call:
      // (after a call: where its ret returns)
      return [...to, last.next];
    case FlowControl.UnconditionalBranch:
      return to;
    default:
      return [];
  }
}

/** A stand-in for undecodable bytes: executing it raises #UD (SIGILL). */
function invalidInsn(addr: number, bytes: Uint8Array, bitness: 32 | 64): Insn {
  return {
    addr,
    len: 1,
    next: addr + 1,
    bytes: bytes.slice(0, 1),
    code: Code.INVALID,
    mnemonic: Mnemonic.INVALID,
    bitness,
    ops: [],
    mem: null,
    rep: 0,
    lock: false,
    cc: 0,
    flow: FlowControl.Exception,
    endsBlock: true,
    flagsUndefined: 0,
    flagsWritten: 0,
    flagsRead: 0,
    index: 0,
    text: `(bad) ${[...bytes.slice(0, 15)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`,
  };
}
