// An address space's page table: page index -> entry (frame, writable, dirty), as the PTEs the kernel
// keeps; only present pages have an entry.
import type { Frame } from './physical.ts';
import { PAGE_SIZE, type VirtAddr } from './types.ts';

/** A page-table entry. */
export class Pte {
  constructor(
    public frame: Frame,
    /** Writes may go straight to this frame (no copy-on-write pending). */
    public writable: boolean,
    /** Written through this entry (the PTE dirty bit). */
    public dirty: boolean,
    /** Accessed since it was made (the PTE young/accessed bit): fork gives the child old entries. */
    public young = true,
  ) {}
}

export function pageIndex(va: VirtAddr): number {
  return Math.floor(va / PAGE_SIZE);
}

export class PageTable {
  private readonly entries = new Map<number, Pte>();

  get size(): number {
    return this.entries.size;
  }

  get(page: number): Pte | undefined {
    return this.entries.get(page);
  }

  set(page: number, pte: Pte): void {
    this.entries.set(page, pte);
  }

  delete(page: number): void {
    this.entries.delete(page);
  }

  /** Calls `fn` for each present page index in [first, last) (in no particular order). */
  forEachPresent(first: number, last: number, fn: (page: number, pte: Pte) => void): void {
    if (last - first <= this.entries.size) {
      for (let p = first; p < last; p++) {
        const pte = this.entries.get(p);
        if (pte) fn(p, pte);
      }
    } else {
      for (const [p, pte] of this.entries) if (p >= first && p < last) fn(p, pte);
    }
  }
}
