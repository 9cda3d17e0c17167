// Physical memory: 4 KiB frames numbered from 1, with the map counts smaps needs (Shared vs Private, Pss).
// A frame's bytes are a view: usually a buffer of its own, but possibly a window into a caller's
// Uint8Array (unicorn's mem_map_ptr), so two address spaces given one buffer share those bytes. With a FramePool
// (an engine that maps frames itself, e.g. unicorn in WebAssembly), frames are pages of the pool's heap. Without
// one, frames are slots of the frame heap: one WebAssembly.Memory that compiled code (cpu/compile) reads directly.
import { HeapPages } from './frame-heap.ts';
import { type FrameNumber, PAGE_SIZE } from './types.ts';

export type { FrameNumber };

/**
 * What a frame holds, as the kernel would classify the page:
 * - `zero`: the one shared zero page (never written; not counted in Rss, as vm_normal_page skips it);
 * - `anon`: anonymous memory, including private copies of file pages made by copy-on-write;
 * - `file`: a page-cache page of a file (shared by every mapping of that file page);
 * - `backing`: a window into a caller-supplied buffer (mem_map_ptr), shared by whoever maps it.
 */
export type FrameKind = 'zero' | 'anon' | 'file' | 'backing';

export interface Frame {
  readonly number: FrameNumber;
  readonly bytes: Uint8Array;
  /** A DataView over `bytes` (multi-byte little-endian accesses without allocating). */
  readonly view: DataView;
  readonly kind: FrameKind;
  /** How many address-space pages (page-table entries, across all address spaces) map this frame: the kernel's mapcount (smaps, pagemap). */
  mapCount: number;
  /** How many address spaces (processes) map this frame: what `shared` means in traces and page tables. */
  readonly spaceCount: number;
  /** The page itself is dirty (written through a shared mapping); private pages track dirtiness per PTE. */
  dirty: boolean;
  /** Where the bytes live in a FramePool's heap (pooled frames only). */
  readonly hostAddress?: number;
}

/** Page-sized, page-aligned blocks of another heap (a WebAssembly memory) that frames live in. */
export interface FramePool {
  /** A zero-filled page; returns its address in the heap (-1 when the heap is full: the frame gets a buffer of its own). */
  allocate(): number;
  free(address: number): void;
  /** The heap's current bytes (a growing WebAssembly memory replaces its buffer, so views are re-made). */
  heap(): Uint8Array;
}

/** A frame in a FramePool: its views follow the heap when the heap's buffer is replaced. */
class PooledFrame implements Frame {
  mapCount = 0;
  dirty = false;
  /** Address space → how many of its page-table entries map this frame (as register's frames keep it). */
  readonly mappedBy = new Map<number, number>();
  get spaceCount(): number {
    return this.mappedBy.size;
  }
  private buffer: ArrayBufferLike | undefined;
  private cachedBytes: Uint8Array | undefined;
  private cachedView: DataView | undefined;
  constructor(
    readonly number: FrameNumber,
    readonly kind: FrameKind,
    readonly hostAddress: number,
    private readonly pool: FramePool,
  ) {}
  get bytes(): Uint8Array {
    const heap = this.pool.heap();
    if (heap.buffer !== this.buffer || !this.cachedBytes) {
      this.buffer = heap.buffer;
      this.cachedBytes = new Uint8Array(heap.buffer, heap.byteOffset + this.hostAddress, PAGE_SIZE);
      this.cachedView = new DataView(heap.buffer, heap.byteOffset + this.hostAddress, PAGE_SIZE);
    }
    return this.cachedBytes;
  }
  get view(): DataView {
    void this.bytes;
    return this.cachedView!;
  }
}

interface BackingPages {
  frames: Map<number, Frame>; // byte offset in the ArrayBuffer -> frame
}

export class PhysicalMemory {
  private nextNumber = 1;
  private readonly live = new Map<FrameNumber, Frame>();
  private readonly backings = new WeakMap<ArrayBufferLike, BackingPages>();
  private zero: Frame | undefined;
  /** Frames ever allocated (for benchmarks and tests). */
  allocated = 0;

  /** Frame-heap slots of this memory's frames (all given back if the memory is collected with frames still live). */
  private readonly heapPages = new HeapPages(this);

  constructor(private readonly pool?: FramePool) {}

  /** The shared zero frame (allocated on first use). Never write its bytes. */
  get zeroFrame(): Frame {
    if (!this.zero) {
      this.zero = this.fresh('zero');
      this.zero.mapCount = 0;
    }
    return this.zero;
  }

