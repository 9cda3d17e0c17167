// fork's copy of an address space, as dup_mmap/copy_page_range do it: every VMA copied (a new anon_vma for
// each that has one); page-table entries copied only where a fault could not refill them (VMAs with
// anonymous pages, or a caller's backing buffer); in private mappings both entries lose write access, so
// the first write in either process copies the page; shared mappings keep their frames shared (child clean).
import { Pte, type PageTable } from './page-table.ts';
import type { PhysicalMemory } from './physical.ts';
import { PAGE_SIZE } from './types.ts';
import { newAnonVma, type VmaList } from './vma-list.ts';

export interface MmTables {
  vmas: VmaList;
  pages: PageTable;
}

/** The child's tables and its address-space id (physical memory counts which spaces map a frame). */
export interface ChildTables extends MmTables {
  id: number;
}

/** vma_needs_copy: file and shared-anonymous VMAs without anonymous pages are refilled by faults, so not copied. */
function needsCopy(vma: { anonVma: number | null; backing: Uint8Array | null }): boolean {
  return vma.anonVma !== null || vma.backing !== null;
}

export function dupMmap(physical: PhysicalMemory, parent: MmTables, child: ChildTables): void {
  for (const vma of parent.vmas.all()) {
    // anon_vma_fork: the child's VMA gets its own anon_vma, chained to the parent's (so not singular).
    child.vmas.appendUnmerged({ ...vma, anonVma: vma.anonVma === null ? null : newAnonVma(), forkedAnonVma: vma.anonVma !== null });
    if (!needsCopy(vma)) continue;
    const cow = !vma.shared && !vma.backing;
    parent.pages.forEachPresent(vma.start / PAGE_SIZE, vma.end / PAGE_SIZE, (page, pte) => {
      if (cow) pte.writable = false; // ptep_set_wrprotect in the parent
      physical.retain(pte.frame, child.id);
      // copy_present_pte: shared mappings give the child a clean entry, private ones keep the dirty bit; all old.
      child.pages.set(page, new Pte(pte.frame, cow ? false : pte.writable, vma.shared ? false : pte.dirty, false));
    });
  }
}
