// Records traced steps into a compact StepLog (trace/step-log.ts): on picemu's CPU one hooked run records many
// steps (an instruction hook and an access hook, no per-step object); other engines step one instruction at a time
// through Engine.stepTraced. Filters, breakpoints and streaming (onStep) are applied as steps complete.
import type { Cpu, RunOptions, RunOutcome } from '../cpu/index.ts';
import type { CpuHooks } from '../cpu/memory-access.ts';
import type { Insn } from '../cpu/decode.ts';
import type { Engine } from './engines/engine.ts';
import type { AddressSpace } from '../mm/address-space.ts';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from '../mm/types.ts';
import type { Location, StepEvent, VmaInfo } from '../trace/events.ts';
import { checkTraceFilter, type TraceFilter } from '../trace/filter.ts';
import { StepLog, type InstructionRef } from '../trace/step-log.ts';
import { StepReader, type StepLocator, type StepSegment } from '../trace/step-view.ts';
import { mappingMoment, momentLocator, type MappingMoment } from '../trace/mapping-moment.ts';
import type { Symbolizer } from '../trace/symbolize.ts';
import type { CowWatch } from './cow-watch.ts';
import { ALL_REGISTERS, registerWrites } from './register-writes.ts';

export interface StepContext {
  engine: Engine;
  space: AddressSpace;
  cow: CowWatch;
  symbolizer: Symbolizer;
  pid: number;
  call: number;
  index: number;
  /** Names for picemu's own code (the return trampoline, __tls_get_addr). */
  runtimeSymbol?: (va: number) => string | undefined;
}

/** The VMA at va in maps terms. */
export function vmaInfo(space: AddressSpace, va: number): VmaInfo | undefined {
  const vma = space.vmaAt(va);
  if (!vma) return undefined;
  const p = vma.prot;
  const perms = `${p & PROT_READ ? 'r' : '-'}${p & PROT_WRITE ? 'w' : '-'}${p & PROT_EXEC ? 'x' : '-'}${vma.shared ? 's' : 'p'}`;
  return { start: vma.start, end: vma.end, perms, name: vma.file ? vma.file.identity.path : vma.name ?? '' };
}

export function locate(ctx: Pick<StepContext, 'space' | 'symbolizer' | 'runtimeSymbol'>, va: number): Location {
  const loc = ctx.symbolizer.locate(va);
  const own = loc.module === undefined ? ctx.runtimeSymbol?.(va) : undefined;
  if (own) loc.symbol = own;
  const vma = vmaInfo(ctx.space, va);
  if (vma) loc.vma = vma;
  return loc;
}

/** Where addresses of this process lie, for the events built from its log. */
function locator(ctx: Pick<StepContext, 'space' | 'symbolizer' | 'runtimeSymbol'>): StepLocator {
  return { locate: (va) => locate(ctx, va), locateInModule: (va) => ctx.symbolizer.locate(va) };
}

/** Runs one instruction; returns its event and the CPU's outcome. */
export function recordStep(ctx: StepContext): { event: StepEvent; outcome: RunOutcome } {
  const recorder = new TraceRecorder(ctx, { capacity: 4 });
  const outcome = recorder.run({ maxInstructions: 1 }, ctx.index);
  return { event: recorder.reader.event(0), outcome };
}

export interface RecorderOptions {
  /** Which steps to keep (checked: a TraceFilterError for one that cannot be meant). */
  filter?: TraceFilter;
  /** Each kept step is handed here as it completes (with `last`: when the recording ends) and not kept. */
  onStep?: (event: StepEvent) => void;
  /** Stop before an instruction at one of these addresses, except the first instruction recorded. */
  breakpoints?: ReadonlySet<number>;
  /** Initial room of the log, in steps. */
  capacity?: number;
}

const GPRS = 16;

/**
 * One recording (a call's run): `run` executes instructions as Engine.run does, recording each into `log`;
 * `kept()` is what the recording keeps when it ends (a segment of the log for lazyEvents).
 */
