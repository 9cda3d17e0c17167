// The shapes parseElf returns. Every number is a JavaScript number: the parser rejects (ElfError) any
// 64-bit field that does not fit in 2^53, so a caller never meets a silently rounded value.

/** A position in the file, in bytes from its start. */
export type FileOffset = number;
/** An address as the link editor assigned it (p_vaddr, st_value, r_offset): add the load base to map it. */
export type LinkAddress = number;

export interface ElfHeader {
  /** e_ident[EI_CLASS]: 2 (ELFCLASS64) — anything else is an ElfError. */
  class: number;
  /** e_ident[EI_DATA]: 1 (ELFDATA2LSB). */
  data: number;
  /** e_ident[EI_VERSION]. */
  identVersion: number;
  /** e_ident[EI_OSABI] (0 SYSV, 3 GNU/Linux). */
  osabi: number;
  abiVersion: number;
  /** e_type: ET_DYN (3), ET_EXEC (2), ET_REL (1), ET_CORE (4). */
  type: number;
  /** e_machine: EM_X86_64 (62). */
  machine: number;
  version: number;
  entry: LinkAddress;
  phoff: FileOffset;
  shoff: FileOffset;
  flags: number;
  ehsize: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  /** The real count (e_shnum, or section 0's sh_size when e_shnum is 0 and e_shoff is not). */
  shnum: number;
  /** The real index (e_shstrndx, or section 0's sh_link when it is SHN_XINDEX). */
  shstrndx: number;
}

export interface ProgramHeader {
  /** Index in the program header table. */
  index: number;
  /** File offset of this entry in the table. */
  entryOffset: FileOffset;
  type: number;
  /** PF_X 1, PF_W 2, PF_R 4. */
  flags: number;
  offset: FileOffset;
  vaddr: LinkAddress;
  paddr: LinkAddress;
  filesz: number;
  memsz: number;
  align: number;
}

