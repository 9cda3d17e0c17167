// Mapping an ET_DYN object's PT_LOAD segments exactly as glibc's _dl_map_segments (elf/dl-map-segments.h,
// glibc 2.36) does it, so the kernel ends up with the same VMAs:
//   1. one mapping of the whole span (first segment's protections, its file offset), placed by the kernel,
//      over-reserved and trimmed when p_align exceeds the page size (_dl_map_segment);
//   2. holes between segments (when a segment does not start where the previous one's file pages end)
//      mprotect'ed PROT_NONE, from the first segment's end to the last segment's start;
//   3. every later segment MAP_FIXED over it, page-granular, at trunc_page(p_offset);
//   4. the partial page after p_filesz zeroed by a write (mprotect'ed writable for it if need be), and
//      anonymous zero pages from there to round_page(p_vaddr + p_memsz).
import { type ElfFile, PF_R, PF_W, PF_X } from '../elf/index.ts';
import { type AddressSpace, MmError, type OpenFile, PAGE_SIZE, PageFault, pageAlignDown, pageAlignUp, PROT_EXEC, PROT_READ, PROT_WRITE, type VirtAddr } from '../mm/index.ts';
import { LoadError } from './types.ts';

/** glibc's struct loadcmd: one PT_LOAD, page-granular. Link-time addresses. */
export interface LoadCommand {
  mapStart: number;
  mapEnd: number;
  dataEnd: number;
  allocEnd: number;
  mapOff: number;
  prot: number;
  mapAlign: number;
}

export interface MappedObject {
  /** l_addr: mapped address of link-time address 0. */
  base: VirtAddr;
  mapStart: VirtAddr;
  mapEnd: VirtAddr;
  loadCommands: LoadCommand[];
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && Number.isInteger(Math.log2(n));
}

/** The load commands _dl_map_object_from_fd builds from the program headers. */
export function loadCommands(elf: ElfFile): { commands: LoadCommand[]; hasHoles: boolean } {
  const commands: LoadCommand[] = [];
  let hasHoles = false;
  let alignMax = 0;
  for (const ph of elf.loads) {
    if ((ph.vaddr - ph.offset) % PAGE_SIZE !== 0) {
      throw new LoadError(`${elf.name}: ELF load command address/offset not page-aligned`);
    }
    const c: LoadCommand = {
      mapStart: pageAlignDown(ph.vaddr),
      mapEnd: pageAlignUp(ph.vaddr + ph.filesz),
      dataEnd: ph.vaddr + ph.filesz,
      allocEnd: ph.vaddr + ph.memsz,
      mapOff: pageAlignDown(ph.offset),
      prot: (ph.flags & PF_R ? PROT_READ : 0) | (ph.flags & PF_W ? PROT_WRITE : 0) | (ph.flags & PF_X ? PROT_EXEC : 0),
      mapAlign: 0,
    };
    if (isPowerOfTwo(ph.align) && ph.align > alignMax) alignMax = ph.align;
    if (commands.length > 0 && commands[commands.length - 1].mapEnd !== c.mapStart) hasHoles = true;
    commands.push(c);
  }
  if (commands.length === 0) throw new LoadError(`${elf.name}: object file has no loadable segments`);
  for (const c of commands) c.mapAlign = alignMax;
  return { commands, hasHoles };
}

/** _dl_map_segment: the first mapping, covering the whole span; aligned to p_align when that exceeds a page. */
function mapFirst(space: AddressSpace, file: OpenFile, c: LoadCommand, mapLength: number): VirtAddr {
  if (c.mapAlign <= PAGE_SIZE) return space.mmap({ length: mapLength, prot: c.prot, file, offset: c.mapOff });
  const mapLen = mapLength >= c.mapAlign ? mapLength + c.mapAlign : 2 * c.mapAlign;
  const mapStart = space.mmap({ length: mapLen, prot: 0 });
  const aligned = Math.ceil(mapStart / c.mapAlign) * c.mapAlign;
  space.mmap({ addr: aligned, length: mapLength, prot: c.prot, file, offset: c.mapOff, fixed: true });
  if (aligned - mapStart > 0) space.munmap(mapStart, aligned - mapStart);
  const mapEnd = pageAlignUp(aligned + mapLength);
  if (mapStart + mapLen - mapEnd > 0) space.munmap(mapEnd, mapStart + mapLen - mapEnd);
  return aligned;
}

