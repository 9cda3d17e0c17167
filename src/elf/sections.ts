// Section headers (Elf64_Shdr) and their names from the section header string table.
import * as C from './constants.ts';
import { ElfError, hexOf } from './errors.ts';
import { isPowerOfTwo } from './program-headers.ts';
import { tableString, type Reader } from './reader.ts';
import type { ElfHeader, SectionHeader } from './types.ts';

export function parseSections(r: Reader, h: ElfHeader): SectionHeader[] {
  if (h.shoff === 0 || h.shnum === 0) return [];
  const out: SectionHeader[] = [];
  for (let i = 0; i < h.shnum; i++) {
    const at = h.shoff + i * C.ELF64_SHDR_SIZE;
    const f = (name: string) => `section[${i}].${name}`;
    const s: SectionHeader = {
      index: i,
      entryOffset: at,
      name: '',
      nameOffset: r.u32(f('sh_name'), at),
      type: r.u32(f('sh_type'), at + 4),
      flags: r.u64(f('sh_flags'), at + 8),
      addr: r.u64(f('sh_addr'), at + 16),
      offset: r.u64(f('sh_offset'), at + 24),
      size: r.u64(f('sh_size'), at + 32),
      link: r.u32(f('sh_link'), at + 40),
      info: r.u32(f('sh_info'), at + 44),
      addralign: r.u64(f('sh_addralign'), at + 48),
      entsize: r.u64(f('sh_entsize'), at + 56),
    };
    if (i === 0) {
      // Section 0 is all zeros except the extended-numbering fields.
      out.push(s);
      continue;
    }
    if (s.type !== C.SHT_NOBITS && s.type !== C.SHT_NULL && s.offset + s.size > r.size) {
      throw new ElfError(f('sh_offset'), s.offset, `+ sh_size ${hexOf(s.size)} extends past end of file (size ${hexOf(r.size)})`, at + 24);
    }
    if (s.link >= h.shnum) throw new ElfError(f('sh_link'), s.link, `is not a section index (e_shnum ${h.shnum})`, at + 40);
    if (s.addralign > 1 && !isPowerOfTwo(s.addralign)) throw new ElfError(f('sh_addralign'), s.addralign, 'is not a power of two', at + 48);
    out.push(s);
  }
  if (h.shstrndx !== 0) {
    const strtab = out[h.shstrndx]!;
    if (strtab.type !== C.SHT_STRTAB) {
      throw new ElfError('e_shstrndx', h.shstrndx, `names section ${h.shstrndx} of type ${hexOf(strtab.type)}, not SHT_STRTAB`, 62);
    }
    const table = { offset: strtab.offset, size: strtab.size, label: 'the section name string table' };
    for (const s of out) s.name = tableString(r, table, s.nameOffset, `section[${s.index}].sh_name`, s.entryOffset);
  }
  return out;
}
