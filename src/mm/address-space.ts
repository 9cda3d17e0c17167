// An address space: VMAs and a page table over shared physical memory, with mmap/munmap/mprotect as
// the kernel does them (VMA split and merge rules, VM_ACCOUNT, anon_vma), demand paging, copy-on-write
// and protection checks. This is what a CPU runs against (GuestMemory).
import { MmError } from './errors.ts';
import { MMAP_MIN_ADDR, STACK_GUARD_GAP, TASK_SIZE, pageAlignDown, pageAlignUp, processLayout } from './layout.ts';
import type { OpenFile, PageCache } from './page-cache.ts';
import type { Frame, FrameNumber, PhysicalMemory } from './physical.ts';
import {
  type AccessKind,
  type GuestMemory,
  PAGE_SIZE,
  PageFault,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  type Prot,
  type VirtAddr,
} from './types.ts';

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

export function vmaKind(vma: Vma): VmaKind {
  return vma.file && !vma.file.inode.anonymous ? 'file' : vma.backing ? 'backing' : 'anonymous';
}

export interface MmapOptions {
  /** A hint, or with `fixed` the exact address. */
  addr?: VirtAddr;
  length: number;
  prot: Prot;
  /** MAP_FIXED: map exactly at `addr`, replacing what is there. */
  fixed?: boolean;
  /** MAP_FIXED_NOREPLACE: map exactly at `addr`, EEXIST if anything is there. */
  noReplace?: boolean;
  /** MAP_SHARED (default MAP_PRIVATE). */
  shared?: boolean;
  file?: OpenFile;
  /** File offset (page-aligned), or offset into `backing`. */
  offset?: number;
  /** MAP_ANONYMOUS: the default when neither `file` nor `backing` is given. */
  anonymous?: boolean;
  /** A buffer whose bytes are the memory (mem_map_ptr): shared by all who map it, never copied. */
  backing?: Uint8Array;
  /** MAP_NORESERVE: no VM_ACCOUNT. */
  noReserve?: boolean;
  /** MAP_GROWSDOWN. */
  growsDown?: boolean;
  /** A name shown in maps instead of a path ([stack], [heap]). */
  name?: string;
}

export interface AddressSpaceOptions {
  physical: PhysicalMemory;
  pageCache: PageCache;
  /** Where top-down mmap starts (mm->mmap_base); default from `layoutSeed`, else 0x7ffff7fff000. */
  mmapBase?: VirtAddr;
  /** Seeds the randomized layout (processLayout) when `mmapBase` is not given. */
  layoutSeed?: bigint | number;
  /**
   * 'x86-linux' (default): a read is allowed on any mapping that is not PROT_NONE (x86 page tables
   * cannot express write- or exec-only), a write needs PROT_WRITE, a fetch PROT_EXEC.
   * 'strict': each access needs its own bit (unicorn's semantics).
   */
  protections?: 'x86-linux' | 'strict';
  /**
   * The most committed memory (bytes of VM_ACCOUNT mappings: private writable memory, as the kernel charges
   * it) this address space may hold; an mmap or mprotect that would charge more fails with ENOMEM, as the
   * kernel's overcommit check refuses a mapping larger than RAM + swap. Default DEFAULT_MEMORY_LIMIT;
   * Infinity for none.
   */
  memoryLimit?: number;
}

/** The default per-address-space cap on committed memory: 4 GiB of private writable mappings. */
export const DEFAULT_MEMORY_LIMIT = 4 * 1024 * 1024 * 1024;

/** A page-table entry. */
class Pte {
  constructor(
    public frame: Frame,
    /** Writes may go straight to this frame (no copy-on-write pending). */
    public writable: boolean,
    /** Written through this entry (the PTE dirty bit). */
    public dirty: boolean,
  ) {}
}

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
  kind: Frame['kind'];
  mapCount: number;
  writable: boolean;
  dirty: boolean;
}

const PSS_SHIFT = 12;
let nextAnonVma = 1;

