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
  mapCount: number;
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

/** smaps_account over the present pages of a VMA (the zero page is not a "normal page": not counted). */
export function smapsFigures(vma: Readonly<Vma>, pages: PageTable): SmapsFigures {
  const fig: SmapsFigures = { size: vma.end - vma.start, rss: 0, pss: 0, pssDirty: 0, sharedClean: 0, sharedDirty: 0, privateClean: 0, privateDirty: 0, referenced: 0, anonymous: 0 };
  let pss = 0; // bytes << PSS_SHIFT, as the kernel accumulates it (exact in a double up to 2^53)
  let pssDirty = 0;
  pages.forEachPresent(pageIndex(vma.start), Math.ceil(vma.end / PAGE_SIZE), (_page, pte) => {
    const frame = pte.frame;
    if (frame.kind === 'zero') return;
    fig.rss += PAGE_SIZE;
    fig.referenced += PAGE_SIZE;
    if (frame.kind === 'anon') fig.anonymous += PAGE_SIZE;
    const dirty = pte.dirty || frame.dirty;
    const shared = frame.mapCount >= 2;
    const share = shared ? Math.floor((PAGE_SIZE << PSS_SHIFT) / frame.mapCount) : PAGE_SIZE << PSS_SHIFT;
    pss += share;
    if (dirty) {
      pssDirty += share;
      if (shared) fig.sharedDirty += PAGE_SIZE;
      else fig.privateDirty += PAGE_SIZE;
    } else if (shared) fig.sharedClean += PAGE_SIZE;
    else fig.privateClean += PAGE_SIZE;
  });
  fig.pss = Math.floor(pss / 2 ** PSS_SHIFT);
  fig.pssDirty = Math.floor(pssDirty / 2 ** PSS_SHIFT);
  return fig;
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
  return f.map((x) => x + ' ').join('');
}

/** The body of one VMA's smaps entry (the lines after its maps line). */
export function smapsBody(vma: Readonly<Vma>, fig: SmapsFigures): string {
  const kb = (label: string, bytes: number) => `${(label + ':').padEnd(16, ' ')}${String(Math.floor(bytes / 1024)).padStart(8, ' ')} kB\n`;
  return (
    kb('Size', fig.size) +
    kb('KernelPageSize', PAGE_SIZE) +
    kb('MMUPageSize', PAGE_SIZE) +
    kb('Rss', fig.rss) +
    kb('Pss', fig.pss) +
    kb('Pss_Dirty', fig.pssDirty) +
    kb('Shared_Clean', fig.sharedClean) +
    kb('Shared_Dirty', fig.sharedDirty) +
    kb('Private_Clean', fig.privateClean) +
    kb('Private_Dirty', fig.privateDirty) +
    kb('Referenced', fig.referenced) +
    kb('Anonymous', fig.anonymous) +
    kb('KSM', 0) +
    kb('LazyFree', 0) +
    kb('AnonHugePages', 0) +
    kb('ShmemPmdMapped', 0) +
    kb('FilePmdMapped', 0) +
    kb('Shared_Hugetlb', 0) +
    kb('Private_Hugetlb', 0) +
    kb('Swap', 0) +
    kb('SwapPss', 0) +
    kb('Locked', 0) +
    `${'THPeligible:'.padEnd(16, ' ')}${'0'.padStart(8, ' ')}\n` +
    `${'ProtectionKey:'.padEnd(16, ' ')}${'0'.padStart(8, ' ')}\n` +
    `VmFlags: ${vmFlags(vma)}\n`
  );
}
