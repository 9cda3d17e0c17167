// The ELF file header (Elf64_Ehdr), checked as strictly as glibc's open_verify checks it.
import * as C from './constants.ts';
import { ElfError, hexOf } from './errors.ts';
import type { Reader } from './reader.ts';
import type { ElfHeader } from './types.ts';

const MAGIC = [0x7f, 0x45, 0x4c, 0x46];

export function parseHeader(r: Reader): ElfHeader {
  if (r.size < 4) throw new ElfError('file size', r.size, 'is too small for e_ident (ELF magic)', 0);
  for (let i = 0; i < 4; i++) {
    if (r.bytes[i] !== MAGIC[i]) {
      const got = (r.bytes[0]! << 24 | r.bytes[1]! << 16 | r.bytes[2]! << 8 | r.bytes[3]!) >>> 0;
      throw new ElfError('e_ident[EI_MAG]', got, 'is not the ELF magic 0x7f454c46', 0);
    }
  }
  if (r.size < C.ELF64_EHDR_SIZE) {
    throw new ElfError('file size', r.size, `is smaller than the ELF64 header (${hexOf(C.ELF64_EHDR_SIZE)} bytes)`, 0);
  }
  const cls = r.u8('e_ident[EI_CLASS]', 4);
  if (cls !== C.ELFCLASS64) throw new ElfError('e_ident[EI_CLASS]', cls, 'is not ELFCLASS64 (2)', 4);
  const data = r.u8('e_ident[EI_DATA]', 5);
  if (data !== C.ELFDATA2LSB) throw new ElfError('e_ident[EI_DATA]', data, 'is not ELFDATA2LSB (1)', 5);
  const identVersion = r.u8('e_ident[EI_VERSION]', 6);
  if (identVersion !== C.EV_CURRENT) throw new ElfError('e_ident[EI_VERSION]', identVersion, 'is not EV_CURRENT (1)', 6);
  const osabi = r.u8('e_ident[EI_OSABI]', 7);
  if (osabi !== 0 && osabi !== 3) throw new ElfError('e_ident[EI_OSABI]', osabi, 'is neither ELFOSABI_SYSV (0) nor ELFOSABI_GNU (3)', 7);
  const abiVersion = r.u8('e_ident[EI_ABIVERSION]', 8);
  if (osabi === 0 ? abiVersion !== 0 : abiVersion > 7) {
    throw new ElfError('e_ident[EI_ABIVERSION]', abiVersion, 'is not supported for this EI_OSABI', 8);
  }
  for (let i = 9; i < 16; i++) {
    const b = r.u8('e_ident[EI_PAD]', i);
    if (b !== 0) throw new ElfError('e_ident[EI_PAD]', b, 'is not zero', i);
  }
  const type = r.u16('e_type', 16);
  if (type < C.ET_REL || type > C.ET_CORE) throw new ElfError('e_type', type, 'is not ET_REL, ET_EXEC, ET_DYN or ET_CORE', 16);
  const machine = r.u16('e_machine', 18);
  if (machine !== C.EM_X86_64) throw new ElfError('e_machine', machine, 'is not EM_X86_64 (62)', 18);
  const version = r.u32('e_version', 20);
  if (version !== C.EV_CURRENT) throw new ElfError('e_version', version, 'is not EV_CURRENT (1)', 20);
  const entry = r.u64('e_entry', 24);
  const phoff = r.u64('e_phoff', 32);
  const shoff = r.u64('e_shoff', 40);
  const flags = r.u32('e_flags', 48);
  const ehsize = r.u16('e_ehsize', 52);
  if (ehsize !== C.ELF64_EHDR_SIZE) throw new ElfError('e_ehsize', ehsize, `is not ${C.ELF64_EHDR_SIZE}`, 52);
  const phentsize = r.u16('e_phentsize', 54);
  const phnumRaw = r.u16('e_phnum', 56);
  const shentsize = r.u16('e_shentsize', 58);
  const shnumRaw = r.u16('e_shnum', 60);
  const shstrndxRaw = r.u16('e_shstrndx', 62);

  if (phnumRaw !== 0 && phentsize !== C.ELF64_PHDR_SIZE) {
    throw new ElfError('e_phentsize', phentsize, `is not ${C.ELF64_PHDR_SIZE}`, 54);
  }
  if (phnumRaw !== 0 && phoff === 0) throw new ElfError('e_phoff', phoff, `is 0 but e_phnum is ${phnumRaw}`, 32);
  if (phoff > r.size) throw new ElfError('e_phoff', phoff, `points past end of file (size ${hexOf(r.size)})`, 32);
  if (shoff > r.size) throw new ElfError('e_shoff', shoff, `points past end of file (size ${hexOf(r.size)})`, 40);
  if (shoff !== 0 && shentsize !== C.ELF64_SHDR_SIZE) {
    throw new ElfError('e_shentsize', shentsize, `is not ${C.ELF64_SHDR_SIZE}`, 58);
  }

  // Extended numbering: section 0 holds the real counts when they do not fit in 16 bits.
  let shnum = shnumRaw;
  let shstrndx = shstrndxRaw;
  let phnum = phnumRaw;
  const needSection0 = shoff !== 0 && (shnumRaw === 0 || shstrndxRaw === C.SHN_XINDEX || phnumRaw === 0xffff);
  if (needSection0) {
    r.need('e_shoff', shoff, C.ELF64_SHDR_SIZE, 'section header 0 extends past end of file');
    if (shnumRaw === 0) shnum = r.u64('section[0].sh_size (e_shnum)', shoff + 32);
    if (shstrndxRaw === C.SHN_XINDEX) shstrndx = r.u32('section[0].sh_link (e_shstrndx)', shoff + 40);
    if (phnumRaw === 0xffff) phnum = r.u32('section[0].sh_info (e_phnum)', shoff + 44);
  } else if (phnumRaw === 0xffff) {
    throw new ElfError('e_phnum', phnumRaw, 'is PN_XNUM but there is no section header 0', 56);
  }
  if (shoff === 0 && shnumRaw !== 0) throw new ElfError('e_shnum', shnumRaw, 'is not 0 but e_shoff is 0', 60);
  if (phnum > 0 && !r.fits(phoff, phnum * C.ELF64_PHDR_SIZE)) {
    throw new ElfError('e_phoff', phoff, `+ e_phnum ${phnum} × ${C.ELF64_PHDR_SIZE} extends past end of file (size ${hexOf(r.size)})`, 32);
  }
  if (shoff !== 0 && !r.fits(shoff, shnum * C.ELF64_SHDR_SIZE)) {
    throw new ElfError('e_shoff', shoff, `+ e_shnum ${shnum} × ${C.ELF64_SHDR_SIZE} extends past end of file (size ${hexOf(r.size)})`, 40);
  }
  if (shnum === 0 ? shstrndx !== 0 : shstrndx >= shnum) {
    throw new ElfError('e_shstrndx', shstrndx, `is not a section index (e_shnum ${shnum})`, 62);
  }
  return {
    class: cls, data, identVersion, osabi, abiVersion, type, machine, version, entry, phoff, shoff, flags, ehsize,
    phentsize, phnum, shentsize, shnum, shstrndx,
  };
}
