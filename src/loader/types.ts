// What the loader produces: loaded modules, the relocations it applied, and what it left for the CPU.
import type { ElfFile, ElfSymbol, LinkAddress } from '../elf/index.ts';
import type { OpenFile, VirtAddr } from '../mm/index.ts';

export type { LinkAddress };

export interface TlsInfo {
  /** The module id DTPMOD64 writes (1 for the first module with TLS, as the caller's allocator decides). */
  modid: number;
  /** p_memsz of PT_TLS: the block size. */
  blockSize: number;
  align: number;
  /** The initialization image (p_vaddr mapped, p_filesz), copied into each thread's block; the rest is zero. */
  initImage: VirtAddr;
  initSize: number;
  /** Offset of the block below the thread pointer (glibc's l_tls_offset, variant II): TPOFF64 = st_value + addend - tpOffset. */
  tpOffset: number | undefined;
}

/** One relocation the loader applied, for annotating GOT slots and data words. */
export interface AppliedRelocation {
  /** R_X86_64_* name, or 'RELR' for a DT_RELR entry. */
  type: string;
  /** The name of the symbol the relocation names, or undefined for symbol-less types. */
  symbol?: string;
  /** The version the reference asks for (from .gnu.version_r), when it asks for one. */
  version?: string;
  /** The mapped address of the slot written. */
  slot: VirtAddr;
  /** The value written (8 bytes, little-endian). */
  value: bigint;
  /** Where the symbol was found: a module name, `trap` (undefined function), `weak-undefined` (0), or `self` for symbol-less types. */
  definedIn?: string;
}

/** A relocation whose value needs the CPU (an ifunc resolver): the process layer runs `resolver` and writes `slot`. */
export interface PendingIfunc {
  module: LoadedModule;
  /** R_X86_64_IRELATIVE, or the type of a symbol relocation that bound to an STT_GNU_IFUNC symbol. */
  type: string;
  symbol?: string;
  slot: VirtAddr;
  /** The resolver's mapped address: value = resolver() + addend. */
  resolver: VirtAddr;
  addend: bigint;
}

/** An undefined function bound to a trap address: calling it faults at `address` (never mapped). */
export interface UnresolvedSymbol {
  address: VirtAddr;
  name: string;
  /** The module whose relocation needed it. */
  neededBy: string;
}

export interface LoadedModule {
  /** Canonical path, as maps prints it. */
  path: string;
  /** DT_SONAME, or the file's basename. */
  name: string;
  /** The name the module was asked for (the DT_NEEDED string, or the path given). */
  requestedAs: string;
  /** Mapped address of link-time address 0 (ld.so's l_addr). */
  base: VirtAddr;
  /** The whole span, [mapStart, mapEnd) (l_map_start, l_map_end). */
  mapStart: VirtAddr;
  mapEnd: VirtAddr;
  elf: ElfFile;
  /** The open file its segments map (one per load, as ld.so's fd). */
  file: OpenFile;
  dynamicSymbols: ElfSymbol[];
  /** `.symtab` symbols when the file is not stripped. */
  symtab?: ElfSymbol[];
  tls?: TlsInfo;
  /** DT_INIT, then DT_INIT_ARRAY entries (mapped addresses, read after relocation), in the order ld.so calls them. */
  initFunctions: VirtAddr[];
  /** DT_FINI_ARRAY entries in reverse, then DT_FINI (the order ld.so calls them). */
  finiFunctions: VirtAddr[];
  relocations: AppliedRelocation[];
  /** Modules this one's DT_NEEDED entries resolved to, in order. */
  dependencies: LoadedModule[];
  /** The position in load order (0: the first loaded into this address space). */
  loadIndex: number;
}

export class LoadError extends Error {
  override name = 'LoadError';
}
