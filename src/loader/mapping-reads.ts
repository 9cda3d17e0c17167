// What ld.so reads through a module's mapping while it loads it (not through read(2) on the file), repeated
// by the loader as normal reads through the address space so demand paging makes those pages present, as
// the kernel shows after a native dlopen: the r--p page holding .gnu.hash, .dynsym, .dynstr, .gnu.version*,
// .rela.dyn and .rela.plt is resident and shared. The loader still computes from the parsed file; these
// reads only page memory in (no write, no COW). Each page is read once per load.
import { DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME, type ElfFile, type ElfSymbol, vaddrToOffset } from '../elf/index.ts';
import { isLookupCandidate } from '../elf/hash.ts';
import type { HashProbe } from '../elf/lookup.ts';
import { type AddressSpace, PAGE_SIZE, PageFault, type VirtAddr } from '../mm/index.ts';
import type { LinkAddress, LoadedModule } from './types.ts';

const SYMENT = 24; // sizeof(Elf64_Sym)
const VERSYM_ENT = 2; // sizeof(Elf64_Half)

/** The pages one load has read (a Set of page numbers), and the reads themselves. */
export class MappingReads {
  private readonly pages = new Set<number>();
  constructor(private readonly space: AddressSpace) {}

  /** `length` bytes at mapped address `va`: each page not read yet in this load is read once. */
  read(va: VirtAddr, length: number): void {
    for (let page = Math.floor(va / PAGE_SIZE); page * PAGE_SIZE < va + Math.max(length, 1); page++) {
      if (this.pages.has(page)) continue;
      this.pages.add(page);
      try {
        this.space.translate(page * PAGE_SIZE, 'read');
      } catch (e) {
        // ld.so would die of the fault; picemu's loader reads only to page memory in and keeps its own errors.
        if (!(e instanceof PageFault)) throw e;
      }
    }
  }

  /** The reads of one module, addressed as ld.so addresses them (base + link-time address). */
  of(m: LoadedModule): ModuleReads {
    return new ModuleReads(this, m);
  }
}

export class ModuleReads {
  private readonly elf: ElfFile;
  constructor(
    private readonly reads: MappingReads,
    private readonly m: LoadedModule,
  ) {
    this.elf = m.elf;
  }

  /** `length` bytes at link-time address `addr`. */
  at(addr: LinkAddress, length: number): void {
    this.reads.read(this.m.base + addr, length);
  }

  /** `length` bytes at file offset `offset`, where a PT_LOAD maps it (nothing when none does). */
  atFileOffset(offset: number, length: number): void {
    const ph = this.elf.loads.find((p) => offset >= p.offset && offset + length <= p.offset + p.filesz);
    if (ph) this.at(ph.vaddr + offset - ph.offset, length);
  }

  /** A NUL-terminated string at `offset` in the dynamic string table (strcmp reads it to its end at most). */
  string(offset: number): void {
    const strtab = this.elf.dynamic?.strtab;
    if (strtab === undefined) return;
    const start = vaddrToOffset(this.elf.loads, strtab + offset, 1);
    if (start === undefined) return;
    let end = start;
    while (end < this.elf.bytes.length && this.elf.bytes[end] !== 0) end++;
    this.at(strtab + offset, end - start + 1);
  }

  /** Dynamic symbol `index`: its Elf64_Sym entry. */
  symbolEntry(index: number): void {
    const symtab = this.elf.dynamic?.symtab;
    if (symtab !== undefined) this.at(symtab + index * (this.elf.dynamic?.syment ?? SYMENT), SYMENT);
  }

  /** The DT_VERSYM entry of symbol `index` (l_versyms[index]). */
  versym(index: number): void {
    const versym = this.elf.dynamic?.versym;
    if (versym !== undefined) this.at(versym + index * VERSYM_ENT, VERSYM_ENT);
  }

