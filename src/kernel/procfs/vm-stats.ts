// The mm counters /proc/PID/status, stat and statm print, computed from an address space as the kernel
// keeps them: total_vm/data_vm/exec_vm/stack_vm by vm_stat_account's rules, Rss split by page kind.
import type { AddressSpace } from '../../mm/address-space.ts';
import { PAGE_SIZE, PROT_EXEC, PROT_WRITE } from '../../mm/types.ts';

export interface VmStats {
  /** Bytes of every VMA (total_vm). */
  total: number;
  /** Private writable, not stack (data_vm: VM_WRITE without VM_SHARED/VM_STACK). */
  data: number;
  /** Executable, not writable, not stack (exec_vm). */
  exec: number;
  /** VM_GROWSDOWN (stack_vm). */
  stack: number;
  /** Resident anonymous pages (MM_ANONPAGES), file pages (MM_FILEPAGES), shared memory pages (MM_SHMEMPAGES), in bytes. */
  rssAnon: number;
  rssFile: number;
  rssShmem: number;
  /** Page-table bytes (mm_pgtables_bytes): one 4 KiB table per 2 MiB, 1 GiB and 512 GiB span holding a present page. */
  pageTables: number;
}

export function vmStats(space: AddressSpace): VmStats {
  const s: VmStats = { total: 0, data: 0, exec: 0, stack: 0, rssAnon: 0, rssFile: 0, rssShmem: 0, pageTables: 0 };
  const pte = new Set<number>();
  const pmd = new Set<number>();
  const pud = new Set<number>();
  for (const vma of space.mappings()) {
    const size = vma.end - vma.start;
    s.total += size;
    const write = (vma.prot & PROT_WRITE) !== 0;
    if (vma.growsDown) s.stack += size;
    else if (write && !vma.shared) s.data += size;
    else if ((vma.prot & PROT_EXEC) !== 0 && !write) s.exec += size;
    const shmem = vma.file?.inode.anonymous ?? false;
    for (const page of space.presentPages(vma.start, vma.end)) {
      // Page tables exist wherever a fault mapped something, zero-page mappings included.
      pte.add(Math.floor(page.va / 2 ** 21));
      pmd.add(Math.floor(page.va / 2 ** 30));
      pud.add(Math.floor(page.va / 2 ** 39));
      if (page.kind === 'zero') continue; // not a "normal page": never counted in Rss
      if (page.kind === 'anon') s.rssAnon += PAGE_SIZE;
      else if (shmem) s.rssShmem += PAGE_SIZE;
      else s.rssFile += PAGE_SIZE;
    }
  }
  s.pageTables = (pte.size + pmd.size + pud.size) * PAGE_SIZE;
  return s;
}

export const rssOf = (s: VmStats): number => s.rssAnon + s.rssFile + s.rssShmem;
