// Program headers (Elf64_Phdr) and the checks ld.so and the kernel rely on.
import * as C from './constants.ts';
import { ElfError, hexOf } from './errors.ts';
import type { Reader } from './reader.ts';
import type { ElfHeader, ProgramHeader } from './types.ts';

/** The highest user-space address on x86-64 (47-bit): nothing may be placed at or above it. */
export const USER_SPACE_END = 0x8000_0000_0000;
const PAGE = 0x1000;

/** Types whose [p_offset, p_offset + p_filesz) must lie inside the file. */
const FILE_BACKED = new Set([C.PT_LOAD, C.PT_DYNAMIC, C.PT_INTERP, C.PT_NOTE, C.PT_PHDR, C.PT_TLS, C.PT_GNU_EH_FRAME, C.PT_GNU_PROPERTY]);
/** Types of which a file may have at most one. */
const UNIQUE = new Set([C.PT_DYNAMIC, C.PT_INTERP, C.PT_TLS, C.PT_GNU_RELRO, C.PT_PHDR, C.PT_GNU_STACK, C.PT_GNU_EH_FRAME]);

export function parseProgramHeaders(r: Reader, h: ElfHeader): ProgramHeader[] {
  const out: ProgramHeader[] = [];
  const seen = new Set<number>();
  let prevLoad: ProgramHeader | undefined;
  for (let i = 0; i < h.phnum; i++) {
    const at = h.phoff + i * C.ELF64_PHDR_SIZE;
    const f = (name: string) => `phdr[${i}].${name}`;
    const ph: ProgramHeader = {
      index: i,
      entryOffset: at,
      type: r.u32(f('p_type'), at),
      flags: r.u32(f('p_flags'), at + 4),
      offset: r.u64(f('p_offset'), at + 8),
      vaddr: r.u64(f('p_vaddr'), at + 16),
      paddr: r.u64(f('p_paddr'), at + 24),
      filesz: r.u64(f('p_filesz'), at + 32),
      memsz: r.u64(f('p_memsz'), at + 40),
      align: r.u64(f('p_align'), at + 48),
    };
    if (FILE_BACKED.has(ph.type) && ph.offset + ph.filesz > r.size) {
      throw new ElfError(f('p_offset'), ph.offset, `+ p_filesz ${hexOf(ph.filesz)} extends past end of file (size ${hexOf(r.size)})`, at + 8);
    }
    if (UNIQUE.has(ph.type)) {
      if (seen.has(ph.type)) throw new ElfError(f('p_type'), ph.type, `${C.segmentTypeName(ph.type)} appears more than once`, at);
      seen.add(ph.type);
    }
    if (ph.align !== 0 && !isPowerOfTwo(ph.align)) throw new ElfError(f('p_align'), ph.align, 'is not a power of two', at + 48);
    if (ph.type === C.PT_LOAD || ph.type === C.PT_TLS || ph.type === C.PT_GNU_RELRO || ph.type === C.PT_DYNAMIC) {
      if (ph.vaddr + ph.memsz > USER_SPACE_END) {
        throw new ElfError(f('p_vaddr'), ph.vaddr, `+ p_memsz ${hexOf(ph.memsz)} is past the end of user space (${hexOf(USER_SPACE_END)})`, at + 16);
      }
    }
    if (ph.type === C.PT_LOAD || ph.type === C.PT_TLS) {
      if (ph.filesz > ph.memsz) throw new ElfError(f('p_filesz'), ph.filesz, `is larger than p_memsz ${hexOf(ph.memsz)}`, at + 32);
    }
    if (ph.type === C.PT_LOAD) {
      if (ph.align % PAGE !== 0) throw new ElfError(f('p_align'), ph.align, 'of a PT_LOAD is not a multiple of the page size 0x1000', at + 48);
      if ((ph.vaddr - ph.offset) % PAGE !== 0) {
        throw new ElfError(f('p_vaddr'), ph.vaddr, `and p_offset ${hexOf(ph.offset)} differ by a non-multiple of the page size`, at + 16);
      }
      if (prevLoad && ph.vaddr < prevLoad.vaddr + prevLoad.memsz) {
        throw new ElfError(f('p_vaddr'), ph.vaddr, `overlaps or precedes the previous PT_LOAD (ends at ${hexOf(prevLoad.vaddr + prevLoad.memsz)})`, at + 16);
      }
      prevLoad = ph;
    }
    out.push(ph);
  }
  return out;
}

/**
 * The PT_LOAD whose range starts at or below `vaddr` and is nearest (binary search: parseProgramHeaders has
 * checked that PT_LOADs ascend and do not overlap), or undefined.
 */
function loadAtOrBelow(loads: readonly ProgramHeader[], vaddr: number): ProgramHeader | undefined {
  let lo = 0;
  let hi = loads.length - 1;
  let found: ProgramHeader | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const ph = loads[mid]!;
    if (ph.vaddr <= vaddr) {
      found = ph;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The file offset holding [vaddr, vaddr + length) according to the PT_LOAD headers, or undefined. */
export function vaddrToOffset(loads: readonly ProgramHeader[], vaddr: number, length: number): number | undefined {
  const ph = loadAtOrBelow(loads, vaddr);
  if (ph && vaddr + length <= ph.vaddr + ph.filesz) return ph.offset + (vaddr - ph.vaddr);
  return undefined;
}

/** Like vaddrToOffset but an ElfError naming `field` (at file offset `at`) when the range is not file-backed. */
export function mustTranslate(r: Reader, loads: readonly ProgramHeader[], field: string, vaddr: number, length: number, at: number): number {
  const off = vaddrToOffset(loads, vaddr, length);
  if (off === undefined || !r.fits(off, length)) {
    throw new ElfError(field, vaddr, `(${hexOf(length)} bytes) is not inside the file-backed part of any PT_LOAD`, at);
  }
  return off;
}

/** True when [vaddr, vaddr + length) lies within some PT_LOAD's memory image. */
export function inLoadImage(loads: readonly ProgramHeader[], vaddr: number, length: number): boolean {
  const ph = loadAtOrBelow(loads, vaddr);
  return ph !== undefined && vaddr + length <= ph.vaddr + ph.memsz;
}

/** n is 2^k for some k ≥ 0 (exact for any safe integer). */
export function isPowerOfTwo(n: number): boolean {
  if (!(n > 0) || !Number.isSafeInteger(n)) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/**
 * The file-backed window of the PT_LOAD containing `vaddr`: the file offset of vaddr and the file offset where
 * that PT_LOAD's bytes end. An ElfError naming `field` when vaddr is in no PT_LOAD's file-backed part.
 */
export function fileWindow(r: Reader, loads: readonly ProgramHeader[], field: string, vaddr: number, at: number): { offset: number; end: number } {
  const ph = loadAtOrBelow(loads, vaddr);
  if (ph && vaddr < ph.vaddr + ph.filesz) return { offset: ph.offset + (vaddr - ph.vaddr), end: Math.min(ph.offset + ph.filesz, r.size) };
  throw new ElfError(field, vaddr, 'is not inside the file-backed part of any PT_LOAD', at);
}
