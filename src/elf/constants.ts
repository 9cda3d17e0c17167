// ELF constants for x86-64 and the names binutils' readelf prints for them.

export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const EV_CURRENT = 1;
export const EM_X86_64 = 62;
export const ELFOSABI_SYSV = 0;
export const ELFOSABI_GNU = 3;
export const ELFOSABI_FREEBSD = 9;

export const ET_NONE = 0;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const ELF64_EHDR_SIZE = 64;
export const ELF64_PHDR_SIZE = 56;
export const ELF64_SHDR_SIZE = 64;
export const ELF64_SYM_SIZE = 24;
export const ELF64_RELA_SIZE = 24;
export const ELF64_DYN_SIZE = 16;

// p_type
export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_SHLIB = 5;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PT_GNU_EH_FRAME = 0x6474e550;
export const PT_GNU_STACK = 0x6474e551;
export const PT_GNU_RELRO = 0x6474e552;
export const PT_GNU_PROPERTY = 0x6474e553;
export const PT_GNU_SFRAME = 0x6474e554;
export const PT_LOOS = 0x60000000;
export const PT_HIOS = 0x6fffffff;
export const PT_LOPROC = 0x70000000;
export const PT_HIPROC = 0x7fffffff;
export const PT_GNU_MBIND_LO = 0x6474e555;
export const PT_GNU_MBIND_HI = 0x6474f554;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

/** readelf's names for p_type (get_segment_type, binutils 2.40, for a Linux x86-64 file). */
export const segmentTypeNames: ReadonlyMap<number, string> = new Map([
  [PT_NULL, 'NULL'],
  [PT_LOAD, 'LOAD'],
  [PT_DYNAMIC, 'DYNAMIC'],
  [PT_INTERP, 'INTERP'],
  [PT_NOTE, 'NOTE'],
  [PT_SHLIB, 'SHLIB'],
  [PT_PHDR, 'PHDR'],
  [PT_TLS, 'TLS'],
  [PT_GNU_EH_FRAME, 'GNU_EH_FRAME'],
  [PT_GNU_STACK, 'GNU_STACK'],
  [PT_GNU_RELRO, 'GNU_RELRO'],
  [PT_GNU_PROPERTY, 'GNU_PROPERTY'],
  [PT_GNU_SFRAME, 'GNU_SFRAME'],
  [0x65a3dbe6, 'OPENBSD_RANDOMIZE'],
  [0x65a3dbe7, 'OPENBSD_WXNEEDED'],
  [0x65a41be6, 'OPENBSD_BOOTDATA'],
]);

/** The p_type column as readelf prints it (before its %-14.14s). */
export function segmentTypeName(type: number): string {
  const known = segmentTypeNames.get(type);
  if (known) return known;
  if (type >= PT_GNU_MBIND_LO && type <= PT_GNU_MBIND_HI) return `GNU_MBIND+0x${(type - PT_GNU_MBIND_LO).toString(16)}`;
  if (type >= PT_LOPROC && type <= PT_HIPROC) return `LOPROC+${hashHex(type - PT_LOPROC)}`;
  if (type >= PT_LOOS && type <= PT_HIOS) return `LOOS+${hashHex(type - PT_LOOS)}`;
  return `<unknown>: ${type.toString(16)}`;
}

/** C's %#x: 0 prints as 0, others with 0x. */
export function hashHex(v: number): string {
  return v === 0 ? '0' : '0x' + v.toString(16);
}

// sh_type
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_HASH = 5;
export const SHT_DYNAMIC = 6;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_SHLIB = 10;
export const SHT_DYNSYM = 11;
export const SHT_INIT_ARRAY = 14;
export const SHT_FINI_ARRAY = 15;
export const SHT_PREINIT_ARRAY = 16;
export const SHT_GROUP = 17;
export const SHT_SYMTAB_SHNDX = 18;
export const SHT_RELR = 19;
export const SHT_GNU_ATTRIBUTES = 0x6ffffff5;
export const SHT_GNU_HASH = 0x6ffffff6;
export const SHT_GNU_LIBLIST = 0x6ffffff7;
export const SHT_GNU_VERDEF = 0x6ffffffd;
export const SHT_GNU_VERNEED = 0x6ffffffe;
export const SHT_GNU_VERSYM = 0x6fffffff;
export const SHT_X86_64_UNWIND = 0x70000001;

