// Symbol tables (Elf64_Sym): .dynsym through DT_SYMTAB, .symtab through its section header.
import * as C from './constants.ts';
import { ElfError } from './errors.ts';
import { tableString, type Reader, type StringTable } from './reader.ts';
import type { ElfSymbol } from './types.ts';

/**
 * Reads `count` symbols at file offset `offset` (bounds already checked by the caller or checked here).
 * `label` names the table in messages (`dynsym`, `symtab`); `shnum` (when > 0) bounds st_shndx.
 */
export function parseSymbols(r: Reader, label: string, offset: number, count: number, strtab: StringTable, shnum: number): ElfSymbol[] {
  r.need(`${label} (${count} symbols)`, offset, count * C.ELF64_SYM_SIZE);
  const out: ElfSymbol[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const at = offset + i * C.ELF64_SYM_SIZE;
    const nameOff = r.u32x(at);
    const info = r.u8x(at + 4);
    const other = r.u8x(at + 5);
    const shndx = r.u16x(at + 6);
    const value = r.u64x(at + 8, () => `${label}[${i}].st_value`);
    const size = r.u64x(at + 16, () => `${label}[${i}].st_size`);
    if (shnum > 0 && shndx !== C.SHN_UNDEF && shndx < C.SHN_LORESERVE && shndx >= shnum) {
      throw new ElfError(`${label}[${i}].st_shndx`, shndx, `is not a section index (e_shnum ${shnum})`, at + 6);
    }
    if (shndx === C.SHN_XINDEX) throw new ElfError(`${label}[${i}].st_shndx`, shndx, 'is SHN_XINDEX, which is not supported', at + 6);
    const name = i === 0 && nameOff === 0 ? '' : tableString(r, strtab, nameOff, `${label}[${i}].st_name`, at);
    out[i] = {
      index: i,
      name,
      nameOffset: nameOff,
      value,
      size,
      type: info & 0xf,
      binding: info >> 4,
      visibility: other & 3,
      other,
      shndx,
      defined: shndx !== C.SHN_UNDEF,
      versionHidden: false,
    };
  }
  return out;
}
