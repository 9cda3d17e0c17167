// An address space: VMAs and a page table over shared physical memory, with mmap/munmap/mprotect as
// the kernel does them (VMA split and merge rules, VM_ACCOUNT, anon_vma), demand paging with fault-around,
// copy-on-write, the growing stack and protection checks. This is what a CPU runs against (GuestMemory).
import { MmError } from './errors.ts';
import { dupMmap } from './fork.ts';
import { faultAroundPages, faultAroundWindow, hostFaultAroundBytes } from './fault-around.ts';
import { MMAP_MIN_ADDR, STACK_GUARD_GAP, STACK_RLIMIT, TASK_SIZE, pageAlignDown, pageAlignUp, processLayout } from './layout.ts';
import type { OpenFile, PageCache } from './page-cache.ts';
import { PageTable, Pte, pageIndex } from './page-table.ts';
import type { Frame, PhysicalMemory } from './physical.ts';
import { unmappedArea } from './placement.ts';
import { type PageInfo, type SmapsEntry, type SmapsFigures, mapsLine, pagemapEntry, smapsBody, smapsFigures, smapsRollupText } from './procfs.ts';
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
import type { Vma } from './vma.ts';
import { VmaList } from './vma-list.ts';

// Re-exported so imports from address-space.ts keep working after the split.
export { type Vma, type VmaKind, vmaKind } from './vma.ts';
export { mapsLine, type SmapsFigures, type SmapsEntry, type PageInfo } from './procfs.ts';

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
  /** MAP_STACK, which this kernel turns into VM_NOHUGEPAGE. */
  stack?: boolean;
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
  /**
   * fault_around_bytes: on a read fault in a file mapping, the window of page-cache pages mapped with the
   * faulting one. Default: the host's (debugfs) if visible, else the kernel's default 64 KiB; 4096 turns it off.
   */
  faultAroundBytes?: number;
}

let nextSpaceId = 1;

/** The default per-address-space cap on committed memory: 4 GiB of private writable mappings. */
export const DEFAULT_MEMORY_LIMIT = 4 * 1024 * 1024 * 1024;

export class AddressSpace implements GuestMemory {
  readonly physical: PhysicalMemory;
  readonly pageCache: PageCache;
  mmapBase: VirtAddr;
  readonly strict: boolean;
  /** The cap on committed memory (see AddressSpaceOptions.memoryLimit). */
  readonly memoryLimit: number;
  /** fault_around_bytes in pages (1: fault-around off). */
  readonly faultAroundPages: number;
  epoch = 0;
  /** Tells address spaces apart in the frames' record of who maps them (Frame.spaceCount). */
  readonly id = nextSpaceId++;
  /** RLIMIT_STACK: how far a VM_GROWSDOWN mapping may grow (its size, end - start), as acct_stack_growth checks. */
  stackRlimit = STACK_RLIMIT;
  private readonly vmas = new VmaList();
  private readonly pages = new PageTable();

  constructor(options: AddressSpaceOptions) {
    this.physical = options.physical;
    this.pageCache = options.pageCache;
    this.mmapBase = options.mmapBase ?? processLayout(options.layoutSeed).mmapBase;
    this.strict = options.protections === 'strict';
    this.memoryLimit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
    this.faultAroundPages = faultAroundPages(options.faultAroundBytes ?? hostFaultAroundBytes());
  }

  // ---- GuestMemory --------------------------------------------------------------------------------

  frameFor(va: VirtAddr, access: AccessKind): Uint8Array {
    return this.translate(va, access).bytes;
  }

