// src/elf: ELF64 little-endian x86-64 parsing. Pure functions over bytes; every defect is an ElfError.
export { ElfError, hexOf } from './errors.ts';
export { parseElf, parseProgramHeaderTable } from './parse.ts';
export { buildId, findSection, lookupCandidates, lookupSymbol } from './lookup.ts';
export { elfHash, gnuHash } from './hash.ts';
export { vaddrToOffset, USER_SPACE_END } from './program-headers.ts';
export { formatProgramHeaders, symbolDisplayName } from './format.ts';
export * from './constants.ts';
export type * from './types.ts';
export { parseDebugFile, type DebugFile } from './debug-file.ts';
