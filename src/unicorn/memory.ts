// Guest memory with unicorn's region semantics: regions are mapped, protected and unmapped whole or in part
// (splitting as uc_mem_unmap/uc_mem_protect do), never merged, and may be backed by a caller's Uint8Array.
import { PAGE_SIZE, PageFault, PROT_EXEC, PROT_READ, PROT_WRITE } from '../mm/types.ts';
import type { AccessKind, GuestMemory, VirtAddr } from '../mm/types.ts';
import { UcError } from './errors.ts';
import { HeapPages } from '../mm/frame-heap.ts';

const ERR_NOMEM = 1;
const ERR_READ_UNMAPPED = 6;
const ERR_WRITE_UNMAPPED = 7;
const ERR_MAP = 11;
const ERR_ARG = 15;
const PROT_ALL = 7;

/** One mapped region as uc_mem_regions reports it: [begin, end] inclusive. */
export interface Region {
  begin: number;
  /** Last byte of the region (inclusive, as unicorn's uc_mem_region.end). */
  end: number;
  perms: number;
}

/** A page: a 4 KiB view of the bytes behind it (its own frame or the caller's buffer) and its protection. */
interface Page {
  bytes: Uint8Array;
  prot: number;
  /** Frame number: the same bytes have the same number in every engine that maps them. */
  frame: number;
}

/** Frame numbers for caller buffers, so two engines sharing one buffer see one frame per page. */
const bufferFrames = new WeakMap<ArrayBufferLike, number>();
let nextFrame = 1;

function framesFor(buffer: ArrayBufferLike, byteLength: number): number {
  let base = bufferFrames.get(buffer);
  if (base === undefined) {
    base = nextFrame;
    nextFrame += Math.ceil(byteLength / PAGE_SIZE) + 1;
    bufferFrames.set(buffer, base);
  }
  return base;
}

function isPageAligned(v: number): boolean {
  return v % PAGE_SIZE === 0;
}

/** Memory of one engine. Addresses are numbers (exact below 2^53); the API edge converts from BigInt. */
export class UnicornMemory implements GuestMemory {
  /** Regions sorted by begin; end exclusive here. */
  private regions: { begin: number; end: number; perms: number }[] = [];
  private readonly pages = new Map<number, Page>();
  /** Pages of the frame heap (where compiled code reaches them directly). */
  private readonly heapPages = new HeapPages(this);
  epoch = 0;
  /** Called after bytes change through the API (mem_write) or a mapping changes, so decode caches can drop them. */
  onChange: ((address: VirtAddr, length: number) => void) | undefined;

  /** uc_mem_map / uc_mem_map_ptr. Throws UcError. */
  map(address: number, size: number, perms: number, backing?: Uint8Array): void {
    if (size === 0) throw new UcError(ERR_ARG);
    if (!isPageAligned(address) || !isPageAligned(size)) throw new UcError(ERR_ARG);
    if ((perms & ~PROT_ALL) !== 0) throw new UcError(ERR_ARG);
    if (address + size - 1 > Number.MAX_SAFE_INTEGER) throw new UcError(ERR_ARG);
    if (backing && backing.byteLength < size) throw new UcError(ERR_ARG);
    for (const r of this.regions) if (address < r.end && r.begin < address + size) throw new UcError(ERR_MAP);
    const frameBase = backing ? framesFor(backing.buffer, backing.buffer.byteLength) + Math.floor(backing.byteOffset / PAGE_SIZE) : 0;
    for (let off = 0; off < size; off += PAGE_SIZE) {
      const bytes = backing ? backing.subarray(off, off + PAGE_SIZE) : this.heapPages.allocate();
      const frame = backing && backing.byteOffset % PAGE_SIZE === 0 ? frameBase + off / PAGE_SIZE : nextFrame++;
      this.pages.set((address + off) / PAGE_SIZE, { bytes, prot: perms, frame });
    }
    this.regions.push({ begin: address, end: address + size, perms });
    this.regions.sort((a, b) => a.begin - b.begin);
    this.changed(address, size);
  }

  /** uc_mem_unmap: the whole range must be mapped; regions it cuts are split. */
  unmap(address: number, size: number): void {
    if (size === 0) return;
    this.checkRange(address, size);
    this.splitAt(address, size, null);
    for (let off = 0; off < size; off += PAGE_SIZE) {
      const page = this.pages.get((address + off) / PAGE_SIZE);
      if (page) this.heapPages.release(page.bytes);
      this.pages.delete((address + off) / PAGE_SIZE);
    }
    this.changed(address, size);
  }

  /** uc_mem_protect: the whole range must be mapped; regions it cuts are split. */
  protect(address: number, size: number, perms: number): void {
    if (size === 0) return;
    if ((perms & ~PROT_ALL) !== 0) throw new UcError(ERR_ARG);
    this.checkRange(address, size);
    this.splitAt(address, size, perms);
    for (let off = 0; off < size; off += PAGE_SIZE) this.pages.get((address + off) / PAGE_SIZE)!.prot = perms;
    this.changed(address, size);
  }

