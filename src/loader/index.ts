// loader: ld.so's job for picemu — map like _dl_map_segments, find DT_NEEDED, bind symbols, relocate, RELRO.
export { Linker, type LinkerOptions, type LoadResult, type TlsRequest } from './linker.ts';
export { mapSegments, loadCommands, type LoadCommand, type MappedObject } from './map-segments.ts';
export { relocationTable, relocationName, type RelocationKind, type RelocationInputs, type SymbolBinding } from './relocation-table.ts';
export { findLibrary, searchDirectories, expandTokens, DEFAULT_SEARCH_DIRS, type Requester, type SearchOptions } from './search.ts';
export { TrapTable, TRAP_BASE } from './traps.ts';
export { loadIntoFreshSpaces, type FreshSpace, type FreshOptions } from './fresh.ts';
export { LoadError, type LoadedModule, type AppliedRelocation, type PendingIfunc, type UnresolvedSymbol, type TlsInfo, type LinkAddress } from './types.ts';