export const sectionTypeNames: ReadonlyMap<number, string> = new Map([
  [SHT_NULL, 'NULL'],
  [SHT_PROGBITS, 'PROGBITS'],
  [SHT_SYMTAB, 'SYMTAB'],
  [SHT_STRTAB, 'STRTAB'],
  [SHT_RELA, 'RELA'],
  [SHT_HASH, 'HASH'],
  [SHT_DYNAMIC, 'DYNAMIC'],
  [SHT_NOTE, 'NOTE'],
  [SHT_NOBITS, 'NOBITS'],
  [SHT_REL, 'REL'],
  [SHT_SHLIB, 'SHLIB'],
  [SHT_DYNSYM, 'DYNSYM'],
  [SHT_INIT_ARRAY, 'INIT_ARRAY'],
  [SHT_FINI_ARRAY, 'FINI_ARRAY'],
  [SHT_PREINIT_ARRAY, 'PREINIT_ARRAY'],
  [SHT_GROUP, 'GROUP'],
  [SHT_SYMTAB_SHNDX, 'SYMTAB SECTION INDICES'],
  [SHT_RELR, 'RELR'],
  [SHT_GNU_ATTRIBUTES, 'GNU_ATTRIBUTES'],
  [SHT_GNU_HASH, 'GNU_HASH'],
  [SHT_GNU_LIBLIST, 'GNU_LIBLIST'],
  [SHT_GNU_VERDEF, 'VERDEF'],
  [SHT_GNU_VERNEED, 'VERNEED'],
  [SHT_GNU_VERSYM, 'VERSYM'],
  [SHT_X86_64_UNWIND, 'X86_64_UNWIND'],
  [0x6fff4c00, 'LLVM_ODRTAB'],
  [0x6fff4c01, 'LLVM_LINKER_OPTIONS'],
  [0x6fff4c02, 'LLVM_CALL_GRAPH_PROFILE'],
  [0x6fff4c03, 'LLVM_ADDRSIG'],
  [0x6fff4c04, 'LLVM_DEPENDENT_LIBRARIES'],
  [0x6fff4c05, 'LLVM_SYMPART'],
  [0x6fff4c06, 'LLVM_PART_EHDR'],
  [0x6fff4c07, 'LLVM_PART_PHDR'],
  [0x6fff4c08, 'LLVM_BB_ADDR_MAP_V0'],
  [0x6fff4c09, 'LLVM_CALL_GRAPH_PROFILE'],
  [0x6fff4c0a, 'LLVM_BB_ADDR_MAP'],
  [0x6fff4c0b, 'LLVM_OFFLOADING'],
  [0x6fff4c0c, 'LLVM_LTO'],
]);

export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHF_MERGE = 0x10;
export const SHF_STRINGS = 0x20;
export const SHF_INFO_LINK = 0x40;
export const SHF_LINK_ORDER = 0x80;
export const SHF_OS_NONCONFORMING = 0x100;
export const SHF_GROUP = 0x200;
export const SHF_TLS = 0x400;
export const SHF_COMPRESSED = 0x800;
export const SHF_EXCLUDE = 0x80000000;
export const SHF_GNU_RETAIN = 0x200000;
export const SHF_GNU_MBIND = 0x01000000;
export const SHF_X86_64_LARGE = 0x10000000;

