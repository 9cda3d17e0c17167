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
  /** VM_NOHUGEPAGE (`nh`): MAP_STACK sets it (since Linux 6.7), so a thread stack never merges with plain memory. */
  noHugePage?: boolean;
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
  /**
   * The anon_vma chain also links the parent's anon_vma (fork copied this VMA with anonymous pages): the chain is
   * not singular, so a VMA without an anon_vma does not merge with it, nor reuse its anon_vma.
   */
  forkedAnonVma?: boolean;
}

export type VmaKind = 'file' | 'anonymous' | 'backing';

export function vmaKind(vma: Readonly<Vma>): VmaKind {
  return vma.file && !vma.file.inode.anonymous ? 'file' : vma.backing ? 'backing' : 'anonymous';
}

/** vm_start_gap: where the free range below a VMA ends (a VM_GROWSDOWN VMA keeps the stack guard gap free). */
export function vmStartGap(vma: Readonly<Vma>): VirtAddr {
  return vma.growsDown ? Math.max(vma.start - STACK_GUARD_GAP, 0) : vma.start;
}

/** is_mergeable_vma + pgoff contiguity + anon_vma compatibility, for `a` directly below `b`. */
export function canMerge(a: Readonly<Vma>, b: Readonly<Vma>): boolean {
  return anonVmaCompatible(a, b) && a.prot === b.prot && a.name === b.name && isMergeableAnonVma(a, b);
}

/**
 * is_mergeable_anon_vma: the same anon_vma, or only one side has one and it has no uncowed parents
 * (vma_had_uncowed_parents: a chain that is not singular, as a VMA fork copied with anonymous pages has).
 */
export function isMergeableAnonVma(a: Readonly<Vma>, b: Readonly<Vma>): boolean {
  if (a.anonVma !== null && b.anonVma !== null) return a.anonVma === b.anonVma;
  const withOne = a.anonVma !== null ? a : b.anonVma !== null ? b : undefined;
  return !withOne?.forkedAnonVma;
}

/** anon_vma_compatible: `a` directly below `b`, same flags apart from the access bits, same file, contiguous. */
export function anonVmaCompatible(a: Readonly<Vma>, b: Readonly<Vma>): boolean {
  return (
    a.end === b.start &&
    a.shared === b.shared &&
    a.mayWrite === b.mayWrite &&
    a.account === b.account &&
    a.growsDown === b.growsDown &&
    (a.noHugePage ?? false) === (b.noHugePage ?? false) &&
    a.file === b.file &&
    a.backing === b.backing &&
    b.pgoff === a.pgoff + (a.end - a.start) / PAGE_SIZE
  );
}
