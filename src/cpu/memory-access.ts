// Guest memory as the CPU sees it: a software TLB over GuestMemory.frameFor, little-endian reads and writes
// of 1-16 bytes, page-straddling accesses checked before anything is written, and the hooks' slow path.
import { PageFault, type AccessKind, type GuestMemory } from '../mm/types.ts';
import { fault } from './faults.ts';
import type { Insn } from './decode.ts';
import { CpuState } from './state.ts';

/** Callbacks for the unicorn facade and the tracer. Installing any of code/block/mem* switches the CPU to its hooked loop. */
export interface CpuHooks {
  /** Before each instruction (unicorn HOOK_CODE). May change registers (rip too) or call cpu.requestStop(). */
  code?(address: number, size: number): void;
  /** When a basic block starts (HOOK_BLOCK). */
  block?(address: number, size: number): void;
  /** Before a data read (HOOK_MEM_READ). */
  memRead?(address: number, size: number): void;
  /** After a data read, with the value (HOOK_MEM_READ_AFTER); values above 32 bits come as lo/hi halves. */
  memReadAfter?(address: number, size: number, lo: number, hi: number): void;
  /** Before a data write, with the value (HOOK_MEM_WRITE). */
  memWrite?(address: number, size: number, lo: number, hi: number): void;
  /** An instruction fetch (HOOK_MEM_FETCH), once per executed instruction. */
  memFetch?(address: number, size: number): void;
  /** An access that faults (unmapped, protection): return true after fixing it up (e.g. mapping memory) to retry it. */
  invalid?(access: AccessKind, reason: PageFault['reason'], address: number, size: number, lo: number, hi: number): boolean;
  /** int N / int3 (intno 3) / int1. Without it, int3 faults (SIGTRAP) and int N faults (privileged). */
  interrupt?(intno: number): void;
  /** syscall (HOOK_INSN). Without it, the run ends with outcome 'syscall' (RIP after the syscall). */
  syscall?(): void;
  /** Before each instruction, with its decoded form (trace recorders: one run records many steps). May call cpu.requestStop(). */
  instruction?(insn: Insn): void;
  /** Every data access, for traces: kind, address, size, value halves, and whether it is the RIP-relative operand. */
  access?(kind: 'read' | 'write', address: number, size: number, lo: number, hi: number, ripRelative: boolean): void;
  /** Where `code`/`instruction`/`memFetch` can do anything: inclusive [begin, end] ranges (absent: everywhere). Compiled code calls them only there. */
  codeRanges?: ReadonlyArray<readonly [number, number]>;
  /** false: these hooks are never called from compiled code (the hooked interpreter runs every instruction). */
  compiled?: boolean;
}

const TLB_SIZE = 256;
const TLB_MASK = TLB_SIZE - 1;
const emptyBytes = new Uint8Array(4096);
const emptyView = new DataView(emptyBytes.buffer);

export class CpuMemory extends CpuState {
  /** Scratch for 64-bit reads: the high half of the last 64-bit value read by a getter. */
  hi = 0;
  /** The last effective address computed by a memory getter (read-modify-write reuses it). */
  ea = 0;
  hooks: CpuHooks = {};
  /** True when memory hooks or the recorder want every access: the TLB is bypassed. */
  protected memHooked = false;
  /** The instruction being executed, in the hooked loop (for RIP-relative annotation). */
  curInsn: Insn | null = null;
  protected epoch: number;

  private readonly tagR = new Float64Array(TLB_SIZE).fill(-1);
  private readonly tagW = new Float64Array(TLB_SIZE).fill(-1);
  private readonly bytesR: Uint8Array[] = new Array(TLB_SIZE).fill(emptyBytes);
  private readonly bytesW: Uint8Array[] = new Array(TLB_SIZE).fill(emptyBytes);
  private readonly viewR: DataView[] = new Array(TLB_SIZE).fill(emptyView);
  private readonly viewW: DataView[] = new Array(TLB_SIZE).fill(emptyView);
  /** The slow path's own translation cache (used when hooks bypass the TLB): tags and frames for read and write. */
  private readonly tagSR = new Float64Array(TLB_SIZE).fill(-1);
  private readonly tagSW = new Float64Array(TLB_SIZE).fill(-1);
  private readonly bytesSR: Uint8Array[] = new Array(TLB_SIZE).fill(emptyBytes);
  private readonly bytesSW: Uint8Array[] = new Array(TLB_SIZE).fill(emptyBytes);
  /** Pages holding decoded code: never in the write TLB, so writes to them invalidate decoded blocks. */
  protected readonly codePages = new Set<number>();

