// /proc/PID/pagemap: one little-endian u64 per virtual page (Documentation/admin-guide/mm/pagemap.rst):
// bit 63 present, 61 file page or shared anonymous, 56 exclusively mapped, bits 0-54 the frame number
// (picemu's, as a privileged reader sees the PFN). This kernel has no soft-dirty bit (55) in its entries.
import type { AddressSpace } from '../../mm/address-space.ts';
import { PAGE_SIZE } from '../../mm/types.ts';

export const PM_PRESENT = 1n << 63n;
export const PM_FILE = 1n << 61n;
export const PM_MMAP_EXCLUSIVE = 1n << 56n;
const PFN_MASK = (1n << 55n) - 1n;

/** The pagemap entry for the page at `va`. */
export function pagemapEntry(space: AddressSpace, va: number): bigint {
  const info = space.frameAt(va);
  if (!info) return 0n;
  const vma = space.vmaAt(va);
  let e = PM_PRESENT | (BigInt(info.frame) & PFN_MASK);
  if (info.kind === 'zero') return e; // not a normal page (vm_normal_page is NULL): neither file nor exclusive
  if (info.kind === 'file' || info.kind === 'backing' || (vma?.file?.inode.anonymous ?? false)) e |= PM_FILE;
  if (info.mapCount === 1) e |= PM_MMAP_EXCLUSIVE;
  return e;
}

/** Reads `length` bytes of pagemap at byte `offset` (a multiple of 8, as the kernel requires: EINVAL otherwise). */
export function readPagemap(space: AddressSpace, offset: number, length: number): Uint8Array {
  const first = Math.floor(offset / 8);
  const count = Math.floor(length / 8);
  const out = new Uint8Array(count * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) view.setBigUint64(i * 8, pagemapEntry(space, (first + i) * PAGE_SIZE), true);
  return out;
}