  /** uc_mem_regions. */
  list(): Region[] {
    return this.regions.map((r) => ({ begin: r.begin, end: r.end - 1, perms: r.perms }));
  }

  /** uc_mem_read: ignores protections, fails if any byte is unmapped. */
  read(address: number, size: number): Uint8Array {
    if (!this.isMapped(address, size)) throw new UcError(ERR_READ_UNMAPPED);
    const out = new Uint8Array(size);
    this.copy(address, size, (page, pageOff, pos, n) => out.set(page.bytes.subarray(pageOff, pageOff + n), pos));
    return out;
  }

  /** uc_mem_write: ignores protections (as unicorn does), fails if any byte is unmapped. */
  write(address: number, data: ArrayLike<number>): void {
    const size = data.length;
    if (!this.isMapped(address, size)) throw new UcError(ERR_WRITE_UNMAPPED);
    let changed = false;
    this.copy(address, size, (page, pageOff, pos, n) => {
      for (let i = 0; i < n; i++) {
        const before = page.bytes[pageOff + i];
        page.bytes[pageOff + i] = data[pos + i];
        if (page.bytes[pageOff + i] !== before) changed = true;
      }
    });
    // Rewriting the same bytes leaves decoded code valid (hooks that patch code on every call rely on it).
    if (changed) this.onChange?.(address, size);
  }

  /** True when every byte of [address, address + size) is mapped. */
  isMapped(address: number, size: number): boolean {
    if (size === 0) return true;
    const first = Math.floor(address / PAGE_SIZE);
    const last = Math.floor((address + size - 1) / PAGE_SIZE);
    for (let p = first; p <= last; p++) if (!this.pages.has(p)) return false;
    return true;
  }

  /** The byte at `va` whatever the protection, or -1 where unmapped. */
  byteAt(va: VirtAddr): number {
    const page = this.pages.get(Math.floor(va / PAGE_SIZE));
    return page ? page.bytes[va % PAGE_SIZE] : -1;
  }

  /** The protection of the page holding `va`, or undefined where unmapped. */
  protAt(va: VirtAddr): number | undefined {
    return this.pages.get(Math.floor(va / PAGE_SIZE))?.prot;
  }

  // GuestMemory

  frameFor(va: VirtAddr, access: AccessKind): Uint8Array {
    const page = this.pages.get(Math.floor(va / PAGE_SIZE));
    if (page === undefined) throw new PageFault(va, access, 'unmapped');
    const need = access === 'read' ? PROT_READ : access === 'write' ? PROT_WRITE : PROT_EXEC;
    if ((page.prot & need) === 0) throw new PageFault(va, access, 'protection');
    return page.bytes;
  }

  frameNumber(va: VirtAddr): number {
    return this.pages.get(Math.floor(va / PAGE_SIZE))?.frame ?? 0;
  }

  peek(va: VirtAddr, length: number): Uint8Array | null {
    return this.isMapped(va, length) ? this.read(va, length) : null;
  }

  poke(va: VirtAddr, bytes: Uint8Array): boolean {
    if (!this.isMapped(va, bytes.length)) return false;
    this.write(va, bytes);
    return true;
  }

  // internals

  private changed(address: number, size: number): void {
    this.epoch++;
    this.onChange?.(address, size);
  }

  private checkRange(address: number, size: number): void {
    if (!isPageAligned(address) || !isPageAligned(size)) throw new UcError(ERR_ARG);
    if (!this.isMapped(address, size)) throw new UcError(ERR_NOMEM);
  }

  /** Splits the regions overlapping [address, address + size) at its ends; the inside gets `perms`, or goes if null. */
  private splitAt(address: number, size: number, perms: number | null): void {
    const end = address + size;
    const out: { begin: number; end: number; perms: number }[] = [];
    for (const r of this.regions) {
      if (r.end <= address || r.begin >= end) {
        out.push(r);
        continue;
      }
      if (r.begin < address) out.push({ begin: r.begin, end: address, perms: r.perms });
      if (perms !== null) out.push({ begin: Math.max(r.begin, address), end: Math.min(r.end, end), perms });
      if (r.end > end) out.push({ begin: end, end: r.end, perms: r.perms });
    }
    this.regions = out;
  }

  private copy(address: number, size: number, each: (page: Page, pageOff: number, pos: number, n: number) => void): void {
    let pos = 0;
    while (pos < size) {
      const va = address + pos;
      const page = this.pages.get(Math.floor(va / PAGE_SIZE))!;
      const pageOff = va % PAGE_SIZE;
      const n = Math.min(size - pos, PAGE_SIZE - pageOff);
      each(page, pageOff, pos, n);
      pos += n;
    }
  }
}
