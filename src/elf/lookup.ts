// Symbol lookup by name (and version) through the file's own hash tables, with ld.so's matching rules.
import * as C from './constants.ts';
import { type HashProbe, hashChainMatches, isLookupCandidate } from './hash.ts';
import type { ElfFile, ElfSymbol, FileOffset, SectionHeader } from './types.ts';

export type { HashProbe } from './hash.ts';

/**
 * Every dynamic symbol named `name` that ld.so would accept as a definition, in hash-chain order
 * (DT_GNU_HASH when present, else DT_HASH). Versions are not filtered. `probe` (optional) is told each hash
 * word and symbol the walk reads, to the end of the chain.
 */
export function lookupCandidates(elf: ElfFile, name: string, probe?: HashProbe): ElfSymbol[] {
  return hashChainMatches(elf.hashTables.gnu, elf.hashTables.sysv, elf.dynamicSymbols, name, probe).filter(isLookupCandidate);
}

/**
 * The definition of `name` this file provides, first in hash-chain order that matches:
 * - with `version` (e.g. `GLIBC_2.2.5`): a symbol of that version (default or hidden), or, as ld.so's check_match
 *   allows, an unversioned one (versym index 0, or 1 when the file defines no versions) that is not hidden;
 * - without: the default definition (`name@@VER`) or an unversioned one, as dlsym returns it.
 * `probe` (optional) is told what ld.so's do_lookup_x reads: the hash words and symbols up to the one it
 * returns (ld.so stops there), or the whole walk when nothing matches.
 */
export function lookupSymbol(elf: ElfFile, name: string, version?: string, probe?: HashProbe): ElfSymbol | undefined {
  if (!probe) return pickDefinition(elf, lookupCandidates(elf, name), version);
  const reads: (readonly [FileOffset, number] | number)[] = [];
  const found = pickDefinition(elf, lookupCandidates(elf, name, { word: (at, size) => reads.push([at, size]), symbol: (i) => reads.push(i) }), version);
  const last = found ? reads.indexOf(found.index) : reads.length - 1;
  for (const r of reads.slice(0, last + 1)) {
    if (typeof r === 'number') probe.symbol(r);
    else probe.word(r[0], r[1]);
  }
  return found;
}

function pickDefinition(elf: ElfFile, candidates: ElfSymbol[], version: string | undefined): ElfSymbol | undefined {
  if (elf.dynamic?.versym === undefined) return candidates[0];
  const baseDefined = elf.versionDefinitions.some((d) => d.index === C.VER_NDX_GLOBAL);
  const unversioned = (s: ElfSymbol) =>
    !s.versionHidden && (s.versionIndex === C.VER_NDX_LOCAL || (s.versionIndex === C.VER_NDX_GLOBAL && !baseDefined));
  if (version !== undefined) {
    return candidates.find((s) => (s.version === version && s.versionFile === undefined) || unversioned(s));
  }
  return candidates.find((s) => !s.versionHidden && (s.versionFile === undefined || s.version === undefined));
}

/** The first section header named `name` (e.g. `.text`), or undefined (also for files without section headers). */
export function findSection(elf: ElfFile, name: string): SectionHeader | undefined {
  return elf.sections.find((s) => s.name === name);
}

/** The GNU build ID (NT_GNU_BUILD_ID in a note named GNU) as lowercase hex, or undefined. */
export function buildId(elf: ElfFile): string | undefined {
  for (const group of [...elf.notes, ...elf.sectionNotes]) {
    for (const n of group.notes) {
      if (n.name === 'GNU' && n.type === C.NT_GNU_BUILD_ID) return [...n.desc].map((b) => b.toString(16).padStart(2, '0')).join('');
    }
  }
  return undefined;
}