export class TraceRecorder {
  readonly log: StepLog;
  readonly reader: StepReader;
  /** The last run stopped before a breakpoint (its outcome is 'stopped'). */
  hitBreakpoint = false;
  private readonly engine: Engine;
  private readonly space: AddressSpace;
  private readonly cow: CowWatch;
  private readonly symbolizer: Symbolizer;
  private readonly filter: TraceFilter;
  private readonly onStep: ((event: StepEvent) => void) | undefined;
  private readonly breakpoints: ReadonlySet<number> | undefined;
  /** Instructions met so far (recorded or not): breakpoints are not checked at the first. */
  private steps = 0;
  /** Steps kept so far (the `first` filter counts these). */
  private keptCount = 0;
  /** A step is open in the log (its accesses are being recorded). */
  private open = false;
  /** The register snapshot holds the state after the previous step (false after a step not recorded, or between runs). */
  private synced = false;
  /** A write happened since the COW watch was last cleared. */
  private wrote = true;
  /** Per instruction id of the log: the GPRs it may write (bits 0-15) and VECTORS; -1: not asked yet. */
  private writes = new Int32Array(0);
  /** The registers the open step's instruction may write: only these are compared. */
  private stepWrites = ALL_WRITES;
  /** COW breaks given to a step, and the step (its `steps` number). */
  private readonly cowSeen = new Map<object, number>();
  private index = 0;
  // Registers after the last recorded step, as 32-bit words, and views of the live ones.
  private readonly gprNow: Uint32Array;
  private readonly xmmNow: Uint32Array;
  private readonly gprWas = new Uint32Array(2 * GPRS);
  private readonly xmmWas = new Uint32Array(4 * 16);
  private flagsWas = 0;
  /** Page → frame number × 2 + shared (valid for one address-space epoch and one run). */
  private readonly pageTag = new Float64Array(PAGE_SLOTS).fill(-1);
  private readonly pageVal = new Int32Array(PAGE_SLOTS);
  private pageEpoch = -1;
  /** rip → wanted by the module/range filters. */
  private readonly wanted = new Map<number, boolean>();
  /** Instructions of engines that are not picemu's CPU, by address (checked against their bytes). */
  private readonly refs = new Map<number, InstructionRef>();
  private readonly hooks: CpuHooks;
  /** The moment steps are labelled from (mapping-moment.ts): the mappings' generation and moment last marked. */
  private momentGeneration = -1;
  private moment: MappingMoment | undefined;
  private readonly runtimeSymbol: ((va: number) => string | undefined) | undefined;

  constructor(ctx: Omit<StepContext, 'index'>, options: RecorderOptions = {}) {
    this.runtimeSymbol = ctx.runtimeSymbol;
    this.engine = ctx.engine;
    this.space = ctx.space;
    this.cow = ctx.cow;
    this.symbolizer = ctx.symbolizer;
    this.filter = options.filter ?? {};
    checkTraceFilter(this.filter);
    this.onStep = options.onStep;
    this.breakpoints = options.breakpoints && options.breakpoints.size > 0 ? options.breakpoints : undefined;
    this.log = new StepLog(ctx.pid, ctx.call, options.capacity);
    this.reader = new StepReader(this.log, locator(ctx));
    const e = ctx.engine;
    this.gprNow = new Uint32Array(e.r64.buffer, e.r64.byteOffset, 2 * GPRS);
    this.xmmNow = new Uint32Array(e.xmm64.buffer, e.xmm64.byteOffset, 4 * 16);
    this.hooks = {
      instruction: (insn: Insn) => this.begin(insn.addr, insn),
      access: (kind, va, size, lo, hi, ripRelative) => {
        if (kind === 'write') this.wrote = true;
        if (this.open) this.log.addAccess(kind === 'write', va, size, lo, hi, ripRelative);
      },
    };
  }

  /** Runs as Engine.run does, recording each step; `index` is the call's instruction count before the run. */
  run(options: RunOptions, index: number): RunOutcome {
    this.index = index;
    this.hitBreakpoint = false;
    this.synced = false;
    this.cow.clear();
    this.cowSeen.clear();
    this.pageTag.fill(-1);
    this.wanted.clear();
    this.markMoment();
    const cow = this.cow;
    cow.watching = true;
    try {
      if (this.engine.name !== 'picemu') return this.runStepping(options);
      const outcome = this.runHooked(this.engine as unknown as Cpu, options);
      this.end();
      // A fetch that faults never reaches the instruction hook: its step shows the bytes there (or none).
      if (outcome.kind === 'fault' && outcome.fault.instruction === '(fetch)') {
        const rip = this.engine.rip;
        if (this.begin(rip, this.refAt(rip))) this.end();
      }
      return outcome;
    } finally {
      cow.watching = false;
      this.end();
    }
  }

  /** What the recording keeps, as a segment of its log (with `onStep`: streams what is left, keeps nothing). */
  kept(): StepSegment {
    const last = this.filter.last;
    if (last !== undefined && this.log.length > last) this.log.dropFirst(this.log.length - last);
    if (this.onStep) {
      for (let i = 0; i < this.log.length; i++) this.onStep(this.reader.event(i));
      this.log.clear();
    }
    return { reader: this.reader, from: 0, count: this.log.length };
  }

