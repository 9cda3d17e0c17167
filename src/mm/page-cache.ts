// The page cache: (file identity, page index) -> frame, loaded once from the file's bytes and shared by
// every address space that maps that file page. Also the kernel's notion of an open file (`OpenFile`,
// struct file), whose identity decides whether two adjacent file mappings may merge.
import { readFileSync, realpathSync, statSync, statfsSync } from 'node:fs';
import { PAGE_SIZE } from './types.ts';
import type { Frame, PhysicalMemory } from './physical.ts';

/** A device number as `/proc/PID/maps` prints it (`%02x:%02x`). */
export interface DeviceNumber {
  major: number;
  minor: number;
}

/** Which file a mapping shows: the canonical path, device and inode, as in the kernel's maps line. */
export interface FileIdentity {
  /** Canonical path (symlinks resolved), as the kernel prints it. */
  path: string;
  dev: DeviceNumber;
  inode: number;
  size: number;
  /** Modification time in ns: a file rewritten in place gets a new cache entry. */
  mtimeNs: bigint;
  /**
   * The file system's mmap placement aligns large mappings to 2 MiB (f_op->get_unmapped_area is
   * thp_get_unmapped_area: ext2/3/4, xfs). Absent: false.
   */
  thpAligned?: boolean;
}

/** statfs f_type of the file systems whose files get THP-aligned placement (ext2/3/4, xfs). */
const THP_ALIGNED_FS = new Set([0xef53, 0x58465342]);