/** The Flg column of `readelf -SW` for an x86-64 file: one letter per set bit, lowest bit first. */
export function sectionFlagLetters(flags: number, osabi = ELFOSABI_GNU): string {
  const generic = new Map<number, string>([
    [SHF_WRITE, 'W'], [SHF_ALLOC, 'A'], [SHF_EXECINSTR, 'X'], [SHF_MERGE, 'M'], [SHF_STRINGS, 'S'], [SHF_INFO_LINK, 'I'],
    [SHF_LINK_ORDER, 'L'], [SHF_OS_NONCONFORMING, 'O'], [SHF_GROUP, 'G'], [SHF_TLS, 'T'], [SHF_COMPRESSED, 'C'], [SHF_EXCLUDE, 'E'],
  ]);
  const gnu = osabi === ELFOSABI_GNU || osabi === ELFOSABI_FREEBSD;
  let lo = flags % 2 ** 32;
  const hi = Math.floor(flags / 2 ** 32);
  let s = '';
  for (let b = 0; b < 32; b++) {
    const bit = 2 ** b;
    if (((lo >>> b) & 1) === 0) continue;
    const letter = generic.get(bit);
    if (letter) s += letter;
    else if (bit & 0x0ff00000) {
      if (gnu && bit === SHF_GNU_RETAIN) s += 'R';
      else if (osabi === ELFOSABI_GNU && bit === SHF_GNU_MBIND) s += 'D';
      else {
        s += 'o';
        lo = (lo & ~0x0ff00000) >>> 0; // 'o' stands for every remaining OS bit
      }
    } else if (bit >= 0x10000000) {
      if (bit === SHF_X86_64_LARGE) s += 'l';
      else {
        s += 'p';
        lo = (lo & ~0xf0000000) >>> 0; // as readelf: 'p' stands for every remaining processor bit
      }
    } else s += 'x';
  }
  for (let b = 0; b < 21; b++) if (Math.floor(hi / 2 ** b) % 2 === 1) s += 'x';
  return s;
}

// Special section indices
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

// Symbols
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const STB_GNU_UNIQUE = 10;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_COMMON = 5;
export const STT_TLS = 6;
export const STT_GNU_IFUNC = 10;
export const STV_DEFAULT = 0;
export const STV_INTERNAL = 1;
export const STV_HIDDEN = 2;
export const STV_PROTECTED = 3;

/** The Type column of `readelf -s` (readelf names IFUNC only in an ELFOSABI_GNU or FreeBSD file). */
export function symbolTypeName(type: number, osabi = ELFOSABI_GNU): string {
  const names = ['NOTYPE', 'OBJECT', 'FUNC', 'SECTION', 'FILE', 'COMMON', 'TLS'];
  if (type < names.length) return names[type]!;
  if (type === STT_GNU_IFUNC && (osabi === ELFOSABI_GNU || osabi === ELFOSABI_FREEBSD)) return 'IFUNC';
  if (type >= 13) return `<processor specific>: ${type}`;
  if (type >= 10) return `<OS specific>: ${type}`;
  return `<unknown>: ${type}`;
}

/** The Bind column of `readelf -s` (readelf names UNIQUE only in an ELFOSABI_GNU file). */
export function symbolBindingName(binding: number, osabi = ELFOSABI_GNU): string {
  const names = ['LOCAL', 'GLOBAL', 'WEAK'];
  if (binding < names.length) return names[binding]!;
  if (binding === STB_GNU_UNIQUE && osabi === ELFOSABI_GNU) return 'UNIQUE';
  if (binding >= 13) return `<processor specific>: ${binding}`;
  if (binding >= 10) return `<OS specific>: ${binding}`;
  return `<unknown>: ${binding}`;
}

/** The Vis column of `readelf -s`. */
export function symbolVisibilityName(visibility: number): string {
  return ['DEFAULT', 'INTERNAL', 'HIDDEN', 'PROTECTED'][visibility & 3]!;
}

// Versions
export const VER_NDX_LOCAL = 0;
export const VER_NDX_GLOBAL = 1;
export const VERSYM_HIDDEN = 0x8000;
export const VER_FLG_BASE = 1;
export const VER_FLG_WEAK = 2;