  constructor(
    readonly memory: GuestMemory,
    gprs?: Uint32Array,
  ) {
    super(gprs);
    this.epoch = memory.epoch;
  }

  /** Drops every cached translation (call after changing mappings behind the memory's back). */
  flushTlb(): void {
    this.tagR.fill(-1);
    this.tagW.fill(-1);
    this.tagSR.fill(-1);
    this.tagSW.fill(-1);
    this.epoch = this.memory.epoch;
  }

  /** Called when a write lands on a page holding decoded code. */
  protected codeWrite(_page: number): void {}

  /** A frame for `va`, through the invalid-access hook; refills the TLB unless hooks bypass it. */
  translate(va: number, access: AccessKind, size = 1, lo = 0, hi = 0): Uint8Array {
    if (!(va >= 0 && va < 2 ** 48)) fault('unmapped', va, access);
    const pg = Math.floor(va / 4096);
    const si = pg & TLB_MASK;
    // (A hook may have changed mappings since: the epoch says whether the cached frames still hold.)
    if (this.memory.epoch !== this.epoch) this.flushTlb();
    else if (access === 'read' && this.tagSR[si] === pg) return this.bytesSR[si];
    else if (access === 'write' && this.tagSW[si] === pg) return this.bytesSW[si];
    let frame: Uint8Array;
    for (let attempt = 0; ; attempt++) {
      try {
        frame = this.memory.frameFor(va, access);
        break;
      } catch (e) {
        if (!(e instanceof PageFault)) throw e;
        if (attempt < 4 && this.hooks.invalid?.(access, e.reason, va, size, lo, hi)) continue;
        fault(e.reason, va, access);
      }
    }
    if (this.memory.epoch !== this.epoch) this.flushTlb();
    if (access === 'read') {
      this.tagSR[si] = pg;
      this.bytesSR[si] = frame;
    } else if (access === 'write') {
      this.tagSW[si] = pg;
      this.bytesSW[si] = frame;
    }
    if (!this.memHooked && access !== 'fetch') {
      const page = Math.floor(va / 4096);
      const i = page & TLB_MASK;
      const view = new DataView(frame.buffer, frame.byteOffset, 4096);
      if (access === 'read') {
        this.tagR[i] = page;
        this.bytesR[i] = frame;
        this.viewR[i] = view;
      } else if (!this.codePages.has(page)) {
        this.tagW[i] = page;
        this.bytesW[i] = frame;
        this.viewW[i] = view;
      }
    }
    return frame;
  }

  /** Removes a page from the write TLB (it now holds decoded code). */
  protected unWritable(page: number): void {
    const i = page & TLB_MASK;
    if (this.tagW[i] === page) this.tagW[i] = -1;
  }

  // ---- reads: fast path on a TLB hit within one page; everything else goes to readSlow.

