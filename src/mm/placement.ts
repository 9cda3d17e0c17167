// Where mmap puts a mapping that has no fixed address: the kernel's get_unmapped_area (mm/mmap.c, 6.x):
// top-down from mm->mmap_base (unmapped_area_topdown), keeping the stack guard gap below VM_GROWSDOWN
// mappings, with the THP alignment of large mappings (mm/huge_memory.c __thp_get_unmapped_area):
// - a file whose file system places with thp_get_unmapped_area (ext4, xfs): when the mapping covers a whole
//   2 MiB-aligned stretch of the file, its address is congruent to its file offset modulo 2 MiB (for ordinary,
//   non-DAX files since 5.18; DAX files since 4.10);
// - private anonymous memory without a hint whose length is a multiple of 2 MiB: 2 MiB-aligned (6.7 aligned
//   every anonymous mapping of 2 MiB or more; 6.8+ only lengths that are multiples of 2 MiB).
// Shared anonymous memory (shmem) is not aligned while shmem THP is off (shmem_enabled=never, as here).
import { MmError } from './errors.ts';
import { MMAP_MIN_ADDR, TASK_SIZE, pageAlignDown } from './layout.ts';
import { vmStartGap } from './vma.ts';
import type { VmaList } from './vma-list.ts';
import type { VirtAddr } from './types.ts';

/** PMD_SIZE: the THP size placement aligns to. */
export const PMD_SIZE = 2 * 1024 * 1024;

/** What get_unmapped_area needs to know of the mapping being placed. */
export interface AreaRequest {
  length: number;
  /** The caller's address hint (0 or absent: none). */
  hint?: VirtAddr;
  /** A file mapping: its byte offset, and whether its file system aligns (FileIdentity.thpAligned). */
  file?: { offset: number; thpAligned: boolean };
  /** MAP_SHARED anonymous memory (shmem). */
  sharedAnonymous?: boolean;
}

/** get_unmapped_area for a mapping without MAP_FIXED. Throws ENOMEM when no range is free. */
export function unmappedArea(vmas: VmaList, mmapBase: VirtAddr, request: AreaRequest): VirtAddr {
  const { length, file } = request;
  const hint = request.hint ? Math.max(pageAlignDown(request.hint), MMAP_MIN_ADDR) : 0;
  let thp: number | undefined;
  if (file?.thpAligned) thp = thpUnmappedArea(vmas, mmapBase, hint, length, file.offset);
  else if (!file && !request.sharedAnonymous && !hint && length % PMD_SIZE === 0) thp = thpUnmappedArea(vmas, mmapBase, hint, length, 0);
  if (thp !== undefined) return thp;
  const found = mmGetUnmappedArea(vmas, mmapBase, hint, length);
  if (found === undefined) throw new MmError('ENOMEM', `no free range of 0x${length.toString(16)} bytes`);
  return found;
}

/**
 * __thp_get_unmapped_area: asks for length + 2 MiB, then moves up to the address congruent to the file offset
 * modulo 2 MiB (top-down: the highest such address in the padded range). undefined where it does not apply
 * or the padded request does not fit (the caller retries without padding).
 */
function thpUnmappedArea(vmas: VmaList, mmapBase: VirtAddr, hint: VirtAddr, length: number, offset: number): VirtAddr | undefined {
  const offEnd = offset + length;
  const offAlign = Math.ceil(offset / PMD_SIZE) * PMD_SIZE;
  if (offEnd <= offAlign || offEnd - offAlign < PMD_SIZE) return undefined;
  const ret = mmGetUnmappedArea(vmas, mmapBase, hint, length + PMD_SIZE);
  if (ret === undefined) return undefined;
  if (ret === hint) return ret; // a free hint is taken as it is
  const offSub = (((offset - ret) % PMD_SIZE) + PMD_SIZE) % PMD_SIZE;
  return offSub === 0 ? ret + PMD_SIZE : ret + offSub;
}

/** mm_get_unmapped_area (generic_get_unmapped_area_topdown): the hint if free, else top-down below mmapBase, else anywhere. */
function mmGetUnmappedArea(vmas: VmaList, mmapBase: VirtAddr, hint: VirtAddr, length: number): VirtAddr | undefined {
  if (length > TASK_SIZE - MMAP_MIN_ADDR) return undefined;
  if (hint && hint + length <= TASK_SIZE && gapFree(vmas, hint, hint + length)) return hint;
  return searchTopDown(vmas, length, MMAP_MIN_ADDR, mmapBase) ?? searchTopDown(vmas, length, MMAP_MIN_ADDR, TASK_SIZE);
}

function gapFree(vmas: VmaList, start: VirtAddr, end: VirtAddr): boolean {
  const next = vmas.at(vmas.firstEndingAfter(start));
  return !(next && vmStartGap(next) < end);
}

function searchTopDown(list: VmaList, length: number, low: VirtAddr, high: VirtAddr): VirtAddr | undefined {
  const vmas = list.all();
  for (let j = vmas.length - 1; j >= -1; j--) {
    const above = vmas[j + 1];
    const gapTop = Math.min(above ? vmStartGap(above) : TASK_SIZE, high);
    const gapBottom = Math.max(j >= 0 ? vmas[j].end : 0, low);
    if (j >= 0 && vmas[j].end >= high) continue;
    if (gapTop - gapBottom >= length) return gapTop - length;
  }
  return undefined;
}