// Dynamic tags
export const DT_NULL = 0;
export const DT_NEEDED = 1;
export const DT_PLTRELSZ = 2;
export const DT_PLTGOT = 3;
export const DT_HASH = 4;
export const DT_STRTAB = 5;
export const DT_SYMTAB = 6;
export const DT_RELA = 7;
export const DT_RELASZ = 8;
export const DT_RELAENT = 9;
export const DT_STRSZ = 10;
export const DT_SYMENT = 11;
export const DT_INIT = 12;
export const DT_FINI = 13;
export const DT_SONAME = 14;
export const DT_RPATH = 15;
export const DT_SYMBOLIC = 16;
export const DT_REL = 17;
export const DT_RELSZ = 18;
export const DT_RELENT = 19;
export const DT_PLTREL = 20;
export const DT_DEBUG = 21;
export const DT_TEXTREL = 22;
export const DT_JMPREL = 23;
export const DT_BIND_NOW = 24;
export const DT_INIT_ARRAY = 25;
export const DT_FINI_ARRAY = 26;
export const DT_INIT_ARRAYSZ = 27;
export const DT_FINI_ARRAYSZ = 28;
export const DT_RUNPATH = 29;
export const DT_FLAGS = 30;
export const DT_PREINIT_ARRAY = 32;
export const DT_PREINIT_ARRAYSZ = 33;
export const DT_SYMTAB_SHNDX = 34;
export const DT_RELRSZ = 35;
export const DT_RELR = 36;
export const DT_RELRENT = 37;
export const DT_GNU_PRELINKED = 0x6ffffdf5;
export const DT_GNU_CONFLICTSZ = 0x6ffffdf6;
export const DT_GNU_LIBLISTSZ = 0x6ffffdf7;
export const DT_CHECKSUM = 0x6ffffdf8;
export const DT_PLTPADSZ = 0x6ffffdf9;
export const DT_MOVEENT = 0x6ffffdfa;
export const DT_MOVESZ = 0x6ffffdfb;
export const DT_FEATURE = 0x6ffffdfc;
export const DT_POSFLAG_1 = 0x6ffffdfd;
export const DT_SYMINSZ = 0x6ffffdfe;
export const DT_SYMINENT = 0x6ffffdff;
export const DT_GNU_HASH = 0x6ffffef5;
export const DT_TLSDESC_PLT = 0x6ffffef6;
export const DT_TLSDESC_GOT = 0x6ffffef7;
export const DT_GNU_CONFLICT = 0x6ffffef8;
export const DT_GNU_LIBLIST = 0x6ffffef9;
export const DT_CONFIG = 0x6ffffefa;
export const DT_DEPAUDIT = 0x6ffffefb;
export const DT_AUDIT = 0x6ffffefc;
export const DT_PLTPAD = 0x6ffffefd;
export const DT_MOVETAB = 0x6ffffefe;
export const DT_SYMINFO = 0x6ffffeff;
export const DT_VERSYM = 0x6ffffff0;
export const DT_RELACOUNT = 0x6ffffff9;
export const DT_RELCOUNT = 0x6ffffffa;
export const DT_FLAGS_1 = 0x6ffffffb;
export const DT_VERDEF = 0x6ffffffc;
export const DT_VERDEFNUM = 0x6ffffffd;
export const DT_VERNEED = 0x6ffffffe;
export const DT_VERNEEDNUM = 0x6fffffff;
export const DT_AUXILIARY = 0x7ffffffd;
export const DT_USED = 0x7ffffffe;
export const DT_FILTER = 0x7fffffff;

export const DF_ORIGIN = 0x1;
export const DF_SYMBOLIC = 0x2;
export const DF_TEXTREL = 0x4;
export const DF_BIND_NOW = 0x8;
export const DF_STATIC_TLS = 0x10;
export const DF_1_NOW = 0x1;
export const DF_1_NODELETE = 0x8;
export const DF_1_PIE = 0x08000000;

