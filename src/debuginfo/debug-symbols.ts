// Finds a stripped library's separate debug file the way gdb does — /usr/lib/debug/.build-id/xx/yyyy.debug, then
// /usr/lib/debug/<real path of the library> — and reads its .symtab, which names the local functions .dynsym lacks.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { buildId, parseDebugFile, type ElfFile, type ElfSymbol } from '../elf/index.ts';

/** Where Debian's -dbg and -dbgsym packages install debug files (gdb's `debug-file-directory`). */
export const DEBUG_DIRECTORY = '/usr/lib/debug';

export interface DebugSymbols {
  /** The debug file the symbols came from. */
  path: string;
  symtab: ElfSymbol[];
}

/** Where a debug file for `elf` (opened from elf.name) may be, in gdb's order. */
export function debugFileCandidates(elf: ElfFile, root = DEBUG_DIRECTORY): string[] {
  const out: string[] = [];
  const id = buildId(elf);
  if (id && id.length > 2) out.push(`${root}/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`);
  if (elf.name.startsWith('/')) {
    let real = elf.name;
    try {
      real = realpathSync(elf.name);
    } catch {
      // The file may be gone; its name is still a candidate.
    }
    out.push(`${root}${real}`, `${root}${real}.debug`);
  }
  return out;
}

const cache = new Map<string, DebugSymbols | null>();

/**
 * The .symtab of `elf`'s debug file, or undefined when there is none (or it belongs to another build: its build ID
 * differs, or it cannot be parsed — a wrong name is worse than the nearest export).
 */
export function findDebugSymbols(elf: ElfFile, root = DEBUG_DIRECTORY): DebugSymbols | undefined {
  const id = buildId(elf);
  const key = `${root}\0${id ?? elf.name}`;
  const known = cache.get(key);
  if (known !== undefined) return known ?? undefined;
  let found: DebugSymbols | null = null;
  for (const path of debugFileCandidates(elf, root)) {
    if (!existsSync(path)) continue;
    try {
      const debug = parseDebugFile(readFileSync(path), path);
      if (debug.buildId !== id || debug.symtab.length <= 1) continue;
      found = { path, symtab: debug.symtab };
      break;
    } catch {
      continue;
    }
  }
  cache.set(key, found);
  return found ?? undefined;
}
