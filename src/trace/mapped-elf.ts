// A mapped file's ELF headers, parsed once per cached file (null: not ELF, or does not parse): how traces name the
// modules behind file mappings they did not load themselves (exec'ed programs, the guest's own dlopen), and for the kernel's
// fault messages and the REPL's exec'ed programs.
import { closeSync, openSync, readSync } from 'node:fs';
import { parseElf } from '../elf/index.ts';
import type { ElfFile } from '../elf/types.ts';
import type { CachedFile } from '../mm/page-cache.ts';

const elfOf = new WeakMap<CachedFile, ElfFile | null>();
const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

export function elfOfFile(file: CachedFile): ElfFile | null {
  let elf = elfOf.get(file);
  if (elf === undefined) {
    elf = null;
    if (startsWithElfMagic(file)) {
      try {
        elf = parseElf(file.bytes());
      } catch {
        elf = null;
      }
    }
    elfOf.set(file, elf);
  }
  return elf;
}

/** The file's first bytes are ELF's magic (read from the host file, so a large data file is not read whole). */
function startsWithElfMagic(file: CachedFile): boolean {
  let head: Uint8Array;
  try {
    head = new Uint8Array(4);
    const fd = openSync(file.identity.path, 'r');
    try {
      readSync(fd, head, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    head = file.bytes().subarray(0, 4); // not a host file (the in-memory overlay): its bytes are in memory
  }
  return ELF_MAGIC.every((b, k) => head[k] === b);
}
