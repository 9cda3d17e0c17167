// A CPU's context in the frame heap for compiled regions: the register file and flags handed across the call,
// the exit RIP and loop count, and the inline software TLB (read and write: page tag → frame address in the heap).
import { frameHeap, type FrameHeap } from '../../mm/frame-heap.ts';
import type { CpuState } from '../state.ts';

export const TLB_ENTRIES = 128;
/** Byte offsets in the context slot (one 4 KiB slot of the frame heap). */
export const CTX = {
  regs: 0, // 16 × i64
  flags: 128, // cf, of, zr, sr, pr, ar: 6 × i32
  rip: 152, // i64: where the region's final branch went
  missVa: 168, // i64: the address whose TLB lookup missed (the exit's cause)
  missKind: 176, // i32: 0 none, 1 read, 2 write
  // Hooked regions (compile/hooks.ts): what the hook imports hand across.
  hookStatus: 180, // i32: set by an access hook that stopped the run or changed code (leave at the next instruction)
  hooksDone: 184, // i32: an exit at an instruction whose code hooks already ran (the interpreter must not run them again)
  hookVa: 192, // i64: the address of the access being hooked
  hookValue: 208, // 16 bytes: the value read or to be written
  tagR: 256, // TLB_ENTRIES × i64 page numbers (-1: empty)
  hostR: 256 + 8 * TLB_ENTRIES, // TLB_ENTRIES × i32 frame addresses
  tagW: 256 + 12 * TLB_ENTRIES,
  hostW: 256 + 20 * TLB_ENTRIES,
  xmm: 256 + 24 * TLB_ENTRIES, // XMM0-15: 16 × 16 bytes (copied only for regions that use them)
} as const;

const freeSlot = new FinalizationRegistry<{ heap: FrameHeap; at: number }>(({ heap, at }) => heap.free(at));

export class RegionContext {
  readonly heap = frameHeap();
  readonly at: number;
  private readonly u32: Uint32Array;
  private readonly i32: Int32Array;
  /** The GPR and XMM areas as views (hook calls copy them every instruction: no subarray per call). */
  private readonly gprs: Uint32Array;
  private readonly xmms: Uint32Array;
  /** The CPU whose GPRs live in this context's register area (registersAt), if any. */
  private readonly sharing: object | null;
  /** A slot for a context (-1 when the heap is full). */
  static allocate(): number {
    return frameHeap().allocate();
  }
  /** The register area of the context at `slot`: a CPU keeps its GPRs there (CpuState's `gprs`). */
  static registersAt(slot: number): Uint32Array {
    return new Uint32Array(frameHeap().memory.buffer, slot + CTX.regs, 32);
  }
  /** Allocated for `owner` (freed when it is collected), in `slot` when given; throws when the heap is full. */
  constructor(owner: object, slot = -1) {
    const at = slot >= 0 ? slot : this.heap.allocate();
    if (at < 0) throw new RangeError('frame heap full');
    // (Given a slot, the owner's GPRs are its register area: compared by identity, as reading a view's buffer is slow.)
    this.sharing = slot >= 0 ? owner : null;
    this.at = at;
    this.u32 = new Uint32Array(this.heap.memory.buffer, at, 1024);
    this.i32 = new Int32Array(this.heap.memory.buffer, at, 1024);
    this.gprs = this.u32.subarray(0, 32);
    this.xmms = this.u32.subarray(CTX.xmm / 4, CTX.xmm / 4 + 64);
    this.flush();
    freeSlot.register(owner, { heap: this.heap, at });
  }

  /** Empties both TLBs. */
  flush(): void {
    this.u32.fill(0xffffffff, CTX.tagR / 4, CTX.hostR / 4);
    this.u32.fill(0xffffffff, CTX.tagW / 4, CTX.hostW / 4);
  }
  /** Caches a translation when the frame lives in the heap (other frames stay on the interpreter's path). */
  fill(page: number, frame: Uint8Array, write: boolean): void {
    if (frame.buffer !== this.heap.memory.buffer) return;
    const i = page & (TLB_ENTRIES - 1);
    const tag = (write ? CTX.tagW : CTX.tagR) / 4 + 2 * i;
    this.u32[tag] = page >>> 0;
    this.u32[tag + 1] = Math.floor(page / 4294967296);
    this.u32[(write ? CTX.hostW : CTX.hostR) / 4 + i] = frame.byteOffset;
  }
  /** Drops a page from the write TLB (it now holds decoded code). */
  unWritable(page: number): void {
    const tag = CTX.tagW / 4 + 2 * (page & (TLB_ENTRIES - 1));
    if (this.u32[tag] === page >>> 0 && this.u32[tag + 1] === Math.floor(page / 4294967296)) this.u32[tag] = this.u32[tag + 1] = 0xffffffff;
  }

  /** Whether `c` keeps its GPRs here (then they need no copying). */
  private holds(c: CpuState): boolean {
    return c === this.sharing;
  }
  /** Registers and flags into the context (and XMM0-15 when the region uses them). */
  enter(c: CpuState, xmm: boolean): void {
    const i32 = this.i32;
    if (xmm) this.u32.set(c.xmm32.subarray(0, 64), CTX.xmm / 4);
    if (!this.holds(c)) this.gprs.set(c.r32);
    const f = CTX.flags / 4;
    i32[f] = c.cf;
    i32[f + 1] = c.of;
    i32[f + 2] = c.zr;
    i32[f + 3] = c.sr;
    i32[f + 4] = c.pr;
    i32[f + 5] = c.ar;
  }
  /** Registers and flags back out. */
  leave(c: CpuState, xmm: boolean): void {
    const i32 = this.i32;
    if (xmm) c.xmm32.set(this.xmms);
    if (!this.holds(c)) c.r32.set(this.gprs);
    const f = CTX.flags / 4;
    c.cf = i32[f];
    c.of = i32[f + 1];
    c.zr = i32[f + 2];
    c.sr = i32[f + 3];
    c.pr = i32[f + 4];
    c.ar = i32[f + 5];
  }
  /** The access whose TLB miss ended the last run (clearing it), or null. */
  takeMiss(): { va: number; write: boolean } | null {
    const k = CTX.missKind / 4;
    const kind = this.u32[k];
    if (kind === 0) return null;
    this.u32[k] = 0;
    const lo = this.u32[CTX.missVa / 4];
    const hi = this.u32[CTX.missVa / 4 + 1];
    // A non-canonical address (hi above the user range) is left to the interpreter's fault.
    if (hi >= 0x8000) return null;
    return { va: hi * 4294967296 + lo, write: kind === 2 };
  }
  /** Clears what hooked regions' imports leave here (hooks.ts), before a region runs. */
  resetHooks(): void {
    this.u32[CTX.hookStatus / 4] = 0;
    this.u32[CTX.hooksDone / 4] = 0;
  }
  /** The last run left at an instruction whose code hooks already ran. */
  get hooksDone(): boolean {
    return this.u32[CTX.hooksDone / 4] !== 0;
  }
  /** The RIP the region's final branch chose. */
  get rip(): number {
    return this.u32[CTX.rip / 4 + 1] * 4294967296 + this.u32[CTX.rip / 4];
  }
}
