// Relocation tables read through the dynamic section: DT_RELA (.rela.dyn), DT_JMPREL (.rela.plt), and DT_RELR
// (.relr.dyn) decoded to the addresses it relocates.
import * as C from './constants.ts';
import { ElfError, hexOf } from './errors.ts';
import { inLoadImage, mustTranslate } from './program-headers.ts';
import type { Reader } from './reader.ts';
import type { ProgramHeader, Relocation } from './types.ts';

/** Bytes a relocation of this type writes (for the in-image check). */
function width(type: number): number {
  switch (type) {
    case C.R_X86_64_NONE: return 0;
    case C.R_X86_64_PC32: case C.R_X86_64_GOT32: case C.R_X86_64_PLT32: case C.R_X86_64_GOTPCREL:
    case C.R_X86_64_32: case C.R_X86_64_32S: case C.R_X86_64_TLSGD: case C.R_X86_64_TLSLD: case C.R_X86_64_DTPOFF32:
    case C.R_X86_64_GOTTPOFF: case C.R_X86_64_TPOFF32: case C.R_X86_64_GOTPC32: case C.R_X86_64_SIZE32:
    case C.R_X86_64_GOTPC32_TLSDESC: case C.R_X86_64_GOTPCRELX: case C.R_X86_64_REX_GOTPCRELX:
      return 4;
    case C.R_X86_64_16: case C.R_X86_64_PC16: return 2;
    case C.R_X86_64_8: case C.R_X86_64_PC8: return 1;
    case C.R_X86_64_TLSDESC: return 16;
    case C.R_X86_64_TLSDESC_CALL: return 0;
    default: return 8;
  }
}

/** Reads `size / 24` Elf64_Rela entries at link-time address `vaddr`; `label` names the table in messages. */
export function parseRela(
  r: Reader, loads: readonly ProgramHeader[], label: string, vaddr: number, size: number, symbolCount: number, at: number,
): Relocation[] {
  const count = size / C.ELF64_RELA_SIZE;
  if (count === 0) return [];
  const base = mustTranslate(r, loads, label, vaddr, size, at);
  const out: Relocation[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const e = base + i * C.ELF64_RELA_SIZE;
    const f = (name: string) => `${label}[${i}].${name}`;
    const offset = r.u64x(e, () => f('r_offset'));
    const type = r.u32x(e + 8);
    const symbolIndex = r.u32x(e + 12);
    const addend = r.i64x(e + 16, () => f('r_addend'));
    if (!C.relocationTypeNames.has(type) || type === 39 || type === 40) {
      throw new ElfError(f('r_info (type)'), type, 'is not a known R_X86_64_* relocation type', e + 8);
    }
    if (symbolIndex >= symbolCount && symbolIndex !== 0) {
      throw new ElfError(f('r_info (symbol)'), symbolIndex, `is not below the dynamic symbol count ${symbolCount}`, e + 12);
    }
    if (!inLoadImage(loads, offset, width(type))) {
      throw new ElfError(f('r_offset'), offset, `(${C.relocationTypeName(type)}) is not inside any PT_LOAD`, e);
    }
    out[i] = { entryOffset: e, offset, type, symbolIndex, addend };
  }
  return out;
}

/**
 * Decodes DT_RELR: an even entry is an address (relocate it, then continue after it); an odd entry is a bitmap
 * of the next 63 words. Returns every relocated address in order.
 */
export function parseRelr(r: Reader, loads: readonly ProgramHeader[], vaddr: number, size: number, at: number): number[] {
  const count = size / 8;
  if (count === 0) return [];
  const base = mustTranslate(r, loads, 'DT_RELR', vaddr, size, at);
  const out: number[] = [];
  let where = -1;
  for (let i = 0; i < count; i++) {
    const e = base + i * 8;
    const lo = r.u32x(e);
    const hi = r.u32x(e + 4);
    if ((lo & 1) === 0) {
      const addr = r.u64x(e, () => `relr[${i}]`);
      // Linkers emit addresses in ascending order; this also bounds the output by the image size.
      if (addr < where) throw new ElfError(`relr[${i}]`, addr, `is below the previous entry's end ${hexOf(where)}`, e);
      if (!inLoadImage(loads, addr, 8)) throw new ElfError(`relr[${i}]`, addr, 'is not inside any PT_LOAD', e);
      out.push(addr);
      where = addr + 8;
      continue;
    }
    if (where < 0) throw new ElfError(`relr[${i}]`, r.bigU64(`relr[${i}]`, e), 'is a bitmap but no address entry precedes it', e);
    // Bits 1..63 of the entry: bit k+1 set means relocate where + 8k.
    for (let k = 0; k < 63; k++) {
      const bit = k + 1;
      const set = bit < 32 ? (lo >>> bit) & 1 : (hi >>> (bit - 32)) & 1;
      if (!set) continue;
      const addr = where + 8 * k;
      if (!inLoadImage(loads, addr, 8)) throw new ElfError(`relr[${i}]`, r.bigU64(`relr[${i}]`, e), `bit ${bit} names ${hexOf(addr)}, not inside any PT_LOAD`, e);
      out.push(addr);
    }
    where += 63 * 8;
  }
  return out;
}