  /** The frame behind `va`, ready for `access` (paged in, COW broken for a write). Throws PageFault. */
  translate(va: VirtAddr, access: AccessKind): Frame {
    const vma = this.vmas.find(va) ?? this.expandStack(va);
    if (!vma) throw new PageFault(va, access, 'unmapped');
    if (!this.allows(vma.prot, access)) throw new PageFault(va, access, 'protection');
    const page = pageIndex(va);
    const pte = this.pages.get(page);
    if (pte) {
      pte.young = true; // the CPU sets the accessed bit when it loads the translation
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
      const vma = this.vmas.find(at);
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
      const vma = this.vmas.find(at);
      if (!vma) return false;
      if (vma.shared && !(vma.prot & PROT_WRITE) && !vma.backing) return false; // as FOLL_FORCE: not on a shared read-only mapping
      if (this.beyondEof(vma, pageIndex(at))) return false;
    }
    let done = 0;
    while (done < bytes.length) {
      const at = va + done;
      const vma = this.vmas.find(at)!;
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
      const vma = this.vmas.find(Math.max(at, va)) ?? this.expandStack(Math.max(at, va));
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
      if (o.noReplace && this.vmas.overlaps(addr, addr + length)) throw new MmError('EEXIST', `MAP_FIXED_NOREPLACE 0x${addr.toString(16)}: range in use`);
    } else {
      addr = unmappedArea(this.vmas, this.mmapBase, {
        length,
        hint: o.addr,
        file: file && !file.inode.anonymous ? { offset, thpAligned: file.identity.thpAligned ?? false } : undefined,
        sharedAnonymous: file?.inode.anonymous ?? false,
      });
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
      ...(o.stack ? { noHugePage: true } : {}),
      file,
      backing,
      pgoff: anonymous ? addr / PAGE_SIZE : pgoff,
      name: o.name ?? null,
      anonVma: null,
    };
    this.vmas.insertMerging(vma);
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
    let i = this.vmas.firstEndingAfter(addr);
    if (i >= this.vmas.length || this.vmas.at(i)!.start > addr) throw new MmError('ENOMEM', `mprotect 0x${addr.toString(16)}: not mapped`);
    let nstart = addr;
    for (;;) {
      const vma = this.vmas.at(i);
      if (!vma || vma.start > nstart) throw new MmError('ENOMEM', `mprotect 0x${nstart.toString(16)}: not mapped`);
      if (prot & PROT_WRITE && !vma.mayWrite) throw new MmError('EACCES', `mprotect PROT_WRITE on a shared read-only mapping at 0x${vma.start.toString(16)}`);
      // mprotect_fixup charges a private mapping made writable for the first time (VMAs before it stay changed).
      if (prot & PROT_WRITE && !vma.account && !(vma.prot & PROT_WRITE) && !vma.shared && vma.prot !== prot) {
        this.charge(Math.min(vma.end, end) - nstart, `mprotect PROT_WRITE of 0x${(Math.min(vma.end, end) - nstart).toString(16)} bytes`);
      }
      i = this.vmas.mprotectFixup(i, nstart, Math.min(vma.end, end), prot);
      nstart = this.vmas.at(i)!.end; // a merge may have taken in the next VMA (vma_iter_end)
      if (nstart >= end) return;
      i++;
    }
  }

  /**
   * zap_page_range (madvise MADV_DONTNEED): the pages of [start, end) leave the page table and their frames are
   * released, while the VMAs stay as they are; the next access faults the page in again (a zero page for anonymous
   * memory, the file's page for a file mapping, the shared object's page for shared memory).
   */
  zapRange(start: VirtAddr, end: VirtAddr): void {
    const gone: number[] = [];
    this.pages.forEachPresent(pageIndex(start), Math.ceil(end / PAGE_SIZE), (page, pte) => {
      this.physical.release(pte.frame, this.id);
      gone.push(page);
    });
    for (const p of gone) this.pages.delete(p);
    if (gone.length) this.epoch++; // CPUs must translate again (the TLB flush)
  }

  /** Bytes of committed memory (VM_ACCOUNT mappings), what memoryLimit caps. */
  committed(): number {
    return this.committedIn(0, TASK_SIZE);
  }