/** Splits a glibc-encoded st_dev (as node's stat returns it) into major and minor. */
export function decodeDev(dev: bigint): DeviceNumber {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

/** The identity of the file at `path` now (stat of its canonical path). */
export function fileIdentityOf(path: string): FileIdentity {
  const canonical = realpathSync(path);
  const st = statSync(canonical, { bigint: true });
  if (!st.isFile()) throw new Error(`${path}: not a regular file`);
  const thpAligned = THP_ALIGNED_FS.has(Number(statfsSync(canonical).type));
  return { path: canonical, dev: decodeDev(st.dev), inode: Number(st.ino), size: Number(st.size), mtimeNs: st.mtimeNs, thpAligned };
}

function identityKey(id: FileIdentity): string {
  return `${id.dev.major}:${id.dev.minor}:${id.inode}:${id.size}:${id.mtimeNs}`;
}

/** A file as the page cache holds it (the kernel's inode + address_space). */
export class CachedFile {
  /** Page index -> frame, for the pages read so far. */
  readonly pages = new Map<number, Frame>();
  /** How many times each page was read from the file's bytes into a frame (stays at 1 with a working cache). */
  pagesRead = 0;
  private data: Uint8Array | undefined;

  constructor(
    readonly identity: FileIdentity,
    private readonly load: () => Uint8Array,
    /** Shared anonymous memory (shmem) shows as `/dev/zero (deleted)`; its pages start zero and are dirty-able. */
    readonly anonymous = false,
  ) {}

  get size(): number {
    return this.identity.size;
  }

  /** Pages that hold file bytes: ceil(size / 4096). A page at or past this index is beyond EOF (SIGBUS). */
  get pageCount(): number {
    return Math.ceil(this.identity.size / PAGE_SIZE);
  }

  /** The file's bytes (read once, when a page or a parser first needs them). */
  bytes(): Uint8Array {
    if (!this.data) this.data = this.load();
    return this.data;
  }

  /** Copies page `index` of the file into `into` (zero past EOF within the last partial page). */
  readPage(index: number, into: Uint8Array): void {
    if (this.anonymous) return;
    const data = this.bytes();
    const start = index * PAGE_SIZE;
    const end = Math.min(start + PAGE_SIZE, data.length);
    if (end > start) into.set(data.subarray(start, end));
  }
}

let nextOpenFileId = 1;

/** An open file description (the kernel's struct file): mappings merge only when they share one. */
export class OpenFile {
  readonly id = nextOpenFileId++;
  constructor(
    readonly inode: CachedFile,
    /** Opened for writing (O_RDWR): MAP_SHARED + PROT_WRITE needs it, as does VM_MAYWRITE on shared mappings. */
    readonly writable: boolean,
  ) {}

  get identity(): FileIdentity {
    return this.inode.identity;
  }
}

let nextShmemInode = 1;

/**
 * Which pages of a host file the page cache holds, what fault-around may map:
 * - `resident` (default): every page, as for the system's libraries on a live machine (read before by other
 *   processes), and as the checks against the kernel run (files read once before the native run);
 * - `read-around`: a cold cache; a fault on a page not held reads what do_sync_mmap_readahead reads (below), and
 *   only pages read so are held.
 * Shared anonymous memory (shmem) holds only the pages touched, in either mode.
 */
export type PageCacheResidency = 'resident' | 'read-around';

export interface PageCacheOptions {
  residency?: PageCacheResidency;
  /**
   * ra_pages, the readahead window in pages, for every file. Default: the host's `read_ahead_kb` / 4 of the
   * file's device (/sys/class/bdi/MAJ:MIN, what file_ra_state_init copies into each open file), else 32 (the
   * kernel's VM_READAHEAD_PAGES, 128 KiB).
   */
  readAroundPages?: number;
}

/** The VMA a faulting page belongs to, in file pages: [first, end), and whether it is executable (VM_EXEC). */
export interface FaultingMapping {
  first: number;
  end: number;
  exec: boolean;
}

/** VM_READAHEAD_PAGES: the readahead window when the device's is not visible (128 KiB). */
export const DEFAULT_READAHEAD_PAGES = 32;

/** The host's ra_pages for files on device `dev` (read_ahead_kb / 4), read once per device. */
export function hostReadAheadPages(dev: DeviceNumber): number {
  const key = `${dev.major}:${dev.minor}`;
  let pages = readAheadOf.get(key);
  if (pages === undefined) {
    pages = DEFAULT_READAHEAD_PAGES;
    try {
      const kb = Number(readFileSync(`/sys/class/bdi/${key}/read_ahead_kb`, 'utf8').trim());
      if (Number.isSafeInteger(kb) && kb >= 0) pages = Math.floor(kb / 4);
    } catch {
      // no such backing device (a virtual file system) or no sysfs: the default
    }
    readAheadOf.set(key, pages);
  }
  return pages;
}
const readAheadOf = new Map<string, number>();

/**
 * The file pages do_sync_mmap_readahead reads for a fault on page `index` (mm/filemap.c, as this kernel, 6.18,
 * does it): for an executable mapping from the page itself (exec_folio_order is 0 on x86) for ra_pages, clipped
 * to the VMA; otherwise the read-around window [index - ra_pages/2, + ra_pages). Both end at EOF.
 * Returns [first, end) in file pages.
 */
export function readAroundWindow(index: number, raPages: number, pageCount: number, mapping?: FaultingMapping): [number, number] {
  if (raPages <= 0) return [index, index + 1];
  if (mapping?.exec) {
    const first = Math.max(index, mapping.first);
    return [first, Math.min(first + raPages, mapping.end, pageCount)];
  }
  const first = Math.max(0, index - Math.floor(raPages / 2));
  return [first, Math.min(first + raPages, pageCount)];
}

export class PageCache {
  private readonly files = new Map<string, CachedFile>();
  /** Pages read from files into frames, over all files. */
  pagesRead = 0;
  readonly residency: PageCacheResidency;
  /** ra_pages for every file, when given (else the host's per device). */
  readonly readAroundPages: number | undefined;

  constructor(
    readonly physical: PhysicalMemory,
    options: PageCacheOptions = {},
  ) {
    this.residency = options.residency ?? 'resident';
    this.readAroundPages = options.readAroundPages;
  }

  /** Is page `index` of `file` in the page cache (so fault-around may map it without reading the file)? */
  isCached(file: CachedFile, index: number): boolean {
    if (index < 0 || index >= file.pageCount) return false;
    if (file.anonymous || this.residency === 'read-around') return file.pages.has(index);
    return true;
  }

  /** Opens the file at `path` (like open(2)): the cached inode if this file version is known, else a new one. */
  open(path: string, options: { writable?: boolean } = {}): OpenFile {
    const identity = fileIdentityOf(path);
    return new OpenFile(this.inodeFor(identity, () => readFileSync(identity.path)), options.writable ?? false);
  }

  /** Opens a file whose bytes the caller already holds (a loader that parsed it, or a test's synthetic file). */
  openBytes(identity: FileIdentity, bytes: Uint8Array, options: { writable?: boolean } = {}): OpenFile {
    if (bytes.length !== identity.size) throw new RangeError(`${identity.path}: ${bytes.length} bytes but size ${identity.size}`);
    return new OpenFile(this.inodeFor(identity, () => bytes), options.writable ?? false);
  }

  /** The cached inode for `identity`, if any address space opened this file version already. */
  lookup(identity: FileIdentity): CachedFile | undefined {
    return this.files.get(identityKey(identity));
  }

  /** Memory for a MAP_SHARED|MAP_ANONYMOUS mapping: an unlinked shmem file, shown as `/dev/zero (deleted)`. */
  sharedAnonymous(length: number): OpenFile {
    const size = Math.ceil(length / PAGE_SIZE) * PAGE_SIZE;
    const identity: FileIdentity = { path: '/dev/zero (deleted)', dev: { major: 0, minor: 1 }, inode: nextShmemInode++, size, mtimeNs: 0n };
    const inode = new CachedFile(identity, () => new Uint8Array(0), true);
    return new OpenFile(inode, true);
  }

  /** ra_pages of `file` (file_ra_state_init: its device's read_ahead_kb / 4). */
  readAheadPages(file: CachedFile): number {
    return this.readAroundPages ?? hostReadAheadPages(file.identity.dev);
  }

  /**
   * The frame holding page `index` of `file`, read from the file on first use. The caller checks EOF. With
   * `read-around` residency, a page fault (`mapping`: the faulting VMA) reads the readahead window with it.
   */
  frame(file: CachedFile, index: number, mapping?: FaultingMapping): Frame {
    const frame = file.pages.get(index);
    if (frame) return frame;
    if (this.residency === 'read-around' && !file.anonymous) {
      const [first, end] = readAroundWindow(index, this.readAheadPages(file), file.pageCount, mapping);
      for (let i = first; i < end; i++) if (!file.pages.has(i)) this.readIn(file, i);
    }
    return file.pages.get(index) ?? this.readIn(file, index);
  }

  /** A new page-cache frame holding page `index` of `file`. */
  private readIn(file: CachedFile, index: number): Frame {
    const frame = this.physical.allocate('file');
    file.readPage(index, frame.bytes);
    if (!file.anonymous) {
      file.pagesRead++;
      this.pagesRead++;
    }
    file.pages.set(index, frame);
    return frame;
  }

  /** Page `index` of `file` without creating a frame (for debugger reads): the cached frame or the file's bytes. */
  peek(file: CachedFile, index: number): Uint8Array {
    const frame = file.pages.get(index);
    if (frame) return frame.bytes;
    const page = new Uint8Array(PAGE_SIZE);
    file.readPage(index, page);
    return page;
  }

  /**
   * Drops the clean pages of `file` that no address space maps (like POSIX_FADV_DONTNEED over the file: a
   * dirty page is written back first, not dropped).
   */
  evictUnmapped(file: CachedFile): void {
    for (const [index, frame] of file.pages) {
      if (frame.mapCount === 0 && !frame.dirty) {
        file.pages.delete(index);
        this.physical.free(frame);
      }
    }
  }

  private inodeFor(identity: FileIdentity, load: () => Uint8Array): CachedFile {
    const key = identityKey(identity);
    let inode = this.files.get(key);
    if (!inode) {
      inode = new CachedFile(identity, load);
      this.files.set(key, inode);
    }
    return inode;
  }
}
