// /proc/PID/pagemap as a file: mm's entries (AddressSpace.pagemap: one u64 per virtual page) served as bytes at
// an offset. The PFN shows only to a reader with CAP_SYS_ADMIN (root here), as the kernel's pagemap_read decides.
import type { AddressSpace } from '../../mm/address-space.ts';

/** Reads `length` bytes of pagemap at byte `offset` (whole entries: the kernel requires 8-byte multiples). */
export function readPagemap(space: AddressSpace, offset: number, length: number, showPfn: boolean): Uint8Array {
  const first = Math.floor(offset / 8);
  const count = Math.max(0, Math.min(Math.floor(length / 8), 2 ** 24));
  const entries = space.pagemap(first, count, showPfn);
  return new Uint8Array(entries.buffer, entries.byteOffset, entries.byteLength);
}
