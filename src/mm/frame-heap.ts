// The frame heap: one fixed-size WebAssembly.Memory whose 4 KiB slots hold frames, so code compiled to WebAssembly
// (cpu/compile) reaches any frame by its address; and HeapPages, slots for memories that keep their own page maps.
import { PAGE_SIZE } from './types.ts';

/**
 * The frame heap: one fixed-size WebAssembly.Memory (it never grows, so views of it stay valid) whose 4 KiB slots
 * hold frames. Compiled code imports it and reaches a frame by its byte address. Freed slots are zeroed and reused.
 */
export class FrameHeap {
  readonly memory: WebAssembly.Memory;
  private readonly bytes: Uint8Array;
  private next: number;
  private readonly freed: number[] = [];
  /** `pages`: size in 64 KiB WebAssembly pages; the first `reserved` bytes are left to the compiler's own use. */
  constructor(pages: number, readonly reserved = 0) {
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    this.bytes = new Uint8Array(this.memory.buffer);
    this.next = reserved;
  }
  allocate(): number {
    const a = this.freed.pop();
    if (a !== undefined) {
      this.bytes.fill(0, a, a + PAGE_SIZE);
      return a;
    }
    if (this.next + PAGE_SIZE > this.bytes.length) return -1;
    this.next += PAGE_SIZE;
    return this.next - PAGE_SIZE;
  }
  free(address: number): void {
    this.freed.push(address);
  }
  heap(): Uint8Array {
    return this.bytes;
  }
  /** Whether `bytes` is a view into this heap. */
  holds(bytes: Uint8Array): boolean {
    return bytes.buffer === this.memory.buffer;
  }
}

/** Frame heap size: 512 MiB of address space (untouched slots cost no memory). */
const FRAME_HEAP_PAGES = 8192;
let sharedHeap: FrameHeap | undefined;
/** The process-wide frame heap (created on first use) that physical memories without a pool allocate from. */
export function frameHeap(): FrameHeap {
  return (sharedHeap ??= new FrameHeap(FRAME_HEAP_PAGES));
}

const heapPagesOwned = new FinalizationRegistry<Set<number>>((slots) => {
  for (const at of slots) frameHeap().free(at);
});

/**
 * Zeroed pages in the frame heap for one owner (PhysicalMemory, unicorn's memory, tests' memories): given back on
 * release, or all at once when the owner is collected. A full heap gives pages of their own (still correct, slower).
 */
export class HeapPages {
  private readonly slots = new Set<number>();
  constructor(owner: object) {
    heapPagesOwned.register(owner, this.slots);
  }
  allocate(): Uint8Array {
    const heap = frameHeap();
    const at = heap.allocate();
    if (at < 0) return new Uint8Array(PAGE_SIZE);
    this.slots.add(at);
    return new Uint8Array(heap.memory.buffer, at, PAGE_SIZE);
  }
  release(bytes: Uint8Array): void {
    if (bytes.buffer === frameHeap().memory.buffer && this.slots.delete(bytes.byteOffset)) frameHeap().free(bytes.byteOffset);
  }
}