  /**
   * What _dl_map_object_from_fd and dl_open_worker read once the object is mapped: the dynamic section
   * (elf_get_dynamic_info, up to DT_NULL), the DT_GNU_HASH or DT_HASH header (_dl_setup_hash), the DT_SONAME,
   * DT_RPATH/DT_RUNPATH and DT_NEEDED strings (name matching, search paths, _dl_map_object_deps), and the
   * program headers when a PT_LOAD holds them (l_phdr; glibc >= 2.35 walks them in _dl_find_object_update).
   */
  mapped(): void {
    const d = this.elf.dynamic;
    if (!d) return;
    for (const e of d.entries) this.atFileOffset(e.entryOffset, 16);
    const { gnu, sysv } = this.elf.hashTables;
    if (gnu) this.atFileOffset(gnu.tableOffset, 16);
    else if (sysv) this.atFileOffset(sysv.tableOffset, 8);
    for (const e of d.entries) {
      if (e.tag === DT_SONAME || e.tag === DT_RPATH || e.tag === DT_RUNPATH || e.tag === DT_NEEDED) this.string(e.value);
    }
    const h = this.elf.header;
    this.atFileOffset(h.phoff, h.phnum * h.phentsize);
  }

  /**
   * _dl_check_map_versions: every Elf64_Verneed record, its vn_file string and Elf64_Vernaux entries; the
   * needed version names it compares with the provider's (via `provider`); and every Elf64_Verdef record
   * with its first Elf64_Verdaux (to fill l_versions).
   */
  versions(provider: (file: string) => ModuleReads | undefined): void {
    const bytes = this.elf.bytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const u32 = (off: number) => (off + 4 <= bytes.length ? view.getUint32(off, true) : 0);
    for (const need of this.elf.versionNeeds) {
      this.atFileOffset(need.entryOffset, 16);
      this.string(u32(need.entryOffset + 4)); // vn_file
      const p = provider(need.file);
      for (const aux of need.entries) {
        this.atFileOffset(aux.entryOffset, 16);
        if (p) {
          this.string(u32(aux.entryOffset + 8)); // vna_name, compared in match_symbol
          p.versionDefinition(aux.hash, aux.name);
        }
      }
    }
    for (const def of this.elf.versionDefinitions) {
      this.atFileOffset(def.entryOffset, 20);
      this.atFileOffset(def.entryOffset + u32(def.entryOffset + 12), 8); // vd_aux
    }
  }

  /** match_symbol in the provider: its Elf64_Verdef records walked up to the one named `name`, comparing names whose hash matches. */
  private versionDefinition(hash: number, name: string): void {
    const bytes = this.elf.bytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const def of this.elf.versionDefinitions) {
      this.atFileOffset(def.entryOffset, 20);
      if (def.hash !== hash) continue;
      const auxAt = def.entryOffset + view.getUint32(def.entryOffset + 12, true);
      this.atFileOffset(auxAt, 8);
      this.string(def.nameOffset);
      if (def.name === name) return;
    }
  }

  /** Every entry of DT_RELR, DT_RELA and DT_JMPREL (ld.so processes each: RTLD_NOW). */
  relocationTables(): void {
    const d = this.elf.dynamic;
    if (!d) return;
    if (d.relr !== undefined && d.relrsz) this.at(d.relr, d.relrsz);
    if (d.rela !== undefined && d.relasz) this.at(d.rela, d.relasz);
    if (d.jmprel !== undefined && d.pltrelsz) this.at(d.jmprel, d.pltrelsz);
  }

  /** A relocation's symbol (elf_machine_rela, RESOLVE_MAP): its entry, its name and its DT_VERSYM entry. */
  reference(sym: ElfSymbol): void {
    this.symbolEntry(sym.index);
    this.string(sym.nameOffset);
    this.versym(sym.index);
  }

  /**
   * What do_lookup_x reads in this object while looking `name` up: the hash words (from the lookup's own
   * probe), and for each symbol it checks (check_match) the entry, then the name when the entry passes the
   * type checks, then the DT_VERSYM entry when the name matches.
   */
  lookupProbe(name: string): HashProbe {
    return {
      word: (offset, size) => this.atFileOffset(offset, size),
      symbol: (index) => {
        this.symbolEntry(index);
        const sym = this.elf.dynamicSymbols[index];
        if (!sym || !isLookupCandidate(sym)) return;
        this.string(sym.nameOffset);
        if (sym.name === name) this.versym(index);
      },
    };
  }
}
