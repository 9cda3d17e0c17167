// parseElf: the whole file, checked. Dynamic things are read through PT_DYNAMIC and PT_LOAD translation (as
// ld.so does, so stripped files work); sections, .symtab and section notes through the section headers.
import * as C from './constants.ts';
import { parseDynamic } from './dynamic.ts';
import { ElfError, hexOf } from './errors.ts';
import { checkGnuHash, checkSysvHash, parseGnuHash, parseSysvHash } from './hash.ts';
import { parseHeader } from './header.ts';
import { parseNotes } from './notes.ts';
import { inLoadImage, mustTranslate, parseProgramHeaders } from './program-headers.ts';
import { Reader } from './reader.ts';
import { parseRela, parseRelr } from './relocations.ts';
import { parseSections } from './sections.ts';
import { parseSymbols } from './symbols.ts';
import type { DynamicInfo, ElfFile, ElfSymbol, HashTables, NoteGroup, ProgramHeader, Relocation, SectionHeader, VersionDefinition, VersionNeed } from './types.ts';
import { applyVersym, parseVerdef, parseVerneed } from './versions.ts';

/**
 * Parses and checks an ELF64 little-endian x86-64 file. Throws ElfError (and nothing else) for any defect.
 */
export function parseElf(bytes: Uint8Array, name = '<memory>'): ElfFile {
  try {
    return parse(bytes, name);
  } catch (err) {
    throw asElfError(err, name);
  }
}

