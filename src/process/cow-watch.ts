// A GuestMemory wrapper that notices copy-on-write breaks: for a write translation, the frame behind the
// page before and after. The CPU only asks on a TLB miss (always, when tracing hooks are on), so it is cheap.
// A write to a not-present page of a private file mapping breaks COW too (the kernel's do_cow_fault): the
// process gets a copy of the page-cache frame, which other processes may map.
import type { AddressSpace } from '../mm/address-space.ts';
import { PAGE_SIZE, type AccessKind, type GuestMemory, type VirtAddr } from '../mm/types.ts';
import type { CowBreak } from '../trace/events.ts';

export class CowWatch implements GuestMemory {
  /** Page address → the break seen since the last `take()`. */
  private readonly breaks = new Map<VirtAddr, CowBreak>();
  watching = false;

  constructor(readonly space: AddressSpace) {}

  get epoch(): number {
    return this.space.epoch;
  }

  frameFor(va: VirtAddr, access: AccessKind): Uint8Array {
    if (access !== 'write' || !this.watching) return this.space.frameFor(va, access);
    const before = this.space.frameAt(va);
    const bytes = this.space.frameFor(va, access);
    const after = this.space.frameAt(va);
    const from = before ? before.frame : this.pageCacheFrame(va);
    if (from !== undefined && after && from !== after.frame) this.breaks.set(va - (va % PAGE_SIZE), { from, to: after.frame });
    return bytes;
  }

  /** For a page of a private file mapping: the page-cache frame holding its file page (what a write fault copied). */
  private pageCacheFrame(va: VirtAddr): number | undefined {
    const vma = this.space.vmaAt(va);
    if (!vma?.file || vma.shared || vma.backing) return undefined;
    const index = vma.pgoff + (Math.floor(va / PAGE_SIZE) - vma.start / PAGE_SIZE);
    return vma.file.inode.pages.get(index)?.number;
  }

  frameNumber(va: VirtAddr): number {
    return this.space.frameNumber(va);
  }

  peek(va: VirtAddr, length: number): Uint8Array | null {
    return this.space.peek(va, length);
  }

  poke(va: VirtAddr, bytes: Uint8Array): boolean {
    return this.space.poke(va, bytes);
  }

  /** The break (if any) on the page containing va since the last take(). */
  breakAt(va: VirtAddr): CowBreak | null {
    return this.breaks.get(va - (va % PAGE_SIZE)) ?? null;
  }

  clear(): void {
    this.breaks.clear();
  }
}