export interface SectionHeader {
  index: number;
  entryOffset: FileOffset;
  /** From .shstrtab ('' when there is no string table). */
  name: string;
  nameOffset: number;
  type: number;
  flags: number;
  addr: LinkAddress;
  offset: FileOffset;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface DynamicEntry {
  /** File offset of this entry. */
  entryOffset: FileOffset;
  tag: number;
  value: number;
}

/** The dynamic section, read through PT_DYNAMIC (as ld.so does), with the commonly used tags decoded. */
export interface DynamicInfo {
  /** Every entry up to and including DT_NULL (or the end of the segment). */
  entries: DynamicEntry[];
  /** Dynamic string table contents of DT_NEEDED, in order. */
  needed: string[];
  soname?: string;
  /** DT_RPATH / DT_RUNPATH strings as written (colon-separated, $ORIGIN unexpanded). */
  rpath?: string;
  runpath?: string;
  init?: LinkAddress;
  fini?: LinkAddress;
  initArray?: LinkAddress;
  initArraySize?: number;
  finiArray?: LinkAddress;
  finiArraySize?: number;
  preinitArray?: LinkAddress;
  preinitArraySize?: number;
  /** DT_FLAGS and DT_FLAGS_1 (0 when absent). */
  flags: number;
  flags1: number;
  /** DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW. */
  bindNow: boolean;
  /** DT_TEXTREL or DF_TEXTREL. */
  textrel: boolean;
  symtab?: LinkAddress;
  strtab?: LinkAddress;
  strsz?: number;
  syment?: number;
  hash?: LinkAddress;
  gnuHash?: LinkAddress;
  versym?: LinkAddress;
  verdef?: LinkAddress;
  verdefnum?: number;
  verneed?: LinkAddress;
  verneednum?: number;
  rela?: LinkAddress;
  relasz?: number;
  relaent?: number;
  relacount?: number;
  jmprel?: LinkAddress;
  pltrelsz?: number;
  pltrel?: number;
  pltgot?: LinkAddress;
  relr?: LinkAddress;
  relrsz?: number;
  relrent?: number;
  /** First value of a tag, undefined when absent. */
  get(tag: number): number | undefined;
}

export interface ElfSymbol {
  /** Index in its table. */
  index: number;
  name: string;
  /** st_name: offset of the name in the string table. */
  nameOffset: number;
  value: LinkAddress;
  size: number;
  /** STT_* (st_info & 0xf). */
  type: number;
  /** STB_* (st_info >> 4). */
  binding: number;
  /** STV_* (st_other & 3). */
  visibility: number;
  other: number;
  /** st_shndx: 0 SHN_UNDEF, 0xfff1 SHN_ABS, 0xfff2 SHN_COMMON, else a section index. */
  shndx: number;
  /** shndx !== SHN_UNDEF. */
  defined: boolean;
  /** The .gnu.version entry & 0x7fff (undefined when the file has no DT_VERSYM / .gnu.version). */
  versionIndex?: number;
  /** Version name: from verdef for a definition, from verneed for a reference; undefined for 0 (local) and 1 (global). */
  version?: string;
  /** Bit 15 of the .gnu.version entry: not the default version (readelf prints `name@VER`, not `@@`). */
  versionHidden: boolean;
  /** For a reference (verneed): the file that must provide the version. */
  versionFile?: string;
  /** The symbol that stands for a version definition itself (st_name is its vda_name; readelf prints no version). */
  namesVersion?: boolean;
}

export interface VersionDefinition {
  entryOffset: FileOffset;
  /** vd_ndx: the index .gnu.version entries use. */
  index: number;
  flags: number;
  hash: number;
  /** The first vda_name: the version's name. */
  name: string;
  /** Its offset in the dynamic string table. */
  nameOffset: number;
  /** The remaining vda_names (parents). */
  parents: string[];
}

export interface VersionNeed {
  entryOffset: FileOffset;
  /** vn_file. */
  file: string;
  entries: { entryOffset: FileOffset; hash: number; flags: number; other: number; name: string }[];
}

export interface Relocation {
  /** File offset of this relocation entry. */
  entryOffset: FileOffset;
  /** r_offset: the link-time address of the slot to patch. */
  offset: LinkAddress;
  /** ELF64_R_TYPE (R_X86_64_*). */
  type: number;
  /** ELF64_R_SYM: index into the dynamic symbol table (0: none). */
  symbolIndex: number;
  /** r_addend (signed). */
  addend: number;
}

export interface ElfNote {
  /** File offset of the note header. */
  entryOffset: FileOffset;
  name: string;
  type: number;
  /** The descriptor bytes (a view into the file). */
  desc: Uint8Array;
}

export interface NoteGroup {
  /** The PT_NOTE segment or SHT_NOTE section it came from. */
  source: 'segment' | 'section';
  /** Section name when from a section. */
  sectionName?: string;
  offset: FileOffset;
  size: number;
  notes: ElfNote[];
}

export interface GnuHashTable {
  nbuckets: number;
  symoffset: number;
  bloomSize: number;
  bloomShift: number;
  /** File offset of the table's header. */
  tableOffset: FileOffset;
  /** The bloom words as little-endian u32 pairs (lo, hi). */
  bloom: Uint32Array;
  buckets: Uint32Array;
  /** chains[i - symoffset] for symbol i. */
  chains: Uint32Array;
  /** Symbols the table implies (the end of the highest bucket's chain). */
  symbolCount: number;
}

export interface SysvHashTable {
  nbucket: number;
  /** The number of dynamic symbols. */
  nchain: number;
  tableOffset: FileOffset;
  buckets: Uint32Array;
  chains: Uint32Array;
}

export interface HashTables {
  /** DT_GNU_HASH, when present. */
  gnu?: GnuHashTable;
  /** DT_HASH, when present. */
  sysv?: SysvHashTable;
}

export interface ElfFile {
  /** The name given to parseElf (used in messages). */
  name: string;
  bytes: Uint8Array;
  header: ElfHeader;
  programHeaders: ProgramHeader[];
  /** PT_LOAD headers in table order. */
  loads: ProgramHeader[];
  dynamicSegment?: ProgramHeader;
  /** PT_INTERP header and the path it names (without the NUL). */
  interpSegment?: ProgramHeader;
  interp?: string;
  tls?: ProgramHeader;
  relro?: ProgramHeader;
  gnuStack?: ProgramHeader;
  /** Section headers (empty when e_shoff is 0 / e_shnum is 0). */
  sections: SectionHeader[];
  /** The dynamic section through PT_DYNAMIC; undefined when there is no PT_DYNAMIC. */
  dynamic?: DynamicInfo;
  /** Dynamic symbols through DT_SYMTAB, counted via the hash tables (or .dynsym's size); index 0 included. */
  dynamicSymbols: ElfSymbol[];
  /** .symtab symbols when the file has a .symtab section (not stripped); index 0 included. */
  symtab?: ElfSymbol[];
  versionDefinitions: VersionDefinition[];
  versionNeeds: VersionNeed[];
  hashTables: HashTables;
  /** DT_RELA entries (.rela.dyn). */
  rela: Relocation[];
  /** DT_JMPREL entries (.rela.plt). */
  pltRela: Relocation[];
  /** DT_RELR decoded: the link-time address of every word to relocate (base-relative), in order. */
  relr: LinkAddress[];
  /** Notes from PT_NOTE segments. */
  notes: NoteGroup[];
  /** Notes from SHT_NOTE sections. */
  sectionNotes: NoteGroup[];
}
