// Finding a DT_NEEDED library the way ld.so's _dl_map_object does: a name with a slash is a path; else
// DT_RPATH (of the requester and its requesters, when the requester has no DT_RUNPATH), LD_LIBRARY_PATH,
// the requester's DT_RUNPATH, then the system directories. ld.so.cache is not consulted (on Debian it lists
// the same directories' libraries). A file of another ELF class is skipped, as open_verify does.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { errnoNumber, strerror } from '../kernel/errno.ts';

/** Debian's x86-64 system directories, in ld.so's order, and /lib64 (where PT_INTERP points). */
export const DEFAULT_SEARCH_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64'];

/** What the search needs to know about the object that asked for a library. */
export interface Requester {
  /** The path the requester was opened by (its $ORIGIN is this path's directory). */
  openedAs: string;
  rpath?: string;
  runpath?: string;
  /** The object that loaded the requester (ld.so's l_loader chain, for DT_RPATH). */
  requestedBy?: Requester;
}

export interface SearchOptions {
  /** LD_LIBRARY_PATH entries. */
  libraryPath?: string[];
  /** Replaces DEFAULT_SEARCH_DIRS. */
  systemDirs?: string[];
}

/** Expands $ORIGIN / ${ORIGIN}, $LIB and $PLATFORM in one path list entry (as _dl_dst_substitute). */
export function expandTokens(entry: string, origin: string): string {
  return entry
    .replace(/\$(\{ORIGIN\}|ORIGIN)/g, origin)
    .replace(/\$(\{LIB\}|LIB)/g, 'lib/x86_64-linux-gnu')
    .replace(/\$(\{PLATFORM\}|PLATFORM)/g, 'x86_64');
}

function splitPath(list: string | undefined, origin: string): string[] {
  if (list === undefined) return [];
  // An empty entry means the current directory, as in ld.so.
  return list.split(':').map((e) => expandTokens(e, origin) || '.');
}

/** True when `path` is a regular file ld.so's open_verify accepts as far as the header's length, magic and class (it skips other classes). */
export function isElf64File(path: string): boolean {
  try {
    return statSync(path).isFile() && openVerifyError(path) === undefined;
  } catch {
    return false;
  }
}

/** The directories searched for `name` on behalf of `requester`, in order, each with the list it came from. */
export function searchDirectories(requester: Requester | undefined, options: SearchOptions = {}): { dir: string; from: string }[] {
  const out: { dir: string; from: string }[] = [];
  const origin = (r: Requester) => dirname(resolve(r.openedAs));
  if (requester && requester.runpath === undefined) {
    for (let r: Requester | undefined = requester; r; r = r.requestedBy) {
      // An object with DT_RUNPATH has no DT_RPATH as far as ld.so is concerned (get-dynamic-info.h).
      if (r.runpath !== undefined) continue;
      for (const dir of splitPath(r.rpath, origin(r))) out.push({ dir, from: 'RPATH' });
    }
  }
  for (const dir of options.libraryPath ?? []) out.push({ dir, from: 'LD_LIBRARY_PATH' });
  if (requester) for (const dir of splitPath(requester.runpath, origin(requester))) out.push({ dir, from: 'RUNPATH' });
  for (const dir of options.systemDirs ?? DEFAULT_SEARCH_DIRS) out.push({ dir, from: 'system' });
  return out;
}

/** The path ld.so would open for `name` (a DT_NEEDED string or a path), or undefined when it finds none. */
export function findLibrary(name: string, requester: Requester | undefined, options: SearchOptions = {}): string | undefined {
  if (name.includes('/')) {
    const path = requester ? expandTokens(name, dirname(resolve(requester.openedAs))) : name;
    const full = isAbsolute(path) ? path : resolve(path);
    return isElf64File(full) ? full : undefined;
  }
  for (const { dir } of searchDirectories(requester, options)) {
    const candidate = resolve(join(dir, name));
    if (isElf64File(candidate)) return candidate;
  }
  return undefined;
}

/** sizeof(Elf64_Ehdr): ld.so reads this much before it looks at the magic. */
const ELF64_EHDR_SIZE = 64;

/**
 * Why ld.so would refuse to open `path`, in dlerror's words after the "path: " (open_verify's order: open, read the
 * header, its length, the magic, the class); undefined when it is an ELF64 file.
 */
export function openVerifyError(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'ENOENT';
    return `cannot open shared object file: ${strerror(errnoNumber(code) ?? 2)}`;
  }
  try {
    const head = new Uint8Array(ELF64_EHDR_SIZE);
    let n: number;
    try {
      n = readSync(fd, head, 0, head.length, 0);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      return `cannot read file data: ${strerror(errnoNumber(code) ?? 5)}`;
    }
    if (n < ELF64_EHDR_SIZE) return 'file too short';
    if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return 'invalid ELF header';
    // A 64-bit ld.so names any other class ELFCLASS32.
    if (head[4] !== 2) return 'wrong ELF class: ELFCLASS32';
    return undefined;
  } finally {
    closeSync(fd);
  }
}