function pageIndex(va: VirtAddr): number {
  return Math.floor(va / PAGE_SIZE);
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

export class AddressSpace implements GuestMemory {
  readonly physical: PhysicalMemory;
  readonly pageCache: PageCache;
  mmapBase: VirtAddr;
  readonly strict: boolean;
  /** The cap on committed memory (see AddressSpaceOptions.memoryLimit). */
  readonly memoryLimit: number;
  epoch = 0;
  /** Sorted by start, non-overlapping. */
  private readonly vmas: Vma[] = [];
  private readonly pages = new Map<number, Pte>();
  private lastVma: Vma | undefined;

  constructor(options: AddressSpaceOptions) {
    this.physical = options.physical;
    this.pageCache = options.pageCache;
    this.mmapBase = options.mmapBase ?? processLayout(options.layoutSeed).mmapBase;
    this.strict = options.protections === 'strict';
    this.memoryLimit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  }

  // ---- GuestMemory --------------------------------------------------------------------------------

  frameFor(va: VirtAddr, access: AccessKind): Uint8Array {
    return this.translate(va, access).bytes;
  }

  /** The frame behind `va`, ready for `access` (paged in, COW broken for a write). Throws PageFault. */
  translate(va: VirtAddr, access: AccessKind): Frame {
    const vma = this.findVma(va);
    if (!vma) throw new PageFault(va, access, 'unmapped');
    if (!this.allows(vma.prot, access)) throw new PageFault(va, access, 'protection');
    const page = pageIndex(va);
    const pte = this.pages.get(page);
    if (pte) {
      if (access !== 'write') return pte.frame;
      if (pte.writable) {
        pte.dirty = true;
        if (vma.shared) pte.frame.dirty = true;
        return pte.frame;
      }
      return this.breakCow(page, pte, vma).frame;
    }
    return this.fault(va, page, vma, access).frame;
  }

  frameNumber(va: VirtAddr): number {
    return this.pages.get(pageIndex(va))?.frame.number ?? 0;
  }

  peek(va: VirtAddr, length: number): Uint8Array | null {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = va + done;
      const vma = this.findVma(at);
      if (!vma) return null;
      const page = pageIndex(at);
      const inPage = at - page * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, length - done);
      const bytes = this.peekPage(page, vma);
      if (!bytes) return null;
      out.set(bytes.subarray(inPage, inPage + n), done);
      done += n;
    }
    return out;
  }

  poke(va: VirtAddr, bytes: Uint8Array): boolean {
    // Check every page first, so a poke is all or nothing.
    for (let at = pageAlignDown(va); at < va + bytes.length; at += PAGE_SIZE) {
      const vma = this.findVma(at);
      if (!vma) return false;
      if (vma.shared && !(vma.prot & PROT_WRITE) && !vma.backing) return false; // as FOLL_FORCE: not on a shared read-only mapping
      if (this.beyondEof(vma, pageIndex(at))) return false;
    }
    let done = 0;
    while (done < bytes.length) {
      const at = va + done;
      const vma = this.findVma(at)!;
      const page = pageIndex(at);
      const inPage = at - page * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, bytes.length - done);
      const frame = this.forcedWritableFrame(at, page, vma);
      frame.bytes.set(bytes.subarray(done, done + n), inPage);
      done += n;
    }
    return true;
  }

  // ---- host-side accesses that behave like the guest's ----------------------------------------------

  /** Reads as the guest would: protections checked, pages faulted in. Throws PageFault. */
  read(va: VirtAddr, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = va + done;
      const inPage = at % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, length - done);
      out.set(this.frameFor(at, 'read').subarray(inPage, inPage + n), done);
      done += n;
    }
    return out;
  }

  /**
   * Writes as the guest would: PROT_WRITE required, copy-on-write broken, pages become dirty. The
   * loader writes relocations and the bss zero-fill this way, as ld.so does (into pages that are
   * writable then; DT_TEXTREL objects are mprotect'ed writable first, as ld.so does). Throws PageFault.
   */
  write(va: VirtAddr, bytes: Uint8Array): void {
    // Check protections over the whole range before writing anything.
    for (let at = pageAlignDown(va); at < va + bytes.length; at += PAGE_SIZE) {
      const vma = this.findVma(Math.max(at, va));
      if (!vma) throw new PageFault(Math.max(at, va), 'write', 'unmapped');
      if (!(vma.prot & PROT_WRITE)) throw new PageFault(Math.max(at, va), 'write', 'protection');
    }
    let done = 0;
    while (done < bytes.length) {
      const at = va + done;
      const inPage = at % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, bytes.length - done);
      this.frameFor(at, 'write').set(bytes.subarray(done, done + n), inPage);
      done += n;
    }
  }

  /** A little-endian u64 read as the guest would (PageFault when it cannot). */
  readU64(va: VirtAddr): bigint {
    const inPage = va % PAGE_SIZE;
    if (inPage > PAGE_SIZE - 8) {
      const b = this.read(va, 8);
      return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
    }
    return this.translate(va, 'read').view.getBigUint64(inPage, true);
  }

  /** A little-endian u64 write as the guest would (PageFault when it cannot). */
  writeU64(va: VirtAddr, value: bigint): void {
    const inPage = va % PAGE_SIZE;
    if (inPage > PAGE_SIZE - 8) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
      this.write(va, b);
      return;
    }
    this.translate(va, 'write').view.setBigUint64(inPage, BigInt.asUintN(64, value), true);
  }

  // ---- mmap / munmap / mprotect ---------------------------------------------------------------------

  mmap(o: MmapOptions): VirtAddr {
    if (!(o.length > 0) || !Number.isSafeInteger(o.length)) throw new MmError('EINVAL', `mmap length ${o.length}`);
    if (o.prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) throw new MmError('EINVAL', `mmap prot ${o.prot}`);
    const length = pageAlignUp(o.length);
    const offset = o.offset ?? 0;
    if (offset % PAGE_SIZE !== 0 || offset < 0) throw new MmError('EINVAL', `mmap offset 0x${offset.toString(16)} is not page-aligned`);
    if (length > TASK_SIZE) throw new MmError('ENOMEM', `mmap length 0x${length.toString(16)}`);
    if (o.file && o.backing) throw new MmError('EINVAL', 'mmap: both a file and a backing buffer');
    if (o.backing && (o.backing.byteLength < offset + length)) {
      throw new MmError('EINVAL', `backing buffer of ${o.backing.byteLength} bytes is smaller than offset + length 0x${(offset + length).toString(16)}`);
    }
    let file: OpenFile | null = o.file ?? null;
    const backing = o.backing ?? null;
    const shared = o.shared ?? false;
    let pgoff = offset / PAGE_SIZE;
    if (!file && !backing && shared) {
      file = this.pageCache.sharedAnonymous(length);
      pgoff = 0;
    }
    let mayWrite = true;
    if (shared && file && !file.writable) {
      if (o.prot & PROT_WRITE) throw new MmError('EACCES', `MAP_SHARED with PROT_WRITE of ${file.identity.path}, opened read-only`);
      mayWrite = false;
    }
    let addr: VirtAddr;
    if (o.fixed || o.noReplace) {
      addr = o.addr ?? NaN;
      if (!Number.isSafeInteger(addr) || addr % PAGE_SIZE !== 0) throw new MmError('EINVAL', `MAP_FIXED address ${o.addr} is not page-aligned`);
      if (addr + length > TASK_SIZE) throw new MmError('ENOMEM', `MAP_FIXED 0x${addr.toString(16)}+0x${length.toString(16)} is past TASK_SIZE`);
      if (addr < MMAP_MIN_ADDR) throw new MmError('EPERM', `MAP_FIXED 0x${addr.toString(16)} is below mmap_min_addr`);
      if (o.noReplace && this.overlaps(addr, addr + length)) throw new MmError('EEXIST', `MAP_FIXED_NOREPLACE 0x${addr.toString(16)}: range in use`);
    } else {
      addr = this.unmappedArea(length, o.addr);
    }
    const account = !shared && !o.noReserve && (o.prot & PROT_WRITE) !== 0;
    if (account) {
      // accountable_mapping + security_vm_enough_memory: what MAP_FIXED replaces is uncharged first.
      const replaced = o.fixed ? this.committedIn(addr, addr + length) : 0;
      this.charge(length - replaced, `mmap of 0x${length.toString(16)} bytes`);
    }
    if (o.fixed) this.unmapRange(addr, addr + length);
    const anonymous = !file && !backing;
    const vma: Vma = {
      start: addr,
      end: addr + length,
      prot: o.prot,
      shared,
      mayWrite,
      account,
      growsDown: o.growsDown ?? false,
      file,
      backing,
      pgoff: anonymous ? addr / PAGE_SIZE : pgoff,
      name: o.name ?? null,
      anonVma: null,
    };
    this.insertMerging(vma);
    this.epoch++;
    return addr;
  }

  munmap(addr: VirtAddr, length: number): void {
    if (addr % PAGE_SIZE !== 0) throw new MmError('EINVAL', `munmap address 0x${addr.toString(16)} is not page-aligned`);
    if (!(length > 0)) throw new MmError('EINVAL', `munmap length ${length}`);
    const end = addr + pageAlignUp(length);
    if (end > TASK_SIZE) throw new MmError('EINVAL', `munmap range ends past TASK_SIZE`);
    this.unmapRange(addr, end);
    this.epoch++;
  }

  /**
   * mprotect as do_mprotect_pkey: VMA by VMA from `addr`; a hole gives ENOMEM after the VMAs before
   * it were changed (as the kernel leaves them).
   */
  mprotect(addr: VirtAddr, length: number, prot: Prot): void {
    if (addr % PAGE_SIZE !== 0) throw new MmError('EINVAL', `mprotect address 0x${addr.toString(16)} is not page-aligned`);
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) throw new MmError('EINVAL', `mprotect prot ${prot}`);
    const len = pageAlignUp(length);
    if (len === 0) return;
    const end = addr + len;
    if (end > TASK_SIZE) throw new MmError('ENOMEM', `mprotect range ends past TASK_SIZE`);
    this.epoch++;
    let i = this.firstEndingAfter(addr);
    if (i >= this.vmas.length || this.vmas[i].start > addr) throw new MmError('ENOMEM', `mprotect 0x${addr.toString(16)}: not mapped`);
    let nstart = addr;
    for (;;) {
      const vma = this.vmas[i];
      if (!vma || vma.start > nstart) throw new MmError('ENOMEM', `mprotect 0x${nstart.toString(16)}: not mapped`);
      if (prot & PROT_WRITE && !vma.mayWrite) throw new MmError('EACCES', `mprotect PROT_WRITE on a shared read-only mapping at 0x${vma.start.toString(16)}`);
      // mprotect_fixup charges a private mapping made writable for the first time (VMAs before it stay changed).
      if (prot & PROT_WRITE && !vma.account && !(vma.prot & PROT_WRITE) && !vma.shared && vma.prot !== prot) {
        this.charge(Math.min(vma.end, end) - nstart, `mprotect PROT_WRITE of 0x${(Math.min(vma.end, end) - nstart).toString(16)} bytes`);
      }
      i = this.mprotectFixup(i, nstart, Math.min(vma.end, end), prot);
      nstart = this.vmas[i].end; // a merge may have taken in the next VMA (vma_iter_end)
      if (nstart >= end) return;
      i++;
    }
  }

  /** Bytes of committed memory (VM_ACCOUNT mappings), what memoryLimit caps. */
  committed(): number {
    return this.committedIn(0, TASK_SIZE);
  }

  /** Committed bytes in [start, end). */
  private committedIn(start: VirtAddr, end: VirtAddr): number {
    let n = 0;
    for (let i = this.firstEndingAfter(start); i < this.vmas.length && this.vmas[i].start < end; i++) {
      const v = this.vmas[i];
      if (v.account) n += Math.min(v.end, end) - Math.max(v.start, start);
    }
    return n;
  }

  /** ENOMEM when `bytes` more committed memory would pass memoryLimit. */
  private charge(bytes: number, what: string): void {
    if (bytes <= 0) return;
    const committed = this.committed();
    if (committed + bytes > this.memoryLimit) {
      throw new MmError('ENOMEM', `${what} would commit ${committed + bytes} bytes, over the address space's memory limit of ${this.memoryLimit} bytes`);
    }
  }

  /** Unmaps everything and releases every frame (the address space's exit). */
  destroy(): void {
    if (this.vmas.length) this.unmapRange(this.vmas[0].start, this.vmas[this.vmas.length - 1].end);
    this.epoch++;
  }

  // ---- views ------------------------------------------------------------------------------------------

  /** The VMAs, lowest first (read-only views of the live records). */
  mappings(): readonly Readonly<Vma>[] {
    return this.vmas;
  }

  /** The VMA containing `va`, if any. */
  vmaAt(va: VirtAddr): Readonly<Vma> | undefined {
    return this.findVma(va);
  }

  /** /proc/PID/maps, one line per VMA, each ending in a newline, exactly as the kernel prints them. */
  maps(): string {
    return this.vmas.map((v) => mapsLine(v) + '\n').join('');
  }

  /** smaps figures per VMA. */
  smaps(): SmapsEntry[] {
    return this.vmas.map((vma) => ({ vma, header: mapsLine(vma), figures: this.smapsFigures(vma) }));
  }

  /** /proc/PID/smaps as the kernel prints it. */
  smapsText(): string {
    return this.smaps()
      .map((e) => e.header + '\n' + smapsBody(e.vma, e.figures))
      .join('');
  }

  /** The frame behind `va` if the page is present, else null (no access, no paging in). */
  frameAt(va: VirtAddr): PageInfo | null {
    const page = pageIndex(va);
    const pte = this.pages.get(page);
    if (!pte) return null;
    return { va: page * PAGE_SIZE, frame: pte.frame.number, kind: pte.frame.kind, mapCount: pte.frame.mapCount, writable: pte.writable, dirty: pte.dirty };
  }

  /** The present pages in [start, end), lowest first. */
  presentPages(start: VirtAddr, end: VirtAddr): PageInfo[] {
    const out: PageInfo[] = [];
    this.forEachPresent(pageIndex(start), Math.ceil(end / PAGE_SIZE), (page) => {
      out.push(this.frameAt(page * PAGE_SIZE)!);
    });
    return out.sort((a, b) => a.va - b.va);
  }

  /** smaps_account over the present pages of a VMA (the zero page is not a "normal page": not counted). */
  smapsFigures(vma: Readonly<Vma>): SmapsFigures {
    const fig: SmapsFigures = { size: vma.end - vma.start, rss: 0, pss: 0, pssDirty: 0, sharedClean: 0, sharedDirty: 0, privateClean: 0, privateDirty: 0, referenced: 0, anonymous: 0 };
    let pss = 0; // bytes << PSS_SHIFT, as the kernel accumulates it (exact in a double up to 2^53)
    let pssDirty = 0;
    this.forEachPresent(pageIndex(vma.start), Math.ceil(vma.end / PAGE_SIZE), (_page, pte) => {
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

  // ---- internals: lookup ----------------------------------------------------------------------------

  private findVma(va: VirtAddr): Vma | undefined {
    const last = this.lastVma;
    if (last && va >= last.start && va < last.end) return last;
    const vmas = this.vmas;
    let lo = 0;
    let hi = vmas.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = vmas[mid];
      if (va < v.start) hi = mid - 1;
      else if (va >= v.end) lo = mid + 1;
      else {
        this.lastVma = v;
        return v;
      }
    }
    return undefined;
  }

  /** Index of the first VMA with end > va (vmas.length if none). */
  private firstEndingAfter(va: VirtAddr): number {
    const vmas = this.vmas;
    let lo = 0;
    let hi = vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (vmas[mid].end <= va) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private overlaps(start: VirtAddr, end: VirtAddr): boolean {
    const i = this.firstEndingAfter(start);
    return i < this.vmas.length && this.vmas[i].start < end;
  }

  private allows(prot: Prot, access: AccessKind): boolean {
    if (access === 'write') return (prot & PROT_WRITE) !== 0;
    if (access === 'fetch') return (prot & PROT_EXEC) !== 0;
    return this.strict ? (prot & PROT_READ) !== 0 : prot !== 0;
  }

  /** Calls `fn` for each present page index in [first, last). */
  private forEachPresent(first: number, last: number, fn: (page: number, pte: Pte) => void): void {
    if (last - first <= this.pages.size) {
      for (let p = first; p < last; p++) {
        const pte = this.pages.get(p);
        if (pte) fn(p, pte);
      }
    } else {
      for (const [p, pte] of this.pages) if (p >= first && p < last) fn(p, pte);
    }
  }

  // ---- internals: faults ------------------------------------------------------------------------------

  private fileIndex(vma: Vma, page: number): number {
    return vma.pgoff + (page - vma.start / PAGE_SIZE);
  }

  private beyondEof(vma: Vma, page: number): boolean {
    return vma.file !== null && this.fileIndex(vma, page) >= vma.file.inode.pageCount;
  }

  /** The frame a not-present page gets on a read (file page, backing page or the zero page). */
  private sourceFrame(va: VirtAddr, page: number, vma: Vma, access: AccessKind): Frame {
    if (vma.backing) return this.physical.backingFrame(vma.backing, (vma.pgoff + page - vma.start / PAGE_SIZE) * PAGE_SIZE);
    if (vma.file) {
      const index = this.fileIndex(vma, page);
      if (index >= vma.file.inode.pageCount) throw new PageFault(va, access, 'beyond-eof');
      return this.pageCache.frame(vma.file.inode, index);
    }
    return this.physical.zeroFrame;
  }

  /** Demand paging: the first access to a page of `vma`. */
  private fault(va: VirtAddr, page: number, vma: Vma, access: AccessKind): Pte {
    const source = this.sourceFrame(va, page, vma, access);
    let pte: Pte;
    if (vma.shared || vma.backing) {
      const canWrite = (vma.prot & PROT_WRITE) !== 0;
      pte = new Pte(source, canWrite, access === 'write');
      if (access === 'write') source.dirty = true;
    } else if (access === 'write') {
      // Private write fault: a fresh anonymous page (zero-filled, or a copy of the file page).
      const frame = source.kind === 'zero' ? this.physical.allocate('anon') : this.physical.copyOf(source);
      this.prepareAnonVma(vma);
      pte = new Pte(frame, true, true);
    } else {
      pte = new Pte(source, false, false);
    }
    this.physical.retain(pte.frame);
    this.pages.set(page, pte);
    return pte;
  }

  /** A write to a present page that is not writable in the page table (the VMA allows writing). */
  private breakCow(page: number, pte: Pte, vma: Vma): Pte {
    const old = pte.frame;
    if (vma.shared || vma.backing) {
      pte.writable = true;
    } else if (old.kind === 'anon' && old.mapCount === 1) {
      pte.writable = true; // the only mapping of an anonymous page: reuse it (do_wp_page's reuse)
    } else {
      pte.frame = this.physical.copyOf(old);
      this.physical.retain(pte.frame);
      this.physical.release(old);
      this.prepareAnonVma(vma);
      pte.writable = true;
      this.epoch++;
    }
    pte.dirty = true;
    if (vma.shared) pte.frame.dirty = true;
    return pte;
  }

  /** A forced write (ptrace POKE): the page made private to this address space, whatever the protections. */
  private forcedWritableFrame(va: VirtAddr, page: number, vma: Vma): Frame {
    let pte = this.pages.get(page);
    if (vma.shared || vma.backing) {
      if (!pte) pte = this.fault(va, page, vma, 'read');
      pte.dirty = true;
      pte.frame.dirty = true;
      return pte.frame;
    }
    if (!pte) {
      const source = this.sourceFrame(va, page, vma, 'write');
      const frame = source.kind === 'zero' ? this.physical.allocate('anon') : this.physical.copyOf(source);
      this.prepareAnonVma(vma);
      pte = new Pte(frame, (vma.prot & PROT_WRITE) !== 0, true);
      this.physical.retain(frame);
      this.pages.set(page, pte);
      return frame;
    }
    if (!(pte.frame.kind === 'anon' && pte.frame.mapCount === 1)) {
      const old = pte.frame;
      pte.frame = this.physical.copyOf(old);
      this.physical.retain(pte.frame);
      this.physical.release(old);
      this.prepareAnonVma(vma);
      pte.writable = (vma.prot & PROT_WRITE) !== 0;
      this.epoch++;
    }
    pte.dirty = true;
    return pte.frame;
  }

  private peekPage(page: number, vma: Vma): Uint8Array | null {
    const pte = this.pages.get(page);
    if (pte) return pte.frame.bytes;
    if (vma.backing) {
      const off = (vma.pgoff + page - vma.start / PAGE_SIZE) * PAGE_SIZE;
      return vma.backing.subarray(off, off + PAGE_SIZE);
    }
    if (vma.file) {
      const index = this.fileIndex(vma, page);
      if (index >= vma.file.inode.pageCount) return null;
      return this.pageCache.peek(vma.file.inode, index);
    }
    return this.physical.zeroFrame.bytes;
  }

  /**
   * anon_vma_prepare: a VMA getting its first anonymous page reuses a neighbour's anon_vma when the two
   * could have been one VMA (find_mergeable_anon_vma: next first, then prev), else gets a new one.
   */
  private prepareAnonVma(vma: Vma): void {
    if (vma.anonVma !== null) return;
    const i = this.vmas.indexOf(vma);
    const next = this.vmas[i + 1];
    if (next && next.anonVma !== null && anonVmaCompatible(vma, next)) {
      vma.anonVma = next.anonVma;
      return;
    }
    const prev = this.vmas[i - 1];
    if (prev && prev.anonVma !== null && anonVmaCompatible(prev, vma)) {
      vma.anonVma = prev.anonVma;
      return;
    }
    vma.anonVma = nextAnonVma++;
  }

  // ---- internals: VMA tree surgery ------------------------------------------------------------------

  /**
   * Top-down search for a free range of `length` below mmap_base (unmapped_area_topdown), keeping the
   * stack guard gap below a VM_GROWSDOWN mapping; a free hinted range is used as is.
   */
  private unmappedArea(length: number, hint?: VirtAddr): VirtAddr {
    if (hint !== undefined && hint !== 0) {
      const h = Math.max(pageAlignDown(hint), MMAP_MIN_ADDR);
      if (h + length <= TASK_SIZE && this.gapFree(h, h + length)) return h;
    }
    const found = this.searchTopDown(length, MMAP_MIN_ADDR, this.mmapBase) ?? this.searchTopDown(length, MMAP_MIN_ADDR, TASK_SIZE);
    if (found === undefined) throw new MmError('ENOMEM', `no free range of 0x${length.toString(16)} bytes`);
    return found;
  }

  private gapFree(start: VirtAddr, end: VirtAddr): boolean {
    const i = this.firstEndingAfter(start);
    const next = this.vmas[i];
    if (next && vmStartGap(next) < end) return false;
    return true;
  }

  private searchTopDown(length: number, low: VirtAddr, high: VirtAddr): VirtAddr | undefined {
    const vmas = this.vmas;
    for (let j = vmas.length - 1; j >= -1; j--) {
      const above = vmas[j + 1];
      const gapTop = Math.min(above ? vmStartGap(above) : TASK_SIZE, high);
      const gapBottom = Math.max(j >= 0 ? vmas[j].end : 0, low);
      if (j >= 0 && vmas[j].end >= high) continue;
      if (gapTop - gapBottom >= length) return gapTop - length;
    }
    return undefined;
  }

  /** Removes [start, end) from the address space: VMAs split at the ends, pages released. */
  private unmapRange(start: VirtAddr, end: VirtAddr): void {
    let i = this.firstEndingAfter(start);
    if (i >= this.vmas.length || this.vmas[i].start >= end) return;
    if (this.vmas[i].start < start) {
      this.split(i, start);
      i++;
    }
    let j = i;
    while (j < this.vmas.length && this.vmas[j].start < end) {
      if (this.vmas[j].end > end) this.split(j, end);
      j++;
    }
    this.vmas.splice(i, j - i);
    this.lastVma = undefined;
    const first = pageIndex(start);
    const last = Math.ceil(end / PAGE_SIZE);
    const gone: number[] = [];
    this.forEachPresent(first, last, (page, pte) => {
      this.physical.release(pte.frame);
      gone.push(page);
    });
    for (const p of gone) this.pages.delete(p);
  }

  /** Splits vmas[i] at `at` (strictly inside it) into two VMAs. */
  private split(i: number, at: VirtAddr): void {
    const v = this.vmas[i];
    const upper: Vma = { ...v, start: at, pgoff: v.pgoff + (at - v.start) / PAGE_SIZE };
    v.end = at;
    this.vmas.splice(i + 1, 0, upper);
    this.lastVma = undefined;
  }

  /** Inserts a new VMA (its range is free), merging with its neighbours as vma_merge_new_range does. */
  private insertMerging(vma: Vma): void {
    const i = this.firstEndingAfter(vma.start);
    const prev = i > 0 && this.vmas[i - 1].end === vma.start ? this.vmas[i - 1] : undefined;
    const next = i < this.vmas.length && this.vmas[i].start === vma.end ? this.vmas[i] : undefined;
    const left = prev !== undefined && canMerge(prev, vma);
    let right = next !== undefined && canMerge(vma, next);
    if (left && right && !anonVmasMergeable(prev!.anonVma, next!.anonVma)) right = false;
    this.lastVma = undefined;
    if (left && right) {
      prev!.end = next!.end;
      prev!.anonVma ??= next!.anonVma;
      this.vmas.splice(i, 1);
    } else if (left) {
      prev!.end = vma.end;
    } else if (right) {
      next!.start = vma.start;
      next!.pgoff = vma.pgoff;
    } else {
      this.vmas.splice(i, 0, vma);
    }
  }

  /**
   * mprotect_fixup for [start, end) inside vmas[i]: VM_ACCOUNT bookkeeping, then merge with prev/next
   * (vma_merge_existing_range) or split. Returns the index of the VMA now ending at `end`.
   */
  private mprotectFixup(i: number, start: VirtAddr, end: VirtAddr, prot: Prot): number {
    const middle = this.vmas[i];
    if (middle.prot === prot) return i;
    let account = middle.account;
    if (prot & PROT_WRITE) {
      if (!middle.account && !(middle.prot & PROT_WRITE) && !middle.shared) account = true;
    } else if (middle.account && vmaKind(middle) === 'anonymous' && middle.anonVma === null) {
      account = false;
    }
    const candidate: Vma = { ...middle, start, end, prot, account, pgoff: middle.pgoff + (start - middle.start) / PAGE_SIZE };
    const leftSide = start === middle.start;
    const rightSide = end === middle.end;
    const prev = i > 0 && this.vmas[i - 1].end === start ? this.vmas[i - 1] : undefined;
    const next = i + 1 < this.vmas.length && this.vmas[i + 1].start === end ? this.vmas[i + 1] : undefined;
    const left = leftSide && prev !== undefined && canMerge(prev, candidate);
    let right = rightSide && next !== undefined && canMerge(candidate, next);
    if (left && right && !anonVmasMergeable(prev!.anonVma, next!.anonVma)) right = false;
    this.lastVma = undefined;
    if (left && right) {
      prev!.end = next!.end;
      prev!.anonVma ??= middle.anonVma ?? next!.anonVma;
      this.vmas.splice(i, 2);
      return i - 1;
    }
    if (left) {
      prev!.end = end;
      prev!.anonVma ??= middle.anonVma;
      if (rightSide) {
        this.vmas.splice(i, 1);
      } else {
        middle.pgoff += (end - middle.start) / PAGE_SIZE;
        middle.start = end;
      }
      return i - 1;
    }
    if (right) {
      next!.start = start;
      next!.pgoff = candidate.pgoff;
      next!.anonVma ??= middle.anonVma;
      if (leftSide) {
        this.vmas.splice(i, 1);
        return i;
      }
      middle.end = start;
      return i + 1;
    }
    if (start > middle.start) {
      this.split(i, start);
      i++;
    }
    if (end < this.vmas[i].end) this.split(i, end);
    const target = this.vmas[i];
    target.prot = prot;
    target.account = account;
    return i;
  }
}

function vmStartGap(vma: Vma): VirtAddr {
  return vma.growsDown ? Math.max(vma.start - STACK_GUARD_GAP, 0) : vma.start;
}

function anonVmasMergeable(a: number | null, b: number | null): boolean {
  return a === null || b === null || a === b;
}

/** is_mergeable_vma + pgoff contiguity + anon_vma compatibility, for `a` directly below `b`. */
function canMerge(a: Vma, b: Vma): boolean {
  return anonVmaCompatible(a, b) && a.prot === b.prot && a.name === b.name && anonVmasMergeable(a.anonVma, b.anonVma);
}

/** anon_vma_compatible: `a` directly below `b`, same flags apart from the access bits, same file, contiguous. */
function anonVmaCompatible(a: Vma, b: Vma): boolean {
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

/** One /proc/PID/maps line (no newline), as show_map_vma prints it: the path starts at column 73. */
export function mapsLine(vma: Readonly<Vma>): string {
  const p = vma.prot;
  const kind = vmaKind(vma);
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

function smapsBody(vma: Readonly<Vma>, fig: SmapsFigures): string {
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

