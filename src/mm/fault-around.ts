// The kernel's fault-around (mm/memory.c do_fault_around): on a read fault in a file mapping, the
// neighbouring pages already in the page cache are mapped too, within a fault_around_bytes window.
import { readFileSync } from 'node:fs';
import { PAGE_SIZE } from './types.ts';

/** fault_around_bytes' default (64 KiB = 16 pages), what picemu assumes when the host's value is not visible. */
export const DEFAULT_FAULT_AROUND_BYTES = 65536;
/** PTRS_PER_PTE: one page table maps 512 pages (2 MiB); fault-around never crosses it. */
export const PTRS_PER_PTE = 512;

/**
 * The host's fault_around_bytes (debugfs, /sys/kernel/debug/fault_around_bytes, readable by root only where
 * debugfs is mounted), else the kernel's default, 64 KiB.
 */
export function hostFaultAroundBytes(): number {
  if (hostValue === undefined) {
    hostValue = DEFAULT_FAULT_AROUND_BYTES;
    try {
      const n = Number(readFileSync('/sys/kernel/debug/fault_around_bytes', 'utf8').trim());
      if (Number.isSafeInteger(n) && n > 0) hostValue = n;
    } catch {
      // not mounted or not readable: the default
    }
  }
  return hostValue;
}

/** Read once per run: every address space asks. */
let hostValue: number | undefined;

/** fault_around_bytes_set: pages = rounddown_pow_of_two(bytes) / PAGE_SIZE, at least 1, at most PTRS_PER_PTE. */
export function faultAroundPages(bytes: number): number {
  if (!(bytes >= PAGE_SIZE)) return 1;
  const pow = 2 ** Math.floor(Math.log2(bytes));
  return Math.min(Math.max(pow / PAGE_SIZE, 1), PTRS_PER_PTE);
}

/**
 * The pages do_fault_around offers to map_pages for a fault on virtual page `page` of a VMA spanning pages
 * [vmaFirst, vmaEnd): from the window start aligned down to `nrPages` (in virtual pages), clamped up to the
 * VMA's start, for `nrPages` pages, clipped to the VMA and to the page table (2 MiB) holding `page`.
 * Returns [first, end) in virtual page numbers.
 */
export function faultAroundWindow(page: number, vmaFirst: number, vmaEnd: number, nrPages: number): [number, number] {
  const pteOff = page % PTRS_PER_PTE;
  const vmaOff = page - vmaFirst;
  const fromPte = Math.max(pteOff - (pteOff % nrPages), pteOff - Math.min(pteOff, vmaOff));
  const toPte = Math.min(fromPte + nrPages, PTRS_PER_PTE, pteOff + (vmaEnd - vmaFirst) - vmaOff);
  const tableFirst = page - pteOff;
  return [tableFirst + fromPte, tableFirst + toPte];
}