/** readelf's names for d_tag (get_dynamic_type). */
export const dynamicTagNames: ReadonlyMap<number, string> = new Map([
  [DT_NULL, 'NULL'], [DT_NEEDED, 'NEEDED'], [DT_PLTRELSZ, 'PLTRELSZ'], [DT_PLTGOT, 'PLTGOT'], [DT_HASH, 'HASH'],
  [DT_STRTAB, 'STRTAB'], [DT_SYMTAB, 'SYMTAB'], [DT_RELA, 'RELA'], [DT_RELASZ, 'RELASZ'], [DT_RELAENT, 'RELAENT'],
  [DT_STRSZ, 'STRSZ'], [DT_SYMENT, 'SYMENT'], [DT_INIT, 'INIT'], [DT_FINI, 'FINI'], [DT_SONAME, 'SONAME'],
  [DT_RPATH, 'RPATH'], [DT_SYMBOLIC, 'SYMBOLIC'], [DT_REL, 'REL'], [DT_RELSZ, 'RELSZ'], [DT_RELENT, 'RELENT'],
  [DT_PLTREL, 'PLTREL'], [DT_DEBUG, 'DEBUG'], [DT_TEXTREL, 'TEXTREL'], [DT_JMPREL, 'JMPREL'],
  [DT_BIND_NOW, 'BIND_NOW'], [DT_INIT_ARRAY, 'INIT_ARRAY'], [DT_FINI_ARRAY, 'FINI_ARRAY'],
  [DT_INIT_ARRAYSZ, 'INIT_ARRAYSZ'], [DT_FINI_ARRAYSZ, 'FINI_ARRAYSZ'], [DT_RUNPATH, 'RUNPATH'], [DT_FLAGS, 'FLAGS'],
  [DT_PREINIT_ARRAY, 'PREINIT_ARRAY'], [DT_PREINIT_ARRAYSZ, 'PREINIT_ARRAYSZ'], [DT_SYMTAB_SHNDX, 'SYMTAB_SHNDX'],
  [DT_RELRSZ, 'RELRSZ'], [DT_RELR, 'RELR'], [DT_RELRENT, 'RELRENT'],
  [DT_GNU_PRELINKED, 'GNU_PRELINKED'], [DT_GNU_CONFLICTSZ, 'GNU_CONFLICTSZ'], [DT_GNU_LIBLISTSZ, 'GNU_LIBLISTSZ'],
  [DT_CHECKSUM, 'CHECKSUM'], [DT_PLTPADSZ, 'PLTPADSZ'], [DT_MOVEENT, 'MOVEENT'], [DT_MOVESZ, 'MOVESZ'],
  [DT_FEATURE, 'FEATURE'], [DT_POSFLAG_1, 'POSFLAG_1'], [DT_SYMINSZ, 'SYMINSZ'], [DT_SYMINENT, 'SYMINENT'],
  [DT_GNU_HASH, 'GNU_HASH'], [DT_TLSDESC_PLT, 'TLSDESC_PLT'], [DT_TLSDESC_GOT, 'TLSDESC_GOT'],
  [DT_GNU_CONFLICT, 'GNU_CONFLICT'], [DT_GNU_LIBLIST, 'GNU_LIBLIST'], [DT_CONFIG, 'CONFIG'],
  [DT_DEPAUDIT, 'DEPAUDIT'], [DT_AUDIT, 'AUDIT'], [DT_PLTPAD, 'PLTPAD'], [DT_MOVETAB, 'MOVETAB'],
  [DT_SYMINFO, 'SYMINFO'], [DT_VERSYM, 'VERSYM'], [DT_RELACOUNT, 'RELACOUNT'], [DT_RELCOUNT, 'RELCOUNT'],
  [DT_FLAGS_1, 'FLAGS_1'], [DT_VERDEF, 'VERDEF'], [DT_VERDEFNUM, 'VERDEFNUM'], [DT_VERNEED, 'VERNEED'],
  [DT_VERNEEDNUM, 'VERNEEDNUM'], [DT_AUXILIARY, 'AUXILIARY'], [DT_USED, 'USED'], [DT_FILTER, 'FILTER'],
]);

