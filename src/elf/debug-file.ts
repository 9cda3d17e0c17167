// A separate debug file (`objcopy --only-keep-debug`, Debian's /usr/lib/debug/.build-id/xx/….debug): only its
// sections matter — the build ID note and .symtab — since its program headers describe contents it does not hold.
import * as C from './constants.ts';
import { ElfError } from './errors.ts';
import { parseHeader } from './header.ts';
import { parseNotes } from './notes.ts';
import { Reader } from './reader.ts';
import { parseSections } from './sections.ts';
import { parseSymbols } from './symbols.ts';
import type { ElfSymbol, SectionHeader } from './types.ts';

export interface DebugFile {
  /** Hex of the NT_GNU_BUILD_ID note, when the file has one. */
  buildId?: string;
  /** .symtab, index 0 included (empty when the file has none). */
  symtab: ElfSymbol[];
  sections: SectionHeader[];
}

/** Parses the sections of a debug file. Throws ElfError (naming `name`) for any defect. */
export function parseDebugFile(bytes: Uint8Array, name: string): DebugFile {
  try {
    const r = new Reader(bytes);
    const header = parseHeader(r);
    const sections = parseSections(r, header);
    let buildId: string | undefined;
    let symtab: ElfSymbol[] = [];
    for (const s of sections) {
      if (s.type === C.SHT_NOTE && buildId === undefined) {
        const id = parseNotes(r, `section[${s.index}] ${s.name}`, s.offset, s.size, s.addralign).find((n) => n.name === 'GNU' && n.type === C.NT_GNU_BUILD_ID);
        if (id) buildId = [...id.desc].map((b) => b.toString(16).padStart(2, '0')).join('');
      }
      if (s.type === C.SHT_SYMTAB && symtab.length === 0) {
        if (s.entsize !== C.ELF64_SYM_SIZE) throw new ElfError(`section[${s.index}].sh_entsize`, s.entsize, `of ${s.name} is not ${C.ELF64_SYM_SIZE}`, s.entryOffset + 56);
        const str = sections[s.link];
        if (!str || str.type !== C.SHT_STRTAB) throw new ElfError(`section[${s.index}].sh_link`, s.link, `of ${s.name} names a section that is not SHT_STRTAB`, s.entryOffset + 40);
        symtab = parseSymbols(r, 'symtab', s.offset, Math.floor(s.size / C.ELF64_SYM_SIZE), { offset: str.offset, size: str.size, label: str.name }, header.shnum);
      }
    }
    return { ...(buildId !== undefined ? { buildId } : {}), symtab, sections };
  } catch (err) {
    if (err instanceof ElfError) {
      err.file = name;
      throw err;
    }
    const e = new ElfError('parser', String(err instanceof Error ? err.message : err), 'internal error (please report)', 0);
    e.file = name;
    throw e;
  }
}
