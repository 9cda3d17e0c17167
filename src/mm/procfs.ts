// The procfs views of an address space: /proc/PID/maps lines and /proc/PID/smaps figures and text,
// computed from the VMAs and the page table as show_map_vma and smaps_account do.
import type { PageTable } from './page-table.ts';
import { pageIndex } from './page-table.ts';
import type { FrameKind, FrameNumber } from './physical.ts';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, type VirtAddr } from './types.ts';
import type { Vma } from './vma.ts';

/** Per-VMA figures of /proc/PID/smaps, in bytes (Pss truncated as the kernel's fixed point is). */
export interface SmapsFigures {
  size: number;
  rss: number;
  /** Proportional set size in bytes, in the kernel's fixed point (each page's share = 4096/mapcount, truncated in 1/4096 units). */
  pss: number;
  pssDirty: number;
  sharedClean: number;
  sharedDirty: number;
  privateClean: number;
  privateDirty: number;
  referenced: number;
  anonymous: number;
}

export interface SmapsEntry {
  vma: Readonly<Vma>;
  /** The maps line for this VMA. */
  header: string;
  figures: SmapsFigures;
}

/** What is behind one page: the frame and how this address space maps it. */
export interface PageInfo {
  va: VirtAddr;
  frame: FrameNumber;
  kind: FrameKind;
  /** Page-table entries mapping the frame, over all address spaces (the kernel's mapcount). */
  mapCount: number;
  /** Address spaces (processes) mapping the frame: `shared` in traces and page tables means spaceCount > 1. */
  spaceCount: number;
  writable: boolean;
  dirty: boolean;
}

const PSS_SHIFT = 12;

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

/** One /proc/PID/maps line (no newline), as show_map_vma prints it: the path starts at column 73. */
export function mapsLine(vma: Readonly<Vma>): string {
  const p = vma.prot;
  const file = vma.file;
  const offset = file ? vma.pgoff * PAGE_SIZE : 0;
  const dev = file ? file.identity.dev : { major: 0, minor: 0 };
  const inode = file ? file.identity.inode : 0;
  const prefix =
    `${hex(vma.start, 8)}-${hex(vma.end, 8)} ` +
    `${p & PROT_READ ? 'r' : '-'}${p & PROT_WRITE ? 'w' : '-'}${p & PROT_EXEC ? 'x' : '-'}${vma.shared ? 's' : 'p'} ` +
    `${hex(offset, 8)} ${hex(dev.major, 2)}:${hex(dev.minor, 2)} ${inode} `;
  const name = file ? file.identity.path.replace(/\n/g, '\\012') : vma.name; // backing memory may be named too ([vdso])
  if (name === null) return prefix;
  return prefix.padEnd(72, ' ') + ' ' + name;
}

/**
 * The raw sums smaps_account keeps while walking pages (Pss in bytes << PSS_SHIFT, exact in a double up to
 * 2^53): one per VMA for smaps, one over every VMA for smaps_rollup, which shifts only at the end.
 */
export interface SmapsAccumulator extends Omit<SmapsFigures, 'size'> {
  pssAnon: number;
  pssFile: number;
  pssShmem: number;
}

export function newAccumulator(): SmapsAccumulator {
  return { rss: 0, pss: 0, pssDirty: 0, pssAnon: 0, pssFile: 0, pssShmem: 0, sharedClean: 0, sharedDirty: 0, privateClean: 0, privateDirty: 0, referenced: 0, anonymous: 0 };
}

/**
 * smaps_account over the present pages of a VMA, added to `acc`: the zero page is not a "normal page"
 * (vm_normal_page) and is not counted; a page mapped more than once (mapcount >= 2, over all processes) is
 * Shared and adds 4096/mapcount to Pss; a page is Referenced while its entry is young
 * (faulted in or accessed since; x86 maps fault-around pages young; fork gives the child old entries).
 */
export function accumulateSmaps(vma: Readonly<Vma>, pages: PageTable, acc: SmapsAccumulator): void {
  const shmem = vma.file?.inode.anonymous ?? false;
  pages.forEachPresent(pageIndex(vma.start), Math.ceil(vma.end / PAGE_SIZE), (_page, pte) => {
    const frame = pte.frame;
    if (frame.kind === 'zero') return;
    acc.rss += PAGE_SIZE;
    if (pte.young) acc.referenced += PAGE_SIZE;
    if (frame.kind === 'anon') acc.anonymous += PAGE_SIZE;
    const dirty = pte.dirty || frame.dirty;
    const shared = frame.mapCount >= 2;
    const share = shared ? Math.floor((PAGE_SIZE << PSS_SHIFT) / frame.mapCount) : PAGE_SIZE << PSS_SHIFT;
    acc.pss += share;
    if (frame.kind === 'anon') acc.pssAnon += share;
    else if (shmem) acc.pssShmem += share;
    else acc.pssFile += share;
    if (dirty) {
      acc.pssDirty += share;
      if (shared) acc.sharedDirty += PAGE_SIZE;
      else acc.privateDirty += PAGE_SIZE;
    } else if (shared) acc.sharedClean += PAGE_SIZE;
    else acc.privateClean += PAGE_SIZE;
  });
}

/** The figures of one VMA (Pss shifted down from the kernel's fixed point). */
export function smapsFigures(vma: Readonly<Vma>, pages: PageTable): SmapsFigures {
  const acc = newAccumulator();
  accumulateSmaps(vma, pages, acc);
  return {
    size: vma.end - vma.start,
    rss: acc.rss,
    pss: Math.floor(acc.pss / 2 ** PSS_SHIFT),
    pssDirty: Math.floor(acc.pssDirty / 2 ** PSS_SHIFT),
    sharedClean: acc.sharedClean,
    sharedDirty: acc.sharedDirty,
    privateClean: acc.privateClean,
    privateDirty: acc.privateDirty,
    referenced: acc.referenced,
    anonymous: acc.anonymous,
  };
}