  /** A new zero-filled frame of the given kind (anonymous unless the page cache asks for 'file'). */
  allocate(kind: 'anon' | 'file' = 'anon'): Frame {
    return this.fresh(kind);
  }

  /** A new anonymous frame holding a copy of `source` (copy-on-write). */
  copyOf(source: Frame): Frame {
    const frame = this.fresh('anon');
    if (source.kind !== 'zero') frame.bytes.set(source.bytes);
    return frame;
  }

  /**
   * The frame for the page at `byteOffset` (page-aligned) of a caller's buffer: the same frame for the
   * same bytes of the same ArrayBuffer, so two address spaces mapping one buffer share frames.
   */
  backingFrame(buffer: Uint8Array, byteOffset: number): Frame {
    if (byteOffset % PAGE_SIZE !== 0 || byteOffset < 0 || byteOffset + PAGE_SIZE > buffer.byteLength) {
      throw new RangeError(`backing page at ${byteOffset} is outside a ${buffer.byteLength}-byte buffer`);
    }
    const absolute = buffer.byteOffset + byteOffset;
    let pages = this.backings.get(buffer.buffer);
    if (!pages) {
      pages = { frames: new Map() };
      this.backings.set(buffer.buffer, pages);
    }
    let frame = pages.frames.get(absolute);
    if (!frame) {
      frame = this.register('backing', new Uint8Array(buffer.buffer, absolute, PAGE_SIZE));
      const frames = pages.frames;
      (frame as FrameWithRelease).onFree = () => frames.delete(absolute);
      pages.frames.set(absolute, frame);
    }
    return frame;
  }

  get(number: FrameNumber): Frame | undefined {
    return this.live.get(number);
  }

  /** Frames currently alive (mapped somewhere or held by the page cache). */
  get liveCount(): number {
    return this.live.size;
  }

  /** A page-table entry (of address space `space`, when given) now maps `frame`. */
  retain(frame: Frame, space = 0): void {
    frame.mapCount++;
    const by = (frame as FrameRecord).mappedBy;
    by.set(space, (by.get(space) ?? 0) + 1);
  }

  /**
   * A page-table entry no longer maps `frame`. Anonymous and backing frames mapped nowhere are freed;
   * page-cache frames stay (the page cache owns them) and the zero frame always stays.
   */
  release(frame: Frame, space = 0): void {
    frame.mapCount--;
    if (frame.mapCount < 0) throw new Error(`frame ${frame.number} released more often than mapped`);
    const by = (frame as FrameRecord).mappedBy;
    const n = (by.get(space) ?? 0) - 1;
    if (n > 0) by.set(space, n);
    else by.delete(space);
    if (frame.mapCount === 0 && (frame.kind === 'anon' || frame.kind === 'backing')) this.free(frame);
  }

  /** Drops a frame from physical memory (the page cache calls this when it evicts). */
  free(frame: Frame): void {
    if (frame.mapCount !== 0) throw new Error(`frame ${frame.number} freed while mapped ${frame.mapCount} times`);
    this.live.delete(frame.number);
    (frame as FrameWithRelease).onFree?.();
    if (frame instanceof PooledFrame) this.pool!.free(frame.hostAddress);
  }

  /** A zero-filled frame: a page of the pool when there is one, else a slot of the frame heap (or, when it is full, a buffer of its own). */
  private fresh(kind: FrameKind): Frame {
    if (!this.pool) {
      const bytes = this.heapPages.allocate();
      const frame = this.register(kind, bytes);
      (frame as FrameWithRelease).onFree = () => this.heapPages.release(bytes);
      return frame;
    }
    const address = this.pool.allocate();
    if (address < 0) return this.register(kind, new Uint8Array(PAGE_SIZE));
    const frame = new PooledFrame(this.nextNumber++, kind, address, this.pool);
    this.live.set(frame.number, frame);
    this.allocated++;
    return frame;
  }

  private register(kind: FrameKind, bytes: Uint8Array): Frame {
    const mappedBy = new Map<number, number>();
    const frame: FrameRecord = {
      number: this.nextNumber++,
      bytes,
      view: new DataView(bytes.buffer, bytes.byteOffset, PAGE_SIZE),
      kind,
      mapCount: 0,
      get spaceCount() {
        return mappedBy.size;
      },
      dirty: false,
      mappedBy,
    };
    this.live.set(frame.number, frame);
    this.allocated++;
    return frame;
  }
}

interface FrameWithRelease extends Frame {
  onFree?: () => void;
}

/** A frame with the record of which address spaces map it (space id -> page-table entries). */
interface FrameRecord extends Frame {
  readonly mappedBy: Map<number, number>;
}
