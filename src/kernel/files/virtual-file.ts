// Open files of virtual file systems: a file's content generated at open (read as a snapshot, size 0 in stat as
// procfs shows), and a directory listing.
import { DirectoryFile, FileDescription, type DirEntry, type FileStat, type ReadResult } from './file.ts';
import type { VirtualNode } from './virtual.ts';

export class VirtualFile extends FileDescription {
  constructor(
    path: string,
    flags: number,
    /** The snapshot taken at open, or a reader at an offset (pagemap). */
    private readonly content: Uint8Array | ((offset: number, length: number) => Uint8Array),
    private readonly st: FileStat,
  ) {
    super(path, flags);
  }
  override pread(length: number, offset: number): ReadResult {
    if (typeof this.content === 'function') return this.content(offset, length).slice();
    return this.content.slice(offset, offset + length);
  }
  override stat(): FileStat {
    return this.st;
  }
}

export class VirtualDirectory extends DirectoryFile {
  constructor(
    path: string,
    flags: number,
    private readonly list: () => string[],
    private readonly statOf: (node: VirtualNode) => FileStat,
    private readonly node: VirtualNode,
  ) {
    super(path, flags);
  }
  override entries(): DirEntry[] {
    return [{ name: '.', ino: 1n, type: 4 }, { name: '..', ino: 1n, type: 4 }, ...this.list().map((name, k) => ({ name, ino: BigInt(k + 2), type: 0 }))];
  }
  override stat(): FileStat {
    return this.statOf(this.node);
  }
}