const kbLine = (label: string, bytes: number): string => `${(label + ':').padEnd(16, ' ')}${String(Math.floor(bytes / 1024)).padStart(8, ' ')} kB\n`;

/** The fields both smaps and smaps_rollup print after Private_Dirty, all 0 in picemu (no KSM, THP, hugetlb, swap, mlock). */
function zeroTail(): string {
  return ['KSM', 'LazyFree', 'AnonHugePages', 'ShmemPmdMapped', 'FilePmdMapped', 'Shared_Hugetlb', 'Private_Hugetlb', 'Swap', 'SwapPss', 'Locked']
    .map((f) => kbLine(f, 0))
    .join('');
}

/** /proc/PID/smaps_rollup (show_smaps_rollup): one accumulator over every VMA, shifted once, under a [rollup] header. */
export function smapsRollupText(vmas: readonly Readonly<Vma>[], pages: PageTable): string {
  const acc = newAccumulator();
  for (const vma of vmas) accumulateSmaps(vma, pages, acc);
  const start = vmas.length ? vmas[0]!.start : 0;
  const end = vmas.length ? vmas[vmas.length - 1]!.end : 0;
  const header = `${hex(start, 8)}-${hex(end, 8)} ---p 00000000 00:00 0 `.padEnd(72, ' ') + ' [rollup]\n';
  const pss = (x: number) => Math.floor(x / 2 ** PSS_SHIFT);
  return (
    header +
    kbLine('Rss', acc.rss) +
    kbLine('Pss', pss(acc.pss)) +
    kbLine('Pss_Dirty', pss(acc.pssDirty)) +
    kbLine('Pss_Anon', pss(acc.pssAnon)) +
    kbLine('Pss_File', pss(acc.pssFile)) +
    kbLine('Pss_Shmem', pss(acc.pssShmem)) +
    kbLine('Shared_Clean', acc.sharedClean) +
    kbLine('Shared_Dirty', acc.sharedDirty) +
    kbLine('Private_Clean', acc.privateClean) +
    kbLine('Private_Dirty', acc.privateDirty) +
    kbLine('Referenced', acc.referenced) +
    kbLine('Anonymous', acc.anonymous) +
    zeroTail()
  );
}

/** VmFlags mnemonics in the kernel's order. */
function vmFlags(vma: Readonly<Vma>): string {
  const f: string[] = [];
  if (vma.prot & PROT_READ) f.push('rd');
  if (vma.prot & PROT_WRITE) f.push('wr');
  if (vma.prot & PROT_EXEC) f.push('ex');
  if (vma.shared && vma.mayWrite) f.push('sh');
  f.push('mr');
  if (vma.mayWrite) f.push('mw');
  f.push('me');
  if (vma.shared) f.push('ms');
  if (vma.growsDown) f.push('gd');
  if (vma.account) f.push('ac');
  if (vma.noHugePage) f.push('nh');
  return f.map((x) => x + ' ').join('');
}

/**
 * The body of one VMA's smaps entry (the lines after its maps line). THPeligible is 0: picemu assumes THP in
 * `madvise` mode (as this kernel's default) and nothing madvises MADV_HUGEPAGE. ProtectionKey is printed only
 * when the CPU has protection keys (arch_pkeys_enabled), which picemu's CPU profiles do not.
 */
export function smapsBody(vma: Readonly<Vma>, fig: SmapsFigures): string {
  return (
    kbLine('Size', fig.size) +
    kbLine('KernelPageSize', PAGE_SIZE) +
    kbLine('MMUPageSize', PAGE_SIZE) +
    kbLine('Rss', fig.rss) +
    kbLine('Pss', fig.pss) +
    kbLine('Pss_Dirty', fig.pssDirty) +
    kbLine('Shared_Clean', fig.sharedClean) +
    kbLine('Shared_Dirty', fig.sharedDirty) +
    kbLine('Private_Clean', fig.privateClean) +
    kbLine('Private_Dirty', fig.privateDirty) +
    kbLine('Referenced', fig.referenced) +
    kbLine('Anonymous', fig.anonymous) +
    zeroTail() +
    `${'THPeligible:'.padEnd(16, ' ')}${'0'.padStart(8, ' ')}\n` +
    `VmFlags: ${vmFlags(vma)}\n`
  );
}

/** Pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst). */
export const PM_PRESENT = 1n << 63n;
export const PM_FILE = 1n << 61n;
export const PM_MMAP_EXCLUSIVE = 1n << 56n;
export const PM_SOFT_DIRTY = 1n << 55n;
export const PM_PFRAME_MASK = (1n << 55n) - 1n;

/**
 * One /proc/PID/pagemap entry (pte_to_pagemap_entry) for a present page, or 0n for a page that is not:
 * present; file-page-or-shared-anon when the page is not anonymous; exclusively mapped when its mapcount is 1
 * (the zero page is no normal page: neither); the PFN (picemu's frame number) only for a privileged reader
 * (CAP_SYS_ADMIN), else 0. Soft-dirty stays 0: this kernel is built without CONFIG_MEM_SOFT_DIRTY.
 */
export function pagemapEntry(page: PageInfo | null, showPfn: boolean): bigint {
  if (!page) return 0n;
  let e = PM_PRESENT;
  if (showPfn) e |= BigInt(page.frame) & PM_PFRAME_MASK;
  if (page.kind === 'zero') return e;
  if (page.kind !== 'anon') e |= PM_FILE;
  if (page.mapCount === 1) e |= PM_MMAP_EXCLUSIVE;
  return e;
}