  private runHooked(cpu: Cpu, options: RunOptions): RunOutcome {
    const previous = cpu.hooks;
    cpu.setHooks({ ...previous, ...this.hooks });
    try {
      return cpu.run(options);
    } finally {
      cpu.setHooks(previous);
    }
  }

  /** One Engine.stepTraced per instruction, with run()'s limits. */
  private runStepping(options: RunOptions): RunOutcome {
    const engine = this.engine;
    const until = options.until ?? -1;
    const budget = options.maxInstructions ?? Infinity;
    const deadline = options.deadlineMs !== undefined ? Date.now() + options.deadlineMs : Infinity;
    const onAccess = this.hooks.access!;
    let executed = 0;
    for (let n = 1; ; n++) {
      if (engine.rip === until) return { kind: 'until', executed };
      if (executed >= budget) return { kind: 'budget', executed };
      if ((n & 1023) === 0 && (Date.now() > deadline || options.stopRequested?.())) return { kind: Date.now() > deadline ? 'timeout' : 'stopped', executed };
      let ref: InstructionRef;
      try {
        ref = this.refAt(engine.rip, engine.instructionBytes(engine.rip));
      } catch {
        ref = this.refAt(engine.rip);
      }
      this.begin(engine.rip, ref);
      if (this.hitBreakpoint) return { kind: 'stopped', executed };
      const outcome = engine.stepTraced((a) => onAccess(a.kind, a.va, a.size, a.lo, a.hi, a.ripRelative));
      executed += outcome.executed;
      this.end(); // (before the embedder acts on the outcome, e.g. performs a system call)
      if (outcome.kind !== 'budget' && outcome.kind !== 'until') return { ...outcome, executed };
    }
  }

  /** The instruction at rip as other engines give it (bytes), one object per distinct instruction. */
  private refAt(rip: number, bytes?: Uint8Array): InstructionRef {
    const b = bytes ?? this.space.peek(rip, 1) ?? new Uint8Array(0);
    const ref = this.refs.get(rip);
    if (ref && sameBytes(ref.bytes, b)) return ref;
    const fresh = { addr: rip, bytes: b };
    if (this.refs.size >= 1 << 16) this.refs.clear();
    this.refs.set(rip, fresh);
    return fresh;
  }

  /** Before an instruction: ends the previous step, stops at a breakpoint, opens a step when the filters want it. */
  private begin(rip: number, ref: InstructionRef): boolean {
    if (this.open) this.end();
    if (this.breakpoints !== undefined && this.steps > 0 && this.breakpoints.has(rip)) {
      this.hitBreakpoint = true;
      // (picemu's CPU stops before executing it; the stepping loop checks hitBreakpoint itself.)
      if (this.engine.name === 'picemu') (this.engine as unknown as Cpu).requestStop();
      return false;
    }
    this.steps++;
    const index = this.index++;
    if (this.space.mapGeneration !== this.momentGeneration) this.markMoment();
    if (!this.wants(rip)) {
      this.synced = false;
      return false;
    }
    if (!this.synced) {
      // Breaks seen during steps not recorded must not be given to a later step.
      if (this.wrote) this.cow.clear();
      this.snapshot();
    }
    this.wrote = false;
    const log = this.log;
    const id = log.instructionId(ref);
    if (id >= this.writes.length) {
      const more = new Int32Array(Math.max(256, 2 * id));
      more.set(this.writes);
      this.writes = more.fill(-1, this.writes.length);
    }
    let writes = this.writes[id]!;
    if (writes === -1) {
      const w = registerWrites(ref.bytes, (ref as { bitness?: 32 | 64 }).bitness ?? 64);
      writes = this.writes[id] = w.gprs | (w.vectors ? VECTORS : 0);
    }
    this.stepWrites = writes;
    log.open(rip, id, index);
    this.open = true;
    return true;
  }

  private wants(rip: number): boolean {
    const f = this.filter;
    if (f.first !== undefined && this.keptCount >= f.first) return false;
    if (f.ranges === undefined && f.modules === undefined) return true;
    let w = this.wanted.get(rip);
    if (w === undefined) {
      w = (!f.ranges || f.ranges.some(([s, e]) => rip >= s && rip < e)) && (!f.modules || f.modules.includes(this.moment!.symbolizer.moduleAt(rip)?.name ?? '\0'));
      this.wanted.set(rip, w);
    }
    return w;
  }

