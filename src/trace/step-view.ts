// StepEvents built from a StepLog when they are read: location, symbol, section, VMA, disassembly and branch target
// are computed then (once per distinct instruction of the log; data locations once per address), and a list of
// events (`lazyEvents`) is an ordinary-looking array whose elements are made on first access.
import { inspect } from 'node:util';
import { instructionText } from './disassemble.ts';
import type { Location, MemoryAccess, RegisterChange, StepEvent } from './events.ts';
import { stepText } from './render-text.ts';
import { REG_RFLAGS, REG_XMM0, type StepLog } from './step-log.ts';

const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** Where addresses lie, as a trace shows them (the recorder's process: its modules, VMAs, picemu's own names). */
export interface StepLocator {
  /** Module, offset, symbol, section, relocation and VMA of `va`. */
  locate(va: number): Location;
  /** Module, offset, symbol, section and relocation only (a branch target). */
  locateInModule(va: number): Location;
}

/** What the instruction at one address prints as: its capstone text and direct-branch target. */
interface InstructionText { bytes: Uint8Array; asm: string; target: number | undefined }
// Keyed by address, checked against the bytes (code rewritten in place misses); bounded, as a cache.
const textAt = new Map<number, InstructionText>();
const TEXT_CACHE_LIMIT = 1 << 16;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** Capstone's text and direct target of the instruction `bytes` at `rip` (capstone runs once per distinct instruction). */
export function instructionInfo(bytes: Uint8Array, rip: number): InstructionText {
  const cached = textAt.get(rip);
  if (cached && sameBytes(cached.bytes, bytes)) return cached;
  const asm = bytes.length ? instructionText(bytes, rip) : '(bad)';
  const info = { bytes: bytes.slice(), asm, target: directTarget(asm) };
  if (textAt.size >= TEXT_CACHE_LIMIT) textAt.clear();
  textAt.set(rip, info);
  return info;
}

/** The absolute target of a direct call/jmp/jcc as capstone prints it (`call 0x7f...`). */
function directTarget(asm: string): number | undefined {
  const m = /^(call|j[a-z]+|loop[a-z]*)\s+0x([0-9a-f]+)$/.exec(asm);
  return m ? parseInt(m[2]!, 16) : undefined;
}

/** Per distinct instruction of a log: where it is, its text, where its direct branch goes. */
interface InstructionView { where: Location; asm: string; target: (Location & { va: number }) | undefined }

// Small: a cache that churns (a scan over a big buffer) should not fill the old generation between collections.
const PLACE_CACHE_LIMIT = 1 << 12;

/** What a reader caches per locator (per moment of the mappings): instruction views by id, data places by address. */
interface LocatorCaches {
  views: (InstructionView | undefined)[];
  places: Map<number, Location>;
  pointers: Map<number, Location | null>;
}

function newCaches(): LocatorCaches {
  return { views: [], places: new Map(), pointers: new Map() };
}

/**
 * Builds StepEvents from one log. Each step is labelled by the locator the log marks for it (the mappings at that
 * step's moment), else by `locator`; caches per locator: the log's instruction ids, data addresses.
 */
export class StepReader {
  private readonly caches = new Map<StepLocator, LocatorCaches>();
  // The locator of the last step read, and its caches (steps read in order mostly share one).
  private current: StepLocator;
  private c: LocatorCaches;

  constructor(
    readonly log: StepLog,
    private readonly locator: StepLocator,
  ) {
    this.current = locator;
    this.c = newCaches();
    this.caches.set(locator, this.c);
  }

  /** The StepEvent of step `i` (a new object each time; the same content). */
  event(i: number): StepEvent {
    const log = this.log;
    this.use(log.locatorAt(i) ?? this.locator);
    const id = log.insn[i];
    const ref = log.instructions[id]!;
    const view = this.instructionView(id, ref.addr, ref.bytes);
    const event: StepEvent = {
      pid: log.pid,
      call: log.call,
      index: log.index[i],
      rip: log.rip[i],
      ...view.where,
      frame: log.frame[i],
      bytes: ref.bytes,
      asm: view.asm,
      registers: this.registers(i),
      accesses: this.accesses(i),
    };
    if (view.target) event.target = { ...view.target };
    return Object.setPrototypeOf(event, EVENT_PROTOTYPE) as StepEvent;
  }

