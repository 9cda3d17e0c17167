// What ld.so has loaded into an exec'ed process, read as gdb reads it: `_r_debug` (ld.so's export) → r_map, the
// chain of `struct link_map` { l_addr, l_name, l_ld, l_next, l_prev }, and each object's file parsed for symbols.
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { lookupSymbol, parseElf, PT_LOAD, type ElfFile } from '../elf/index.ts';
import type { AddressSpace } from '../mm/address-space.ts';
import { PAGE_SIZE, type VirtAddr } from '../mm/types.ts';

/** One `struct link_map` of the guest's chain. */
export interface LinkMapEntry {
  /** l_addr: the load bias (mapped address of link-time address 0). */
  base: VirtAddr;
  /** l_name as ld.so recorded it ("" for the program itself). */
  name: string;
  /** l_ld: the mapped dynamic section. */
  dynamic: VirtAddr;
  /** The entry's own address (the handle dlopen returns for it). */
  address: VirtAddr;
}

const R_MAP = 8, L_ADDR = 0, L_NAME = 8, L_LD = 16, L_NEXT = 24;
const MAX_OBJECTS = 4096;

/** The address of ld.so's `_r_debug`, given where ld.so is mapped (AT_BASE) and its path. */
export function rDebugAddress(interpreterBase: VirtAddr, interpreterPath: string): VirtAddr {
  const sym = lookupSymbol(elfOf(interpreterPath), '_r_debug');
  if (!sym) throw new Error(`${interpreterPath} exports no _r_debug`);
  return interpreterBase + Number(sym.value);
}

/** The guest's link map, in ld.so's order (the program, its dependencies, then what dlopen added). */
export function readLinkMap(space: AddressSpace, rDebug: VirtAddr): LinkMapEntry[] {
  const u64 = (va: VirtAddr): number => {
    const b = space.peek(va, 8);
    if (!b) throw new Error(`link map: unreadable word at 0x${va.toString(16)}`);
    return Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
  };
  const entries: LinkMapEntry[] = [];
  for (let lm = u64(rDebug + R_MAP); lm !== 0 && entries.length < MAX_OBJECTS; lm = u64(lm + L_NEXT)) {
    entries.push({ base: u64(lm + L_ADDR), name: cString(space, u64(lm + L_NAME)), dynamic: u64(lm + L_LD), address: lm });
  }
  return entries;
}

function cString(space: AddressSpace, va: VirtAddr): string {
  if (va === 0) return '';
  const bytes: number[] = [];
  for (let at = va; bytes.length < 4096; at++) {
    const b = space.peek(at, 1);
    if (!b || b[0] === 0) break;
    bytes.push(b[0]!);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Bytes from the base covered by the PT_LOAD segments, page-rounded. */
export function loadSpan(elf: ElfFile): number {
  let end = 0;
  for (const ph of elf.programHeaders) if (ph.type === PT_LOAD) end = Math.max(end, Number(ph.vaddr) + Number(ph.memsz));
  return Math.ceil(end / PAGE_SIZE) * PAGE_SIZE;
}

/** Parsed files by path, size and mtime: every process that maps libc parses it once. */
const parsed = new Map<string, ElfFile>();

/** The parsed ELF file at `path` (cached while the file is unchanged). */
export function elfOf(path: string): ElfFile {
  const st = statSync(path);
  const key = `${path}\0${st.size}\0${st.mtimeMs}`;
  let elf = parsed.get(key);
  if (!elf) {
    elf = parseElf(readFileSync(path), basename(path));
    parsed.set(key, elf);
  }
  return elf;
}