/** glibc's DL_MAP_SEGMENTS_ERROR_* strings, what dlerror shows after the object's name. */
const MAP_SEGMENT = 'failed to map segment from shared object';
const MPROTECT = 'cannot change memory protections';
const MAP_ZERO_FILL = 'cannot map zero-fill pages';

/**
 * Maps `elf` (opened as `file`) into `space` as _dl_map_segments does; returns where it went. A step the
 * kernel refuses (an MmError: ENOMEM past the memory limit, ...) or a fault while zeroing ends the load with
 * ld.so's message for that step, as a LoadError; what was mapped is unmapped.
 */
export function mapSegments(space: AddressSpace, elf: ElfFile, file: OpenFile): MappedObject {
  const { commands, hasHoles } = loadCommands(elf);
  const first = commands[0];
  const last = commands[commands.length - 1];
  const mapLength = last.allocEnd - first.mapStart;
  if (!(mapLength > 0)) throw new LoadError(`${elf.name}: PT_LOAD segments span no memory`);

  // 1. Reserve the span with the first segment's mapping (placed top-down by mmap).
  const mapStart = step(elf, MAP_SEGMENT, () => mapFirst(space, file, first, mapLength));
  try {
    mapRest(space, file, commands, hasHoles, mapStart - first.mapStart, elf);
  } catch (err) {
    // ld.so leaves a half-made mapping alone (l_map_start = l_map_end = 0); picemu takes it back.
    space.munmap(mapStart, pageAlignUp(mapLength));
    throw err;
  }
  return { base: mapStart - first.mapStart, mapStart, mapEnd: mapStart + mapLength, loadCommands: commands };
}

/** Runs one step of _dl_map_segments; an MmError or PageFault becomes ld.so's error for that step. */
function step<T>(elf: ElfFile, message: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof MmError || err instanceof PageFault) throw new LoadError(`${elf.name}: ${message} (${err.message})`);
    throw err;
  }
}

function mapRest(space: AddressSpace, file: OpenFile, commands: LoadCommand[], hasHoles: boolean, base: VirtAddr, elf: ElfFile): void {
  const first = commands[0];
  const last = commands[commands.length - 1];
  // 2. Holes: PROT_NONE over everything between the first segment and the last, to be mapped over.
  if (hasHoles) step(elf, MPROTECT, () => space.mprotect(base + first.mapEnd, last.mapStart - first.mapEnd, 0));

  commands.forEach((c, i) => {
    // 3. Later segments replace their part of the reservation.
    if (i > 0 && c.mapEnd > c.mapStart) {
      step(elf, MAP_SEGMENT, () => space.mmap({ addr: base + c.mapStart, length: c.mapEnd - c.mapStart, prot: c.prot, file, offset: c.mapOff, fixed: true }));
    }
    // 4. Zero the rest of the last file page, then anonymous pages for the remaining bss.
    if (c.allocEnd > c.dataEnd) {
      const zero = base + c.dataEnd;
      const zeroEnd = base + c.allocEnd;
      let zeroPage = pageAlignUp(zero);
      if (zeroEnd < zeroPage) zeroPage = zeroEnd;
      if (zeroPage > zero) {
        const page = pageAlignDown(zero);
        if (!(c.prot & PROT_WRITE)) step(elf, MPROTECT, () => space.mprotect(page, PAGE_SIZE, c.prot | PROT_WRITE));
        // ld.so's memset would die of a fault here (SIGBUS past the end of the file): refused instead.
        step(elf, MAP_ZERO_FILL, () => space.write(zero, new Uint8Array(zeroPage - zero)));
        if (!(c.prot & PROT_WRITE)) step(elf, MPROTECT, () => space.mprotect(page, PAGE_SIZE, c.prot));
      }
      if (zeroEnd > zeroPage) {
        step(elf, MAP_ZERO_FILL, () => space.mmap({ addr: zeroPage, length: zeroEnd - zeroPage, prot: c.prot, fixed: true }));
      }
    }
  });
}
