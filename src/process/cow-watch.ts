// A GuestMemory wrapper that notices copy-on-write breaks: for a write translation, the frame behind the
// page before and after. The CPU only asks on a TLB miss (always, when tracing hooks are on), so it is cheap.
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
    if (before && after && before.frame !== after.frame) this.breaks.set(va - (va % PAGE_SIZE), { from: before.frame, to: after.frame });
    return bytes;
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