  /** Committed bytes in [start, end). */
  private committedIn(start: VirtAddr, end: VirtAddr): number {
    let n = 0;
    for (let i = this.vmas.firstEndingAfter(start); i < this.vmas.length && this.vmas.at(i)!.start < end; i++) {
      const v = this.vmas.at(i)!;
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

  /** fork's copy of this address space (dup_mmap, in fork.ts): private pages shared copy-on-write, shared pages shared. */
  fork(): AddressSpace {
    const child = new AddressSpace({
      physical: this.physical, pageCache: this.pageCache, mmapBase: this.mmapBase, protections: this.strict ? 'strict' : 'x86-linux',
      memoryLimit: this.memoryLimit, faultAroundBytes: this.faultAroundPages * PAGE_SIZE,
    });
    child.stackRlimit = this.stackRlimit;
    dupMmap(this.physical, { vmas: this.vmas, pages: this.pages }, { vmas: child.vmas, pages: child.pages, id: child.id });
    this.epoch++; // the parent's writable entries became copy-on-write: CPUs must translate again
    return child;
  }

  /**
   * The process stack as exec leaves it (setup_arg_pages): a VM_GROWSDOWN anonymous VMA named [stack] of
   * `initialSize` bytes ending at `top` (the kernel's is what exec wrote there, rounded to pages, plus
   * STACK_EXPAND, 128 KiB), growing on faults below it up to `rlimit` bytes (RLIMIT_STACK) while the stack guard
   * gap above the next lower mapping stays free. Returns the VMA's start.
   */
  mapStack(top: VirtAddr, initialSize: number, rlimit: number = STACK_RLIMIT): VirtAddr {
    if (top % PAGE_SIZE !== 0) throw new MmError('EINVAL', `stack top 0x${top.toString(16)} is not page-aligned`);
    // setup_arg_pages: stack_expand = min(rlimit & PAGE_MASK, what exec wrote + 128 KiB).
    const length = Math.min(pageAlignUp(initialSize), pageAlignDown(rlimit));
    this.stackRlimit = rlimit;
    return this.mmap({ addr: top - length, length, prot: PROT_READ | PROT_WRITE, fixed: true, growsDown: true, name: '[stack]' });
  }

  /**
   * expand_stack on a fault at `va` below a VM_GROWSDOWN VMA (the first VMA above `va`): the VMA grows down to
   * va's page unless that passes RLIMIT_STACK, mmap_min_addr or the guard gap above an accessible lower
   * mapping. Returns the grown VMA, or undefined (the fault is then SIGSEGV, SEGV_MAPERR).
   */
  private expandStack(va: VirtAddr): Vma | undefined {
    const i = this.vmas.firstEndingAfter(va);
    const vma = this.vmas.at(i);
    if (!vma || !vma.growsDown || va < 0) return undefined;
    const address = pageAlignDown(va);
    if (address < MMAP_MIN_ADDR) return undefined;
    const prev = this.vmas.at(i - 1);
    if (prev && !prev.growsDown && prev.prot !== 0 && address - prev.end < STACK_GUARD_GAP) return undefined;
    if (vma.end - address > this.stackRlimit) return undefined;
    if (vma.account) {
      try {
        this.charge(vma.start - address, `stack growth of 0x${(vma.start - address).toString(16)} bytes`);
      } catch (err) {
        if (err instanceof MmError) return undefined;
        throw err;
      }
    }
    this.vmas.extendDown(vma, address);
    this.epoch++;
    return vma;
  }

  /** Unmaps everything and releases every frame (the address space's exit). */
  destroy(): void {
    if (this.vmas.length) this.unmapRange(this.vmas.at(0)!.start, this.vmas.at(this.vmas.length - 1)!.end);
    this.epoch++;
  }

  // ---- views ------------------------------------------------------------------------------------------

  /** The VMAs, lowest first (read-only views of the live records). */
  mappings(): readonly Readonly<Vma>[] {
    return this.vmas.all();
  }

  /** Moves whenever the VMAs (what maps shows) change, and not on faults or COW breaks (unlike `epoch`). */
  get mapGeneration(): number {
    return this.vmas.generation;
  }

  /** The VMA containing `va`, if any. */
  vmaAt(va: VirtAddr): Readonly<Vma> | undefined {
    return this.vmas.find(va);
  }

  /** /proc/PID/maps, one line per VMA, each ending in a newline, exactly as the kernel prints them. */
  maps(): string {
    return this.vmas.all().map((v) => mapsLine(v) + '\n').join('');
  }

  /** smaps figures per VMA. */
  smaps(): SmapsEntry[] {
    return this.vmas.all().map((vma) => ({ vma, header: mapsLine(vma), figures: this.smapsFigures(vma) }));
  }

  /** /proc/PID/smaps as the kernel prints it. */
  smapsText(): string {
    return this.smaps()
      .map((e) => e.header + '\n' + smapsBody(e.vma, e.figures))
      .join('');
  }

  /** /proc/PID/smaps_rollup as the kernel prints it. */
  smapsRollupText(): string {
    return smapsRollupText(this.vmas.all(), this.pages);
  }

  /**
   * /proc/PID/pagemap entries for `count` pages from virtual page number `firstPage` (a read at file offset
   * firstPage * 8), as pagemapEntry gives them; `showPfn` as for a reader with CAP_SYS_ADMIN.
   */
  pagemap(firstPage: number, count: number, showPfn = false): BigUint64Array {
    const out = new BigUint64Array(count);
    for (let i = 0; i < count; i++) {
      const page = firstPage + i;
      out[i] = page * PAGE_SIZE < TASK_SIZE ? pagemapEntry(this.frameAt(page * PAGE_SIZE), showPfn) : 0n;
    }
    return out;
  }

  /** The frame behind `va` if the page is present, else null (no access, no paging in). */
  frameAt(va: VirtAddr): PageInfo | null {
    const page = pageIndex(va);
    const pte = this.pages.get(page);
    if (!pte) return null;
    return { va: page * PAGE_SIZE, frame: pte.frame.number, kind: pte.frame.kind, mapCount: pte.frame.mapCount, spaceCount: pte.frame.spaceCount, writable: pte.writable, dirty: pte.dirty };
  }

  /** The present pages in [start, end), lowest first. */
  presentPages(start: VirtAddr, end: VirtAddr): PageInfo[] {
    const out: PageInfo[] = [];
    this.pages.forEachPresent(pageIndex(start), Math.ceil(end / PAGE_SIZE), (page) => {
      out.push(this.frameAt(page * PAGE_SIZE)!);
    });
    return out.sort((a, b) => a.va - b.va);
  }

  /** smaps_account over the present pages of a VMA (the zero page is not a "normal page": not counted). */
  smapsFigures(vma: Readonly<Vma>): SmapsFigures {
    return smapsFigures(vma, this.pages);
  }

  // ---- internals: lookup ----------------------------------------------------------------------------

  private allows(prot: Prot, access: AccessKind): boolean {
    if (access === 'write') return (prot & PROT_WRITE) !== 0;
    if (access === 'fetch') return (prot & PROT_EXEC) !== 0;
    return this.strict ? (prot & PROT_READ) !== 0 : prot !== 0;
  }

  /** Removes [start, end) from the address space: VMAs split at the ends, pages released. */
  private unmapRange(start: VirtAddr, end: VirtAddr): void {
    if (!this.vmas.removeRange(start, end)) return;
    const gone: number[] = [];
    this.pages.forEachPresent(pageIndex(start), Math.ceil(end / PAGE_SIZE), (page, pte) => {
      this.physical.release(pte.frame, this.id);
      gone.push(page);
    });
    for (const p of gone) this.pages.delete(p);
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
      const first = this.fileIndex(vma, vma.start / PAGE_SIZE);
      return this.pageCache.frame(vma.file.inode, index, { first, end: first + (vma.end - vma.start) / PAGE_SIZE, exec: (vma.prot & PROT_EXEC) !== 0 });
    }
    return this.physical.zeroFrame;
  }

  /**
   * Demand paging: the first access to a page of `vma`. A read (or fetch) fault in a file mapping first maps
   * what fault-around finds in the page cache (do_read_fault calls do_fault_around before ->fault).
   */
  private fault(va: VirtAddr, page: number, vma: Vma, access: AccessKind): Pte {
    if (access !== 'write' && vma.file && this.faultAroundPages > 1) {
      this.faultAround(page, vma);
      const mapped = this.pages.get(page);
      if (mapped) return mapped;
    }
    const read = access !== 'write' && vma.file !== null && !this.pageCache.isCached(vma.file.inode, this.fileIndex(vma, page));
    const source = this.sourceFrame(va, page, vma, access);
    if (read && this.faultAroundPages > 1) {
      // The kernel reads the file with the mmap lock dropped and retries the fault (VM_FAULT_RETRY): the retried
      // read fault maps around again, now over what readahead put in the page cache.
      this.faultAround(page, vma);
      const mapped = this.pages.get(page);
      if (mapped) return mapped;
    }
    let pte: Pte;
    if (vma.shared || vma.backing) {
      const canWrite = (vma.prot & PROT_WRITE) !== 0;
      pte = new Pte(source, canWrite, access === 'write');
      if (access === 'write') source.dirty = true;
    } else if (access === 'write') {
      // Private write fault: a fresh anonymous page (zero-filled, or a copy of the file page).
      const frame = source.kind === 'zero' ? this.physical.allocate('anon') : this.physical.copyOf(source);
      this.vmas.prepareAnonVma(vma);
      pte = new Pte(frame, true, true);
    } else {
      pte = new Pte(source, false, false);
    }
    this.physical.retain(pte.frame, this.id);
    this.pages.set(page, pte);
    return pte;
  }

  /**
   * do_fault_around + filemap_map_pages: maps, read-only as a read fault would, each page of the window that
   * has no PTE, is inside the file and is in the page cache.
   */
  private faultAround(page: number, vma: Vma): void {
    const file = vma.file!;
    const [first, end] = faultAroundWindow(page, vma.start / PAGE_SIZE, vma.end / PAGE_SIZE, this.faultAroundPages);
    for (let p = first; p < end; p++) {
      if (this.pages.get(p)) continue;
      const index = this.fileIndex(vma, p);
      if (!this.pageCache.isCached(file.inode, index)) continue;
      const frame = this.pageCache.frame(file.inode, index);
      const pte = vma.shared ? new Pte(frame, (vma.prot & PROT_WRITE) !== 0, false) : new Pte(frame, false, false);
      this.physical.retain(frame, this.id);
      this.pages.set(p, pte);
    }
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
      this.physical.retain(pte.frame, this.id);
      this.physical.release(old, this.id);
      this.vmas.prepareAnonVma(vma);
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
      this.vmas.prepareAnonVma(vma);
      pte = new Pte(frame, (vma.prot & PROT_WRITE) !== 0, true);
      this.physical.retain(frame, this.id);
      this.pages.set(page, pte);
      return frame;
    }
    if (!(pte.frame.kind === 'anon' && pte.frame.mapCount === 1)) {
      const old = pte.frame;
      pte.frame = this.physical.copyOf(old);
      this.physical.retain(pte.frame, this.id);
      this.physical.release(old, this.id);
      this.vmas.prepareAnonVma(vma);
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
}
