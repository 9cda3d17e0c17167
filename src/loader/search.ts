// Finding a DT_NEEDED library the way ld.so's _dl_map_object does: a name with a slash is a path; else
// DT_RPATH (of the requester and its requesters, when the requester has no DT_RUNPATH), LD_LIBRARY_PATH,
// the requester's DT_RUNPATH, then the system directories. ld.so.cache is not consulted (on Debian it lists
// the same directories' libraries). A file of another ELF class is skipped, as open_verify does.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

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

/** True when `path` is a regular file that starts like an ELF64 object (ld.so skips other classes). */
export function isElf64File(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    const fd = openSync(path, 'r');
    try {
      const head = new Uint8Array(5);
      const n = readSync(fd, head, 0, 5, 0);
      return n === 5 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46 && head[4] === 2;
    } finally {
      closeSync(fd);
    }
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
