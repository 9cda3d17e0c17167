// The compact record of a traced run (issue 11): per step only raw facts (rip, the decoded instruction, each data
// access's kind/address/size/value/frame/COW break, changed registers) in growable typed arrays, struct-of-arrays.
// StepEvents are built from it when read (step-view.ts), so recording allocates no object per step.
import type { StepLocator } from './step-view.ts';

/** What a step refers to for its bytes: picemu's decoded instruction (Insn) or, for other engines, a copy of the bytes. */
export interface InstructionRef {
  readonly addr: number;
  readonly bytes: Uint8Array;
}

/** Register ids in a change record: 0-15 the GPRs (rax, rcx, … r15), 16-31 xmm0-15, 32 rflags. */
export const REG_XMM0 = 16;
export const REG_RFLAGS = 32;

const ACCESS_WRITE = 1;
const ACCESS_RIP_RELATIVE = 2;
const ACCESS_SHARED = 4;

function grow<T extends Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let size = a.length * 2;
  while (size < need) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

export class StepLog {
  /** Committed steps. */
  length = 0;
  // Per step.
  rip: Float64Array;
  index: Float64Array;
  insn: Int32Array;
  frame: Int32Array;
  /** End (exclusive) of the step's accesses and register changes; the start is the previous step's end. */
  accEnd: Int32Array;
  regEnd: Int32Array;
  // Per access.
  accCount = 0;
  aFlags: Uint8Array;
  aVa: Float64Array;
  aSize: Uint16Array;
  aLo: Uint32Array;
  aHi: Uint32Array;
  aFrame: Int32Array;
  aCowFrom: Int32Array;
  aCowTo: Int32Array;
  /**
   * Register changes, one after another as words: the register id, then its value before and after the step,
   * low word first: 2 + 2 words for a GPR, 1 + 1 for rflags, 4 + 4 for an XMM register. `regEnd` is in words.
   */
  regCount = 0;
  rWords: Uint32Array;
  /** Distinct instructions the steps refer to (insn[k] indexes this); `instructionId` dedups by identity. */
  readonly instructions: InstructionRef[] = [];
  private readonly ids = new Map<InstructionRef, number>();
  /**
   * What labels the steps (module, symbol, section, VMA): from step `markSteps[k]` on, `markLocators[k]`, the
   * mappings of the moment the recorder saw then. Marks are few (one per change of the mappings).
   */
  private markSteps: number[] = [];
  private markLocators: StepLocator[] = [];

  constructor(
    readonly pid: number,
    readonly call: number,
    /** Initial room, in steps (the arrays double as they fill). */
    capacity = 256,
  ) {
    const n = Math.max(1, capacity);
    this.rip = new Float64Array(n);
    this.index = new Float64Array(n);
    this.insn = new Int32Array(n);
    this.frame = new Int32Array(n);
    this.accEnd = new Int32Array(n);
    this.regEnd = new Int32Array(n);
    const a = 2 * n;
    this.aFlags = new Uint8Array(a);
    this.aVa = new Float64Array(a);
    this.aSize = new Uint16Array(a);
    this.aLo = new Uint32Array(a);
    this.aHi = new Uint32Array(a);
    this.aFrame = new Int32Array(a);
    this.aCowFrom = new Int32Array(a);
    this.aCowTo = new Int32Array(a);
    this.rWords = new Uint32Array(a * 4);
  }

  instructionId(ref: InstructionRef): number {
    let id = this.ids.get(ref);
    if (id === undefined) {
      id = this.instructions.length;
      this.instructions.push(ref);
      this.ids.set(ref, id);
    }
    return id;
  }

  /** From step `length` (the open one, or the next) on, steps are labelled by `locator`. */
  markLocator(locator: StepLocator): void {
    const k = this.markSteps.length - 1;
    if (k >= 0 && this.markLocators[k] === locator) return;
    if (k >= 0 && this.markSteps[k] === this.length) this.markLocators[k] = locator;
    else {
      this.markSteps.push(this.length);
      this.markLocators.push(locator);
    }
  }