  private use(locator: StepLocator): void {
    if (locator === this.current) return;
    let c = this.caches.get(locator);
    if (!c) this.caches.set(locator, (c = newCaches()));
    this.current = locator;
    this.c = c;
  }

  /** Number of data accesses of step i, and whether one is RIP-relative (filters ask before building the event). */
  accessCount(i: number): number {
    return this.log.accEnd[i] - this.log.accStart(i);
  }

  private instructionView(id: number, rip: number, bytes: Uint8Array): InstructionView {
    const views = this.c.views;
    let v = views[id];
    if (!v) {
      const text = instructionInfo(bytes, rip);
      const target = text.target === undefined ? undefined : { ...this.current.locateInModule(text.target), va: text.target };
      v = views[id] = { where: this.current.locate(rip), asm: text.asm, target };
    }
    return v;
  }

  private registers(i: number): RegisterChange[] {
    const log = this.log;
    const out: RegisterChange[] = [];
    const w = log.rWords;
    for (let k = log.regStart(i), end = log.regEnd[i]; k < end; ) {
      const id = w[k];
      if (id < REG_XMM0) {
        out.push({ name: GPR_NAMES[id]!, before: word64(w[k + 1], w[k + 2]), after: word64(w[k + 3], w[k + 4]) });
        k += 5;
      } else if (id < REG_RFLAGS) {
        out.push({ name: `xmm${id - REG_XMM0}`, before: word128(w, k + 1), after: word128(w, k + 5) });
        k += 9;
      } else {
        out.push({ name: 'rflags', before: BigInt(w[k + 1]), after: BigInt(w[k + 2]) });
        k += 3;
      }
    }
    return out;
  }

  private accesses(i: number): MemoryAccess[] {
    const log = this.log;
    const out: MemoryAccess[] = [];
    for (let k = log.accStart(i), end = log.accEnd[i]; k < end; k++) {
      const va = log.aVa[k];
      const size = log.aSize[k];
      const value = size > 4 ? word64(log.aLo[k], log.aHi[k]) : BigInt(log.aLo[k]);
      const pointsTo = size === 8 ? this.pointerTarget(value) : undefined;
      const write = log.isWrite(k);
      out.push({
        ...(pointsTo ? { pointsTo } : {}),
        ...this.place(va),
        kind: write ? 'write' : 'read',
        va,
        size,
        value,
        ripRelative: log.isRipRelative(k),
        frame: log.aFrame[k],
        shared: log.isShared(k),
        cow: write && log.aCowFrom[k] >= 0 ? { from: log.aCowFrom[k], to: log.aCowTo[k] } : null,
      });
    }
    return out;
  }

  /** A copy of the location of va (its VMA object copied too, so no two events share a mutable part). */
  private place(va: number): Location {
    const places = this.c.places;
    let loc = places.get(va);
    if (!loc) {
      if (places.size >= PLACE_CACHE_LIMIT) places.clear();
      loc = this.current.locate(va);
      places.set(va, loc);
    }
    return loc.vma ? { ...loc, vma: { ...loc.vma } } : { ...loc };
  }

  /** Where an 8-byte value points, when it is an address in a module or a named mapping ([stack], [picemu]). */
  private pointerTarget(value: bigint): Location | undefined {
    if (value < 0x10000n || value >= 0x800000000000n) return undefined;
    const va = Number(value);
    const pointers = this.c.pointers;
    let loc = pointers.get(va);
    if (loc === undefined) {
      if (pointers.size >= PLACE_CACHE_LIMIT) pointers.clear();
      const l = this.current.locate(va);
      loc = l.module !== undefined || l.vma?.name ? l : null;
      pointers.set(va, loc);
    }
    return loc ? (loc.vma ? { ...loc, vma: { ...loc.vma } } : { ...loc }) : undefined;
  }
}