function parse(bytes: Uint8Array, name: string): ElfFile {
  if (!(bytes instanceof Uint8Array)) throw new ElfError('input', typeof bytes, 'is not a Uint8Array', 0);
  const r = new Reader(bytes);
  const header = parseHeader(r);
  const programHeaders = parseProgramHeaders(r, header);
  const sections = parseSections(r, header);
  const loads = programHeaders.filter((p) => p.type === C.PT_LOAD);
  const one = (type: number) => programHeaders.find((p) => p.type === type);
  const dynamicSegment = one(C.PT_DYNAMIC);
  const interpSegment = one(C.PT_INTERP);
  const tls = one(C.PT_TLS);
  const relro = one(C.PT_GNU_RELRO);
  const gnuStack = one(C.PT_GNU_STACK);

  const checkInImage = (ph: ProgramHeader | undefined, what: string) => {
    if (ph && ph.memsz > 0 && !inLoadImage(loads, ph.vaddr, ph.memsz)) {
      // RELRO may span several PT_LOADs' images in principle; require it inside the overall span.
      const first = loads[0];
      const last = loads[loads.length - 1];
      const inSpan = first && last && ph.vaddr >= first.vaddr && ph.vaddr + ph.memsz <= last.vaddr + last.memsz;
      if (!(what === 'PT_GNU_RELRO' && inSpan)) {
        throw new ElfError(`phdr[${ph.index}].p_vaddr`, ph.vaddr, `(${what}, p_memsz ${hexOf(ph.memsz)}) is not inside any PT_LOAD`, ph.entryOffset + 16);
      }
    }
  };
  // glibc reads only PT_TLS's initialization image (.tdata, p_filesz bytes) from the mapping and zero-fills the
  // rest of each thread's block, so a .tbss reaching past the end of every PT_LOAD is legal.
  if (tls && tls.filesz > 0 && !inLoadImage(loads, tls.vaddr, tls.filesz)) {
    throw new ElfError(`phdr[${tls.index}].p_vaddr`, tls.vaddr, `(PT_TLS initialization image, p_filesz ${hexOf(tls.filesz)}) is not inside any PT_LOAD`, tls.entryOffset + 16);
  }
  checkInImage(relro, 'PT_GNU_RELRO');
  checkInImage(dynamicSegment, 'PT_DYNAMIC');

  let interp: string | undefined;
  if (interpSegment) {
    const { offset, filesz } = interpSegment;
    if (filesz === 0 || r.bytes[offset + filesz - 1] !== 0) {
      throw new ElfError(`phdr[${interpSegment.index}].p_filesz`, filesz, 'PT_INTERP does not end with a NUL', interpSegment.entryOffset + 32);
    }
    interp = r.cstring(`phdr[${interpSegment.index}].p_offset`, offset, offset + filesz);
  }

  let dynamic: DynamicInfo | undefined;
  let dynamicSymbols: ElfSymbol[] = [];
  let versionDefinitions: VersionDefinition[] = [];
  let versionNeeds: VersionNeed[] = [];
  const hashTables: HashTables = {};
  let rela: Relocation[] = [];
  let pltRela: Relocation[] = [];
  let relr: number[] = [];
  if (dynamicSegment) {
    const parsed = parseDynamic(r, dynamicSegment, loads);
    dynamic = parsed.info;
    const d = dynamic;
    const valueAt = (tag: number) => {
      const e = d.entries.find((x) => x.tag === tag);
      return e ? e.entryOffset + 8 : dynamicSegment.entryOffset;
    };
    if (d.hash !== undefined) hashTables.sysv = parseSysvHash(r, loads, d.hash, valueAt(C.DT_HASH));
    if (d.gnuHash !== undefined) hashTables.gnu = parseGnuHash(r, loads, d.gnuHash, valueAt(C.DT_GNU_HASH));
    if (d.symtab !== undefined) {
      const strtab = parsed.strtab!;
      let count: number;
      if (hashTables.sysv) {
        count = hashTables.sysv.nchain;
        if (hashTables.gnu && hashTables.gnu.symbolCount > count) {
          throw new ElfError('gnu_hash.buckets', hashTables.gnu.symbolCount, `imply more symbols than DT_HASH nchain ${count}`, hashTables.gnu.tableOffset);
        }
      } else if (hashTables.gnu) {
        count = hashTables.gnu.symbolCount;
      } else {
        throw new ElfError('DT_SYMTAB', d.symtab, 'is present but there is neither DT_GNU_HASH nor DT_HASH', valueAt(C.DT_SYMTAB));
      }
      const off = mustTranslate(r, loads, 'DT_SYMTAB', d.symtab, count * C.ELF64_SYM_SIZE, valueAt(C.DT_SYMTAB));
      dynamicSymbols = parseSymbols(r, 'dynsym', off, count, strtab, header.shnum);
      if (d.verdef !== undefined) versionDefinitions = parseVerdef(r, loads, d.verdef, d.verdefnum!, strtab, valueAt(C.DT_VERDEF));
      if (d.verneed !== undefined) versionNeeds = parseVerneed(r, loads, d.verneed, d.verneednum!, strtab, valueAt(C.DT_VERNEED));
      if (d.versym !== undefined) applyVersym(r, loads, d.versym, dynamicSymbols, versionDefinitions, versionNeeds, valueAt(C.DT_VERSYM));
      if (hashTables.gnu) checkGnuHash(hashTables.gnu, dynamicSymbols);
      if (hashTables.sysv) checkSysvHash(hashTables.sysv, dynamicSymbols);
    } else if (d.versym !== undefined || d.verdef !== undefined || d.verneed !== undefined) {
      throw new ElfError('DT_SYMTAB', 0, 'is missing but symbol versions are present', dynamicSegment.entryOffset);
    }
    const symbolCount = dynamicSymbols.length;
    if (d.rela !== undefined) rela = parseRela(r, loads, 'rela', d.rela, d.relasz!, symbolCount, valueAt(C.DT_RELA));
    if (d.jmprel !== undefined) pltRela = parseRela(r, loads, 'jmprel', d.jmprel, d.pltrelsz!, symbolCount, valueAt(C.DT_JMPREL));
    if (d.relr !== undefined) relr = parseRelr(r, loads, d.relr, d.relrsz!, valueAt(C.DT_RELR));
    const arrays: [number | undefined, number | undefined, string][] = [
      [d.initArray, d.initArraySize, 'DT_INIT_ARRAY'], [d.finiArray, d.finiArraySize, 'DT_FINI_ARRAY'],
      [d.preinitArray, d.preinitArraySize, 'DT_PREINIT_ARRAY'],
    ];
    for (const [addr, size, label] of arrays) {
      if (addr !== undefined && !inLoadImage(loads, addr, size ?? 0)) {
        throw new ElfError(label, addr, `(${hexOf(size ?? 0)} bytes) is not inside any PT_LOAD`, dynamicSegment.entryOffset);
      }
    }
  }

  // Notes in sound files never overlap, so together they fit in the file: a budget against many headers that
  // all point at the same large region.
  let noteBudget = r.size;
  const spend = (size: number, field: string, at: number) => {
    noteBudget -= size;
    if (noteBudget < 0) throw new ElfError(field, size, 'makes the notes add up to more than the file size (overlapping notes)', at);
  };
  const notes: NoteGroup[] = [];
  for (const ph of programHeaders) {
    if (ph.type !== C.PT_NOTE) continue;
    spend(ph.filesz, `phdr[${ph.index}].p_filesz`, ph.entryOffset + 32);
    notes.push({ source: 'segment', offset: ph.offset, size: ph.filesz, notes: parseNotes(r, `phdr[${ph.index}]`, ph.offset, ph.filesz, ph.align) });
  }
  const sectionNotes: NoteGroup[] = [];
  let symtab: ElfSymbol[] | undefined;
  noteBudget = r.size;
  for (const s of sections) {
    if (s.type === C.SHT_NOTE) {
      spend(s.size, `section[${s.index}].sh_size`, s.entryOffset + 32);
      sectionNotes.push({ source: 'section', sectionName: s.name, offset: s.offset, size: s.size, notes: parseNotes(r, `section[${s.index}] ${s.name}`, s.offset, s.size, s.addralign) });
    }
    if (s.type === C.SHT_SYMTAB && !symtab) symtab = parseSectionSymbols(r, s, sections, header.shnum, 'symtab');
  }

  return {
    name, bytes, header, programHeaders, loads, dynamicSegment, interpSegment, interp, tls, relro, gnuStack, sections,
    dynamic, dynamicSymbols, symtab, versionDefinitions, versionNeeds, hashTables, rela, pltRela, relr, notes, sectionNotes,
  };
}