  read8(va: number): number {
    const page = Math.floor(va / 4096);
    const i = page & TLB_MASK;
    if (this.tagR[i] === page) return this.bytesR[i][va & 4095];
    return this.readSlow(va, 1);
  }
  read16(va: number): number {
    const page = Math.floor(va / 4096);
    const i = page & TLB_MASK;
    const o = va & 4095;
    if (this.tagR[i] === page && o < 4095) return this.viewR[i].getUint16(o, true);
    return this.readSlow(va, 2);
  }
  read32(va: number): number {
    const page = Math.floor(va / 4096);
    const i = page & TLB_MASK;
    const o = va & 4095;
    if (this.tagR[i] === page && o < 4093) return this.viewR[i].getUint32(o, true);
    return this.readSlow(va, 4);
  }
  /** Returns the low half; the high half is left in `this.hi`. */
  read64(va: number): number {
    const page = Math.floor(va / 4096);
    const i = page & TLB_MASK;
    const o = va & 4095;
    if (this.tagR[i] === page && o < 4089) {
      const v = this.viewR[i];
      this.hi = v.getUint32(o + 4, true);
      return v.getUint32(o, true);
    }
    return this.readSlow(va, 8);
  }
  /** Reads `n` bytes into `dst` at `offset` (XMM loads, cmpxchg16b). */
  readBytes(va: number, n: number, dst: Uint8Array, offset: number): void {
    const page = Math.floor(va / 4096);
    const i = page & TLB_MASK;
    const o = va & 4095;
    if (this.tagR[i] === page && o <= 4096 - n) {
      dst.set(this.bytesR[i].subarray(o, o + n), offset);
      return;
    }
    this.readBytesSlow(va, n, dst, offset);
  }

  // ---- writes

  write8(va: number, v: number): void {
    const page = Math.floor(va / 4096);
    const i = page & TLB_MASK;
    if (this.tagW[i] === page) {
      this.bytesW[i][va & 4095] = v;
      return;
    }
    this.writeSlow(va, 1, v & 0xff, 0);
  }
  write16(va: number, v: number): void {
    const page = Math.floor(va / 4096);
    const i = page & TLB_MASK;
    const o = va & 4095;
    if (this.tagW[i] === page && o < 4095) {
      this.viewW[i].setUint16(o, v, true);
      return;
    }
    this.writeSlow(va, 2, v & 0xffff, 0);
  }
  write32(va: number, v: number): void {
    const page = Math.floor(va / 4096);
    const i = page & TLB_MASK;
    const o = va & 4095;
    if (this.tagW[i] === page && o < 4093) {
      this.viewW[i].setUint32(o, v, true);
      return;
    }
    this.writeSlow(va, 4, v >>> 0, 0);
  }
  write64(va: number, lo: number, hi: number): void {
    const page = Math.floor(va / 4096);
    const i = page & TLB_MASK;
    const o = va & 4095;
    if (this.tagW[i] === page && o < 4089) {
      const w = this.viewW[i];
      w.setUint32(o, lo, true);
      w.setUint32(o + 4, hi, true);
      return;
    }
    this.writeSlow(va, 8, lo >>> 0, hi >>> 0);
  }
  writeBytes(va: number, src: Uint8Array, offset: number, n: number): void {
    const page = Math.floor(va / 4096);
    const i = page & TLB_MASK;
    const o = va & 4095;
    if (this.tagW[i] === page && o <= 4096 - n) {
      this.bytesW[i].set(src.subarray(offset, offset + n), o);
      return;
    }
    this.writeBytesSlow(va, src, offset, n);
  }

  /** Faults now if a write of `size` bytes at `va` would fault (so read-modify-write commits nothing before its write). */
  probeWrite(va: number, size: number): void {
    const page = Math.floor(va / 4096);
    const o = va & 4095;
    if (this.tagW[page & TLB_MASK] === page && o <= 4096 - size) return;
    this.translateNoHook(va, 'write');
    if (o > 4096 - size) this.translateNoHook(va + size - 1, 'write');
  }
  /** Translation without memory hooks (probes), but with the invalid-access hook. */
  private translateNoHook(va: number, access: AccessKind): Uint8Array {
    return this.translate(va, access);
  }

  // ---- slow paths: page straddles, TLB misses, hooks

  private ripRelative(va: number): boolean {
    const m = this.curInsn?.mem;
    if (!m || !m.ripRelative) return false;
    const seg = m.seg === 'fs' ? this.fsBase : m.seg === 'gs' ? this.gsBase : 0;
    return va === m.absolute + seg;
  }