function word64(lo: number, hi: number): bigint {
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

function word128(v: Uint32Array, o: number): bigint {
  return (word64(v[o + 2], v[o + 3]) << 64n) | word64(v[o], v[o + 1]);
}

/**
 * Built events inherit how they print in a REPL (the trace text) from one prototype: a non-enumerable
 * inspect.custom, so JSON and equality see plain fields, at no cost per event.
 */
const EVENT_PROTOTYPE: object = Object.defineProperty({}, inspect.custom, {
  value(this: StepEvent) {
    return `StepEvent #${this.index} of call ${this.call} in p${this.pid} at 0x${this.rip.toString(16)}\n${stepText(this, { registerValues: true })}`;
  },
  enumerable: false,
});

/** A run of steps of one log: [from, from + count). */
export interface StepSegment { reader: StepReader; from: number; count: number }

const INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * An array of StepEvents whose elements are built from their logs when first read (then kept). It behaves as an
 * array for every reader (index, length, iteration, map/filter, spread, JSON, vitest equality) and writer (push,
 * length = 0); `appendSteps` adds recorded steps at the end without building them.
 */
export function lazyEvents(segments: StepSegment[] = []): StepEvent[] {
  const target: StepEvent[] = [];
  const state = { segments: [] as { start: number; seg: StepSegment }[], lazyEnd: 0 };
  const list = new Proxy(target, {
    get(t, key, receiver) {
      if (typeof key === 'string' && INDEX.test(key)) return materialize(t, Number(key));
      if (key === APPEND) return (seg: StepSegment) => appendTo(t, seg);
      return Reflect.get(t, key, receiver);
    },
    has(t, key) {
      if (typeof key === 'string' && INDEX.test(key) && Number(key) < t.length) return true;
      return Reflect.has(t, key);
    },
    getOwnPropertyDescriptor(t, key) {
      if (typeof key === 'string' && INDEX.test(key)) materialize(t, Number(key));
      return Reflect.getOwnPropertyDescriptor(t, key);
    },
    ownKeys(t) {
      for (let i = 0; i < state.lazyEnd; i++) materialize(t, i);
      return Reflect.ownKeys(t);
    },
    set(t, key, value, receiver) {
      // Shrinking forgets the steps beyond the new end; an index written is the writer's from then on.
      if (key === 'length') {
        const n = Number(value);
        if (n < state.lazyEnd) {
          state.lazyEnd = n;
          state.segments = state.segments.filter((s) => s.start < n);
        }
      }
      return Reflect.set(t, key, value, receiver);
    },
    deleteProperty(t, key) {
      if (typeof key === 'string' && INDEX.test(key)) materialize(t, Number(key));
      return Reflect.deleteProperty(t, key);
    },
  });

  function materialize(t: StepEvent[], i: number): StepEvent | undefined {
    if (i >= state.lazyEnd || Object.prototype.hasOwnProperty.call(t, i)) return t[i];
    // The segment holding i: the last one starting at or before it.
    const segs = state.segments;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid]!.start <= i) lo = mid;
      else hi = mid - 1;
    }
    const s = segs[lo]!;
    const e = s.seg.reader.event(s.seg.from + (i - s.start));
    t[i] = e;
    return e;
  }

  function appendTo(t: StepEvent[], seg: StepSegment): void {
    if (seg.count <= 0) return;
    // (Indices written by hand inside [0, lazyEnd) are own properties: materialize returns them as they are.)
    const start = t.length;
    state.segments.push({ start, seg });
    t.length = start + seg.count;
    state.lazyEnd = t.length;
  }

  for (const s of segments) appendTo(target, s);
  return list;
}

const APPEND = Symbol('appendSteps');

/** Adds recorded steps at the end of a list from `lazyEvents` (or, for a plain array, builds and pushes them). */
export function appendSteps(list: StepEvent[], seg: StepSegment): void {
  const append = (list as unknown as Record<symbol, ((s: StepSegment) => void) | undefined>)[APPEND];
  if (append) append(seg);
  else for (let k = 0; k < seg.count; k++) list.push(seg.reader.event(seg.from + k));
}
