// The typed records a traced step produces: one StepEvent per executed instruction, with its data accesses
// (SPEC.md's `trace` entries), each annotated with where in which module, section, VMA and frame it landed.
import type { FrameNumber, VirtAddr } from '../mm/types.ts';

export type { FrameNumber };
/** An offset from a module's load base (mapped address − base = link-time address for ET_DYN). */
export type ModuleOffset = number;

/** A write that broke copy-on-write: the page moved from frame `from` to a private copy at frame `to`. */
export interface CowBreak {
  from: FrameNumber;
  to: FrameNumber;
}

/** The VMA an address falls in, as /proc/PID/maps shows it. */
export interface VmaInfo {
  start: VirtAddr;
  end: VirtAddr;
  /** e.g. `r-xp` */
  perms: string;
  /** The file path, `[stack]`, `[heap]`, or '' for anonymous memory. */
  name: string;
}

/**
 * Where a mapped address lies, in terms a person (and a snapshot) can read independent of load bases. In a trace,
 * as of the end of the step (the mappings then: a later munmap or dlclose does not change it).
 */
export interface Location {
  /** Module file name (e.g. `libcounter.so`) when the address is inside a loaded module's span. */
  module?: string;
  /** Mapped address − module base. */
  offset?: ModuleOffset;
  /** Nearest preceding symbol, `name` or `name+0x..`. */
  symbol?: string;
  /** Containing section (e.g. `.bss`). */
  section?: string;
  /** e.g. `GOT entry for global_counter (R_X86_64_GLOB_DAT)` when the address is a relocated slot. */
  relocation?: string;
  vma?: VmaInfo;
}

export interface MemoryAccess extends Location {
  kind: 'read' | 'write';
  /** Mapped (virtual) address of the first byte. */
  va: VirtAddr;
  size: number;
  /** The value read, or written (little-endian, up to 8 bytes; wider accesses keep their low 8 bytes here and all bytes in `bytes`). */
  value: bigint;
  bytes?: Uint8Array;
  /** The effective address was computed from RIP (next instruction + displacement). */
  ripRelative: boolean;
  /** Physical frame behind `va` after the access (0 when unknown). */
  frame: FrameNumber;
  /**
   * Is that frame mapped by more than one process of the machine, right after this access? (The moment of the
   * step, as everything in a trace; the pages table answers the same question at the moment it is taken.)
   */
  shared: boolean;
  /** The COW break this write caused, or null. */
  cow: CowBreak | null;
  /** When the value (8 bytes) is an address inside a module or named mapping: where it points. */
  pointsTo?: Location;
}

/** A register whose value the instruction changed. */
export interface RegisterChange {
  name: string;
  before: bigint;
  after: bigint;
}

export interface StepEvent {
  pid: number;
  /** Which call of this process (0-based). */
  call: number;
  /** Index of this instruction within the call. */
  index: number;
  /** Mapped address of the instruction. */
  rip: VirtAddr;
  module?: string;
  offset?: ModuleOffset;
  /** `name+0x..` */
  symbol?: string;
  section?: string;
  /** Physical frame the instruction was fetched from. */
  frame: FrameNumber;
  bytes: Uint8Array;
  /** capstone-wasm, Intel syntax. */
  asm: string;
  registers: RegisterChange[];
  accesses: MemoryAccess[];
  /** For a direct call/jmp/jcc: where its target lies (so text renderings need not show mapped addresses). */
  target?: Location & { va: VirtAddr };
}