  protected readSlow(va: number, size: number): number {
    const h = this.hooks;
    h.memRead?.(va, size);
    const o = va & 4095;
    let lo: number;
    let hi = 0;
    if (o <= 4096 - size) {
      const f = this.translate(va, 'read', size);
      const v = new DataView(f.buffer, f.byteOffset, 4096);
      if (size === 1) lo = f[o];
      else if (size === 2) lo = v.getUint16(o, true);
      else if (size === 4) lo = v.getUint32(o, true);
      else {
        lo = v.getUint32(o, true);
        hi = v.getUint32(o + 4, true);
      }
    } else {
      const f1 = this.translate(va, 'read', size);
      const f2 = this.translate(va - o + 4096, 'read', size);
      let x = 0n;
      for (let k = size - 1; k >= 0; k--) x = (x << 8n) | BigInt(o + k < 4096 ? f1[o + k] : f2[o + k - 4096]);
      lo = Number(x & 0xffffffffn);
      hi = Number(x >> 32n);
    }
    h.memReadAfter?.(va, size, lo, hi);
    h.access?.('read', va, size, lo, hi, this.ripRelative(va));
    this.hi = hi;
    return lo;
  }

  protected readBytesSlow(va: number, n: number, dst: Uint8Array, offset: number): void {
    const h = this.hooks;
    h.memRead?.(va, n);
    const o = va & 4095;
    const f1 = this.translate(va, 'read', n);
    const f2 = o > 4096 - n ? this.translate(va - o + 4096, 'read', n) : f1;
    for (let k = 0; k < n; k++) dst[offset + k] = o + k < 4096 ? f1[o + k] : f2[o + k - 4096];
    if (h.memReadAfter || h.access) {
      const lo = readLE(dst, offset, Math.min(n, 4));
      const hi = n > 4 ? readLE(dst, offset + 4, Math.min(n - 4, 4)) : 0;
      h.memReadAfter?.(va, n, lo, hi);
      h.access?.('read', va, n, lo, hi, this.ripRelative(va));
    }
  }

  protected writeSlow(va: number, size: number, lo: number, hi: number): void {
    const h = this.hooks;
    const o = va & 4095;
    // Translate every page first: a fault leaves memory untouched.
    const f1 = this.translate(va, 'write', size, lo, hi);
    const f2 = o > 4096 - size ? this.translate(va - o + 4096, 'write', size, lo, hi) : f1;
    h.memWrite?.(va, size, lo, hi);
    h.access?.('write', va, size, lo, hi, this.ripRelative(va));
    for (let k = 0; k < size; k++) {
      const b = (k < 4 ? lo >>> (8 * k) : hi >>> (8 * (k - 4))) & 0xff;
      if (o + k < 4096) f1[o + k] = b;
      else f2[o + k - 4096] = b;
    }
    this.afterWrite(va, size);
  }

  protected writeBytesSlow(va: number, src: Uint8Array, offset: number, n: number): void {
    const h = this.hooks;
    const o = va & 4095;
    const f1 = this.translate(va, 'write', n);
    const f2 = o > 4096 - n ? this.translate(va - o + 4096, 'write', n) : f1;
    if (h.memWrite || h.access) {
      const lo = readLE(src, offset, Math.min(n, 4));
      const hi = n > 4 ? readLE(src, offset + 4, Math.min(n - 4, 4)) : 0;
      h.memWrite?.(va, n, lo, hi);
      h.access?.('write', va, n, lo, hi, this.ripRelative(va));
    }
    for (let k = 0; k < n; k++) {
      if (o + k < 4096) f1[o + k] = src[offset + k];
      else f2[o + k - 4096] = src[offset + k];
    }
    this.afterWrite(va, n);
  }

  private afterWrite(va: number, size: number): void {
    if (this.codePages.size === 0) return;
    const p1 = Math.floor(va / 4096);
    const p2 = Math.floor((va + size - 1) / 4096);
    if (this.codePages.has(p1)) this.codeWrite(p1);
    if (p2 !== p1 && this.codePages.has(p2)) this.codeWrite(p2);
  }
}

function readLE(b: Uint8Array, off: number, n: number): number {
  let v = 0;
  for (let k = n - 1; k >= 0; k--) v = v * 256 + b[off + k];
  return v;
}
