// The VMA record (the kernel's vm_area_struct: the fields maps, smaps and merging need) and the
// predicates that decide whether two adjacent VMAs may be one (is_mergeable_vma, anon_vma_compatible).
import { STACK_GUARD_GAP } from './layout.ts';
import type { OpenFile } from './page-cache.ts';
import { PAGE_SIZE, type Prot, type VirtAddr } from './types.ts';

/** A virtual memory area, as the kernel's vm_area_struct (the fields maps/smaps and merging need). */
export interface Vma {
  start: VirtAddr;
  /** Exclusive. */
  end: VirtAddr;
  prot: Prot;
  /** MAP_SHARED (VM_MAYSHARE): `s` in maps. */
  shared: boolean;
  /** VM_MAYWRITE: false for a shared mapping of a file opened read-only (mprotect(PROT_WRITE) then fails). */
  mayWrite: boolean;
  /** VM_ACCOUNT: private writable memory is charged; the flag stays when it becomes read-only, which blocks merges. */
  account: boolean;
  /** VM_GROWSDOWN ([stack]). */
  growsDown: boolean;
  /** The open file mapped (the kernel's vm_file), or null. Merging requires the same open file. */
  file: OpenFile | null;
  /** A caller's buffer behind the mapping (unicorn's mem_map_ptr), or null. */
  backing: Uint8Array | null;
  /** vm_pgoff: the file page at `start`; for anonymous memory the page number `start` had when mapped. */
  pgoff: number;
  /** Shown instead of a path: [stack], [heap], ... */
  name: string | null;
  /** The kernel's anon_vma, as an id: assigned when the VMA gets its first anonymous page. */
  anonVma: number | null;
}

export type VmaKind = 'file' | 'anonymous' | 'backing';

export function vmaKind(vma: Readonly<Vma>): VmaKind {
  return vma.file && !vma.file.inode.anonymous ? 'file' : vma.backing ? 'backing' : 'anonymous';
}

/** vm_start_gap: where the free range below a VMA ends (a VM_GROWSDOWN VMA keeps the stack guard gap free). */
export function vmStartGap(vma: Readonly<Vma>): VirtAddr {
  return vma.growsDown ? Math.max(vma.start - STACK_GUARD_GAP, 0) : vma.start;
}

export function anonVmasMergeable(a: number | null, b: number | null): boolean {
  return a === null || b === null || a === b;
}

/** is_mergeable_vma + pgoff contiguity + anon_vma compatibility, for `a` directly below `b`. */
export function canMerge(a: Readonly<Vma>, b: Readonly<Vma>): boolean {
  return anonVmaCompatible(a, b) && a.prot === b.prot && a.name === b.name && anonVmasMergeable(a.anonVma, b.anonVma);
}

/** anon_vma_compatible: `a` directly below `b`, same flags apart from the access bits, same file, contiguous. */
export function anonVmaCompatible(a: Readonly<Vma>, b: Readonly<Vma>): boolean {
  return (
    a.end === b.start &&
    a.shared === b.shared &&
    a.mayWrite === b.mayWrite &&
    a.account === b.account &&
    a.growsDown === b.growsDown &&
    a.file === b.file &&
    a.backing === b.backing &&
    b.pgoff === a.pgoff + (a.end - a.start) / PAGE_SIZE
  );
}
