// The files users name on the command line: one line saying why a file cannot be used (no such file, is a
// directory, permission denied, not a regular file, not an ELF file, too short), and how `run`/`maps`/`repl`
// find a bare library name.
import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import { DEFAULT_SEARCH_DIRS, findLibrary } from '../index.ts';
import { fileErrorLine } from './file-errors.ts';

/** A file named on the command line cannot be used; the message is one line starting with its path. */
export class InputFileError extends Error {
  override name = 'InputFileError';
}

function kindOf(s: Stats): string {
  return s.isDirectory() ? 'is a directory' : s.isCharacterDevice() ? 'a character device' : s.isBlockDevice() ? 'a block device' : s.isFIFO() ? 'a pipe' : s.isSocket() ? 'a socket' : 'not a regular file';
}

/** The bytes of a regular file, or an InputFileError saying why not. */
export function readInputFile(path: string): Uint8Array {
  try {
    const s = statSync(path);
    if (s.isDirectory()) throw new InputFileError(`${path}: is a directory`);
    if (!s.isFile()) throw new InputFileError(`${path}: not a regular file (${kindOf(s)})`);
    return readFileSync(path);
  } catch (err) {
    if (err instanceof InputFileError) throw err;
    const line = fileErrorLine(err, path);
    if (line) throw new InputFileError(line);
    throw err;
  }
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
const ELF64_HEADER_SIZE = 64;

/** The bytes of a file that starts like an ELF64 object, or an InputFileError (what `file` would say, briefly). */
export function readElfInput(path: string): Uint8Array {
  const bytes = readInputFile(path);
  if (bytes.length === 0) throw new InputFileError(`${path}: not an ELF file (empty)`);
  const head = [...bytes.subarray(0, 4)];
  if (head.length < 4 || head.some((b, k) => b !== ELF_MAGIC[k])) {
    const shown = head.map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new InputFileError(`${path}: not an ELF file (starts with ${shown}, not 7f 45 4c 46)`);
  }
  if (bytes.length >= 5 && bytes[4] === 1) throw new InputFileError(`${path}: a 32-bit ELF file (ELFCLASS32): picemu runs ELF64 x86-64 objects`);
  if (bytes.length < ELF64_HEADER_SIZE) throw new InputFileError(`${path}: file too short (${bytes.length} bytes; an ELF64 header is ${ELF64_HEADER_SIZE})`);
  return bytes;
}

/** What `run`, `maps` and `repl` say in --help about LIB. */
export const LIBRARY_RULE =
  `LIB is a path when it contains a slash; a bare name (libz.so.1) is the file of that name in the current ` +
  `directory when there is one (dlopen would not look there), else the library found in ${DEFAULT_SEARCH_DIRS.join(', ')} (as dlopen searches them).`;

/**
 * The path to load for LIB (LIBRARY_RULE), checked to be a readable ELF64 file, or an InputFileError. A bare name
 * found on the search path is returned as given, so the loader names the module as ld.so would.
 */
export function resolveLibrary(name: string): string {
  if (name.includes('/')) {
    readElfInput(name);
    return name;
  }
  if (existsSync(name)) {
    readElfInput(name);
    return `./${name}`;
  }
  if (!findLibrary(name, undefined)) {
    throw new InputFileError(`${name}: no such file in the current directory, nor a library of that name in ${DEFAULT_SEARCH_DIRS.join(', ')}`);
  }
  return name;
}
