// A test-only GuestMemory: pages in a Map, with protections and an epoch, enough to run the CPU in tests.
// Pages are slots of the frame heap, as PhysicalMemory's frames are, so compiled regions reach them inline.
import { HeapPages } from '../../src/mm/frame-heap.ts';
import { PAGE_SIZE, PageFault, PROT_EXEC, PROT_READ, PROT_WRITE, type AccessKind, type GuestMemory } from '../../src/mm/types.ts';

export class FlatMemory implements GuestMemory {
  epoch = 0;
  private readonly heapPages = new HeapPages(this);
  private pages = new Map<number, { bytes: Uint8Array; prot: number; frame: number }>();
  private nextFrame = 1;
  private last = 0;

  map(va: number, length: number, prot = PROT_READ | PROT_WRITE | PROT_EXEC): void {
    for (let a = Math.floor(va / PAGE_SIZE) * PAGE_SIZE; a < va + length; a += PAGE_SIZE) {
      this.release(a / PAGE_SIZE);
      this.pages.set(a / PAGE_SIZE, { bytes: this.heapPages.allocate(), prot, frame: this.nextFrame++ });
    }
    this.epoch++;
  }
  protect(va: number, length: number, prot: number): void {
    for (let a = va; a < va + length; a += PAGE_SIZE) this.pages.get(Math.floor(a / PAGE_SIZE))!.prot = prot;
    this.epoch++;
  }
  unmap(va: number, length: number): void {
    for (let a = va; a < va + length; a += PAGE_SIZE) this.release(Math.floor(a / PAGE_SIZE));
    this.epoch++;
  }
  private release(pageNumber: number): void {
    const p = this.pages.get(pageNumber);
    if (!p) return;
    this.pages.delete(pageNumber);
    this.heapPages.release(p.bytes);
  }
  frameFor(va: number, access: AccessKind): Uint8Array {
    const p = this.pages.get(Math.floor(va / PAGE_SIZE));
    if (!p) throw new PageFault(va, access, 'unmapped');
    const need = access === 'read' ? PROT_READ : access === 'write' ? PROT_WRITE : PROT_EXEC;
    if (!(p.prot & need)) throw new PageFault(va, access, 'protection');
    this.last = p.frame;
    return p.bytes;
  }
  frameNumber(va: number): number {
    return this.pages.get(Math.floor(va / PAGE_SIZE))?.frame ?? 0;
  }
  peek(va: number, length: number): Uint8Array | null {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; ) {
      const p = this.pages.get(Math.floor((va + i) / PAGE_SIZE));
      if (!p) return null;
      const off = (va + i) % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, length - i);
      out.set(p.bytes.subarray(off, off + n), i);
      i += n;
    }
    return out;
  }
  poke(va: number, bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; ) {
      const p = this.pages.get(Math.floor((va + i) / PAGE_SIZE));
      if (!p) return false;
      const off = (va + i) % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, bytes.length - i);
      p.bytes.set(bytes.subarray(i, i + n), off);
      i += n;
    }
    return true;
  }
  /** Test convenience: write bytes ignoring protections. */
  load(va: number, bytes: Uint8Array | number[]): void {
    if (!this.poke(va, Uint8Array.from(bytes))) throw new Error(`load: 0x${va.toString(16)} unmapped`);
  }
}