export function dynamicTagName(tag: number): string {
  return dynamicTagNames.get(tag) ?? `0x${tag.toString(16)}`;
}

// Relocation types (R_X86_64_*)
export const R_X86_64_NONE = 0;
export const R_X86_64_64 = 1;
export const R_X86_64_PC32 = 2;
export const R_X86_64_GOT32 = 3;
export const R_X86_64_PLT32 = 4;
export const R_X86_64_COPY = 5;
export const R_X86_64_GLOB_DAT = 6;
export const R_X86_64_JUMP_SLOT = 7;
export const R_X86_64_RELATIVE = 8;
export const R_X86_64_GOTPCREL = 9;
export const R_X86_64_32 = 10;
export const R_X86_64_32S = 11;
export const R_X86_64_16 = 12;
export const R_X86_64_PC16 = 13;
export const R_X86_64_8 = 14;
export const R_X86_64_PC8 = 15;
export const R_X86_64_DTPMOD64 = 16;
export const R_X86_64_DTPOFF64 = 17;
export const R_X86_64_TPOFF64 = 18;
export const R_X86_64_TLSGD = 19;
export const R_X86_64_TLSLD = 20;
export const R_X86_64_DTPOFF32 = 21;
export const R_X86_64_GOTTPOFF = 22;
export const R_X86_64_TPOFF32 = 23;
export const R_X86_64_PC64 = 24;
export const R_X86_64_GOTOFF64 = 25;
export const R_X86_64_GOTPC32 = 26;
export const R_X86_64_GOT64 = 27;
export const R_X86_64_GOTPCREL64 = 28;
export const R_X86_64_GOTPC64 = 29;
export const R_X86_64_GOTPLT64 = 30;
export const R_X86_64_PLTOFF64 = 31;
export const R_X86_64_SIZE32 = 32;
export const R_X86_64_SIZE64 = 33;
export const R_X86_64_GOTPC32_TLSDESC = 34;
export const R_X86_64_TLSDESC_CALL = 35;
export const R_X86_64_TLSDESC = 36;
export const R_X86_64_IRELATIVE = 37;
export const R_X86_64_RELATIVE64 = 38;
export const R_X86_64_GOTPCRELX = 41;
export const R_X86_64_REX_GOTPCRELX = 42;

/** R_X86_64_* names by type, as readelf -r prints them. */
export const relocationTypeNames: ReadonlyMap<number, string> = new Map(
  ([
    'NONE', '64', 'PC32', 'GOT32', 'PLT32', 'COPY', 'GLOB_DAT', 'JUMP_SLOT', 'RELATIVE', 'GOTPCREL', '32', '32S', '16',
    'PC16', '8', 'PC8', 'DTPMOD64', 'DTPOFF64', 'TPOFF64', 'TLSGD', 'TLSLD', 'DTPOFF32', 'GOTTPOFF', 'TPOFF32', 'PC64',
    'GOTOFF64', 'GOTPC32', 'GOT64', 'GOTPCREL64', 'GOTPC64', 'GOTPLT64', 'PLTOFF64', 'SIZE32', 'SIZE64',
    'GOTPC32_TLSDESC', 'TLSDESC_CALL', 'TLSDESC', 'IRELATIVE', 'RELATIVE64', 'PC32_BND', 'PLT32_BND', 'GOTPCRELX',
    'REX_GOTPCRELX',
  ] as const).map((n, i) => [i, `R_X86_64_${n}`] as [number, string]),
);

export function relocationTypeName(type: number): string {
  return relocationTypeNames.get(type) ?? `unrecognized: ${type.toString(16)}`;
}

// Notes
export const NT_GNU_ABI_TAG = 1;
export const NT_GNU_HWCAP = 2;
export const NT_GNU_BUILD_ID = 3;
export const NT_GNU_GOLD_VERSION = 4;
export const NT_GNU_PROPERTY_TYPE_0 = 5;