function parseSectionSymbols(r: Reader, s: SectionHeader, sections: readonly SectionHeader[], shnum: number, label: string): ElfSymbol[] {
  const f = (name: string) => `section[${s.index}].${name}`;
  if (s.entsize !== C.ELF64_SYM_SIZE) throw new ElfError(f('sh_entsize'), s.entsize, `of ${s.name} is not ${C.ELF64_SYM_SIZE}`, s.entryOffset + 56);
  if (s.size % C.ELF64_SYM_SIZE !== 0) throw new ElfError(f('sh_size'), s.size, `of ${s.name} is not a multiple of ${C.ELF64_SYM_SIZE}`, s.entryOffset + 32);
  const str = sections[s.link]!;
  if (str.type !== C.SHT_STRTAB) throw new ElfError(f('sh_link'), s.link, `of ${s.name} names a section that is not SHT_STRTAB`, s.entryOffset + 40);
  return parseSymbols(r, label, s.offset, s.size / C.ELF64_SYM_SIZE, { offset: str.offset, size: str.size, label: str.name || `section ${str.index}` }, shnum);
}

/**
 * Only the file header, the program headers and PT_INTERP (what `readelf -l` needs): for printing segments of a
 * file whose other parts may be damaged. Throws ElfError only.
 */
export function parseProgramHeaderTable(bytes: Uint8Array, name = '<memory>'): Pick<ElfFile, 'header' | 'programHeaders' | 'interp'> {
  try {
    if (!(bytes instanceof Uint8Array)) throw new ElfError('input', typeof bytes, 'is not a Uint8Array', 0);
    const r = new Reader(bytes);
    const header = parseHeader(r);
    const programHeaders = parseProgramHeaders(r, header);
    const ip = programHeaders.find((p) => p.type === C.PT_INTERP);
    let interp: string | undefined;
    if (ip && ip.filesz > 0) interp = r.cstring(`phdr[${ip.index}].p_offset`, ip.offset, ip.offset + ip.filesz);
    return { header, programHeaders, interp };
  } catch (err) {
    throw asElfError(err, name);
  }
}

/** Names the file on an ElfError; anything else is a parser bug: wrapped as an ElfError (never let another kind escape), keeping the evidence. */
function asElfError(err: unknown, name: string): ElfError {
  if (err instanceof ElfError) {
    err.file = name;
    return err;
  }
  const e = new ElfError('parser', String(err instanceof Error ? err.message : err), 'internal error (please report)', 0);
  (e as { cause?: unknown }).cause = err;
  e.file = name;
  return e;
}
