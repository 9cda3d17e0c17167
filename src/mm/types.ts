// Types the rest of picemu (notably cpu/) uses to talk to memory, without importing mm's implementation.

export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;
export const PAGE_MASK = PAGE_SIZE - 1;

/** A guest virtual address. User-space addresses are below 2^47, so a JS number holds them exactly. */
export type VirtAddr = number;

/** A physical frame number (picemu's page frame: 1, 2, ...; 0 means "no frame"). */
export type FrameNumber = number;

/** Protection bits, as mmap's PROT_* (and unicorn's UC_PROT_*: the same values). */
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
export type Prot = number;

/** What an access wants of a page. */
export type AccessKind = 'read' | 'write' | 'fetch';

/** Why an access failed: no mapping (SEGV_MAPERR), a mapping that forbids it (SEGV_ACCERR), or a file page past end of file (SIGBUS/BUS_ADRERR). */
export type PageFaultReason = 'unmapped' | 'protection' | 'beyond-eof';

/** Thrown by memory when an access cannot be served; the CPU turns it into a GuestFault with RIP. */
export class PageFault extends Error {
  constructor(
    readonly va: VirtAddr,
    readonly access: AccessKind,
    readonly reason: PageFaultReason,
  ) {
    super(`${reason} ${access} at 0x${va.toString(16)}`);
    this.name = 'PageFault';
  }
}

/**
 * The memory a CPU runs against. `frameFor` is the hot path: the CPU caches what it returns (a software
 * TLB) until `epoch` changes, so an implementation must bump `epoch` whenever a translation or a
 * protection may have changed (mmap over, munmap, mprotect, a copy-on-write break).
 */
export interface GuestMemory {
  /** The 4 KiB of frame bytes behind the page containing `va`, ready for `access` (paged in; for a write, COW already broken). Throws PageFault. */
  frameFor(va: VirtAddr, access: AccessKind): Uint8Array;
  /** Physical frame number behind the page containing `va` for the last `frameFor`, or 0 if none: for decode caches keyed by frame and for traces. */
  frameNumber(va: VirtAddr): number;
  readonly epoch: number;
  /** Debugger read: never faults, never counts as an access, never pages in or breaks COW. null where unmapped. */
  peek(va: VirtAddr, length: number): Uint8Array | null;
  /** Debugger write (like ptrace POKE): ignores protections, never faults; makes the page private to this address space (as the kernel's forced write does) so no other process sees it. False where unmapped. */
  poke(va: VirtAddr, bytes: Uint8Array): boolean;
}