  /** The locator labelling step `step` (undefined before any mark). */
  locatorAt(step: number): StepLocator | undefined {
    const s = this.markSteps;
    let lo = 0;
    let hi = s.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]! <= step) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : this.markLocators[found];
  }

  /** Starts step `length` (not committed until `close`). */
  open(rip: number, insnId: number, index: number): void {
    const n = this.length;
    if (n >= this.rip.length) this.growSteps(n + 1);
    this.rip[n] = rip;
    this.insn[n] = insnId;
    this.index[n] = index;
  }

  addAccess(write: boolean, va: number, size: number, lo: number, hi: number, ripRelative: boolean): void {
    const k = this.accCount;
    if (k >= this.aVa.length) this.growAccesses(k + 1);
    this.aFlags[k] = (write ? ACCESS_WRITE : 0) | (ripRelative ? ACCESS_RIP_RELATIVE : 0);
    this.aVa[k] = va;
    this.aSize[k] = size;
    this.aLo[k] = lo;
    this.aHi[k] = hi;
    this.aCowFrom[k] = -1;
    this.accCount = k + 1;
  }

  /** Accesses of the open step: [accStart(length), accCount). */
  accStart(step: number): number {
    return step === 0 ? 0 : this.accEnd[step - 1];
  }
  regStart(step: number): number {
    return step === 0 ? 0 : this.regEnd[step - 1];
  }

  setAccessPlace(k: number, frame: number, shared: boolean): void {
    this.aFrame[k] = frame;
    if (shared) this.aFlags[k] |= ACCESS_SHARED;
  }
  setAccessCow(k: number, from: number, to: number): void {
    this.aCowFrom[k] = from;
    this.aCowTo[k] = to;
  }

  /** A GPR (id 0-15) changed from (blo, bhi) to (alo, ahi). */
  addGpr(id: number, blo: number, bhi: number, alo: number, ahi: number): void {
    const k = this.regCount;
    if (k + 5 > this.rWords.length) this.rWords = grow(this.rWords, k + 5);
    const w = this.rWords;
    w[k] = id; w[k + 1] = blo; w[k + 2] = bhi; w[k + 3] = alo; w[k + 4] = ahi;
    this.regCount = k + 5;
  }

  addFlags(before: number, after: number): void {
    const k = this.regCount;
    if (k + 3 > this.rWords.length) this.rWords = grow(this.rWords, k + 3);
    const w = this.rWords;
    w[k] = REG_RFLAGS; w[k + 1] = before; w[k + 2] = after;
    this.regCount = k + 3;
  }

  /** XMM register x changed: `from` holds its 4 words before at `b`, `to` its 4 words after at `a`. */
  addXmm(x: number, from: Uint32Array, b: number, to: Uint32Array, a: number): void {
    const k = this.regCount;
    if (k + 9 > this.rWords.length) this.rWords = grow(this.rWords, k + 9);
    const w = this.rWords;
    w[k] = REG_XMM0 + x;
    for (let j = 0; j < 4; j++) {
      w[k + 1 + j] = from[b + j]!;
      w[k + 5 + j] = to[a + j]!;
    }
    this.regCount = k + 9;
  }

  /** Commits the open step. */
  close(frame: number): void {
    const n = this.length;
    this.frame[n] = frame;
    this.accEnd[n] = this.accCount;
    this.regEnd[n] = this.regCount;
    this.length = n + 1;
  }

  /** Forgets the open step's accesses and registers (a filter refused it). */
  abandon(): void {
    this.accCount = this.accStart(this.length);
    this.regCount = this.regStart(this.length);
  }

  isWrite(k: number): boolean {
    return (this.aFlags[k] & ACCESS_WRITE) !== 0;
  }
  isRipRelative(k: number): boolean {
    return (this.aFlags[k] & ACCESS_RIP_RELATIVE) !== 0;
  }
  isShared(k: number): boolean {
    return (this.aFlags[k] & ACCESS_SHARED) !== 0;
  }

  /** Drops the oldest `count` steps (the ring of a `last N` filter), moving the rest to the front. */
  dropFirst(count: number): void {
    if (count <= 0) return;
    if (count >= this.length) return this.clear();
    const a0 = this.accEnd[count - 1];
    const r0 = this.regEnd[count - 1];
    const n = this.length;
    for (const arr of [this.rip, this.index, this.insn, this.frame]) arr.copyWithin(0, count, n);
    for (const arr of [this.accEnd, this.regEnd]) arr.copyWithin(0, count, n);
    for (let s = 0; s < n - count; s++) {
      this.accEnd[s] -= a0;
      this.regEnd[s] -= r0;
    }
    const ac = this.accCount;
    for (const arr of [this.aFlags, this.aVa, this.aSize, this.aLo, this.aHi, this.aFrame, this.aCowFrom, this.aCowTo]) arr.copyWithin(0, a0, ac);
    this.rWords.copyWithin(0, r0, this.regCount);
    this.length = n - count;
    this.accCount = ac - a0;
    this.regCount -= r0;
    this.dropMarksBefore(count);
  }

  /** Marks move with their steps; the one labelling the new first step moves to step 0. */
  private dropMarksBefore(count: number): void {
    if (this.markSteps.length <= 1) {
      // (the usual case, and a streamed run's per-step clear: no allocation)
      if (this.markSteps.length === 1) this.markSteps[0] = Math.max(0, this.markSteps[0]! - count);
      return;
    }
    let keep = 0;
    while (keep + 1 < this.markSteps.length && this.markSteps[keep + 1]! <= count) keep++;
    this.markSteps = this.markSteps.slice(keep).map((s) => Math.max(0, s - count));
    this.markLocators = this.markLocators.slice(keep);
  }

  /** Empties the log, keeping its arrays (a streamed run reuses them) and its instruction table. */
  clear(): void {
    this.dropMarksBefore(this.length);
    this.length = 0;
    this.accCount = 0;
    this.regCount = 0;
  }

  /** Bytes held by the arrays (what a long kept trace costs). */
  get byteSize(): number {
    let n = 0;
    for (const a of [this.rip, this.index, this.insn, this.frame, this.accEnd, this.regEnd, this.aFlags, this.aVa, this.aSize, this.aLo, this.aHi, this.aFrame, this.aCowFrom, this.aCowTo, this.rWords]) n += a.byteLength;
    return n;
  }

  private growSteps(need: number): void {
    this.rip = grow(this.rip, need);
    this.index = grow(this.index, need);
    this.insn = grow(this.insn, need);
    this.frame = grow(this.frame, need);
    this.accEnd = grow(this.accEnd, need);
    this.regEnd = grow(this.regEnd, need);
  }

  private growAccesses(need: number): void {
    this.aFlags = grow(this.aFlags, need);
    this.aVa = grow(this.aVa, need);
    this.aSize = grow(this.aSize, need);
    this.aLo = grow(this.aLo, need);
    this.aHi = grow(this.aHi, need);
    this.aFrame = grow(this.aFrame, need);
    this.aCowFrom = grow(this.aCowFrom, need);
    this.aCowTo = grow(this.aCowTo, need);
  }
}