  /** Completes the open step: register changes, frames, COW breaks; then the filters, the ring, the stream. */
  private end(): void {
    if (!this.open) return;
    this.open = false;
    const log = this.log;
    this.registerChanges();
    const n = log.length;
    const start = log.accStart(n);
    const f = this.filter;
    if (f.memoryOnly && log.accCount === start) return log.abandon();
    if (f.ripRelativeOnly) {
      let any = false;
      for (let k = start; k < log.accCount; k++) if (log.isRipRelative(k)) any = true;
      if (!any) return log.abandon();
    }
    for (let k = start; k < log.accCount; k++) {
      const va = log.aVa[k];
      const info = this.pageAt(va);
      log.setAccessPlace(k, info >>> 1, (info & 1) === 1);
      if (log.isWrite(k)) {
        // The watch keeps a break until cleared (clearing it each step costs more than the steps): a break belongs
        // to the step that first sees it, and to every write of that step on its page.
        const cow = this.cow.breakAt(va);
        if (cow) {
          const seen = this.cowSeen.get(cow);
          if (seen === undefined || seen === this.steps) {
            if (seen === undefined) this.cowSeen.set(cow, this.steps);
            log.setAccessCow(k, cow.from, cow.to);
          }
        }
      }
    }
    if (this.space.mapGeneration !== this.momentGeneration) this.markMoment();
    log.close(this.pageAt(log.rip[n]) >>> 1);
    this.keptCount++;
    if (f.last !== undefined) {
      // The ring: at most 2 × last steps are held; the oldest half goes when it fills.
      if (log.length >= 2 * Math.max(f.last, 1)) log.dropFirst(log.length - f.last);
    } else if (this.onStep) {
      const event = this.reader.event(0);
      log.clear();
      this.onStep(event);
    }
  }

  /** Labels the steps from here on with the mappings now (a new mark only when they changed). */
  private markMoment(): void {
    const moment = mappingMoment(this.space, this.symbolizer.known());
    this.momentGeneration = this.space.mapGeneration;
    if (moment === this.moment) return;
    this.moment = moment;
    this.wanted.clear(); // (a module filter's answers hold for one moment)
    this.log.markLocator(momentLocator(moment, this.runtimeSymbol));
  }

  private snapshot(): void {
    this.gprWas.set(this.gprNow);
    this.xmmWas.set(this.xmmNow);
    this.flagsWas = this.engine.rflags;
    this.synced = true;
  }

  /** Appends the registers that differ from the snapshot to the open step, and updates the snapshot. */
  private registerChanges(): void {
    const log = this.log;
    const g = this.gprNow;
    const gw = this.gprWas;
    // Set bits of the mask, lowest first (the order the old recorder listed them in).
    for (let m = this.stepWrites & 0xffff; m !== 0; m &= m - 1) {
      const lo = 2 * (31 - Math.clz32(m & -m));
      const a0 = g[lo]!;
      const a1 = g[lo + 1]!;
      const b0 = gw[lo]!;
      const b1 = gw[lo + 1]!;
      if (a0 !== b0 || a1 !== b1) {
        log.addGpr(lo >> 1, b0, b1, a0, a1);
        gw[lo] = a0;
        gw[lo + 1] = a1;
      }
    }
    const x = this.xmmNow;
    const xw = this.xmmWas;
    for (let o = 0, end = this.stepWrites & VECTORS ? 64 : 0; o < end; o += 4) {
      if (x[o] !== xw[o] || x[o + 1] !== xw[o + 1] || x[o + 2] !== xw[o + 2] || x[o + 3] !== xw[o + 3]) {
        log.addXmm(o >> 2, xw, o, x, o);
        xw[o] = x[o]!;
        xw[o + 1] = x[o + 1]!;
        xw[o + 2] = x[o + 2]!;
        xw[o + 3] = x[o + 3]!;
      }
    }
    const flags = this.engine.rflags;
    if (flags !== this.flagsWas) {
      log.addFlags(this.flagsWas, flags);
      this.flagsWas = flags;
    }
  }

  /** Frame number × 2 + shared of the page holding va (0 when not present), through a small direct-mapped cache. */
  private pageAt(va: number): number {
    const space = this.space;
    if (space.epoch !== this.pageEpoch) {
      this.pageTag.fill(-1);
      this.pageEpoch = space.epoch;
    }
    const page = Math.floor(va / PAGE_SIZE);
    const slot = page & (PAGE_SLOTS - 1);
    if (this.pageTag[slot] === page) return this.pageVal[slot]!;
    const p = space.frameAt(va);
    if (!p) return 0;
    // As of this step (a trace records each moment; a stream cannot know later ones): mapped by more than one process.
    const info = p.frame * 2 + (p.spaceCount > 1 ? 1 : 0);
    this.pageTag[slot] = page;
    this.pageVal[slot] = info;
    return info;
  }
}

const PAGE_SLOTS = 64;
const VECTORS = 1 << 16;
const ALL_WRITES = ALL_REGISTERS.gprs | VECTORS;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}
