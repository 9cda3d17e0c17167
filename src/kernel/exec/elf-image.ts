// The parts of an ELF file exec reads, with the kernel's own checks (load_elf_binary / load_elf_interp):
// anything it refuses is ENOEXEC, as execve reports it.
import { ENOEXEC, EINVAL } from '../errno.ts';

export const ET_EXEC = 2, ET_DYN = 3;
export const PT_LOAD = 1, PT_INTERP = 3, PT_PHDR = 6, PT_GNU_STACK = 0x6474e551;
export const PF_X = 1, PF_W = 2, PF_R = 4;
const EM_X86_64 = 62;
const ELF_MIN_ALIGN = 4096;

export interface Phdr {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfImage {
  type: number;
  entry: number;
  phoff: number;
  phentsize: number;
  phnum: number;
  phdrs: Phdr[];
  /** PT_INTERP's path, when there is one. */
  interp?: string;
  /** PT_GNU_STACK with PF_X: the stack is executable. */
  execStack: boolean;
}

/** Reads the ELF header and program headers as the kernel does; -ENOEXEC (or -EINVAL) when it would refuse the file. */
export function readElfImage(bytes: Uint8Array): ElfImage | number {
  if (bytes.length < 64 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return -ENOEXEC;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // elf_check_arch: ELFCLASS64, little-endian, x86-64.
  if (bytes[4] !== 2 || bytes[5] !== 1) return -ENOEXEC;
  const type = v.getUint16(16, true);
  if (type !== ET_EXEC && type !== ET_DYN) return -ENOEXEC;
  if (v.getUint16(18, true) !== EM_X86_64) return -ENOEXEC;
  const entry = Number(v.getBigUint64(24, true));
  const phoffBig = v.getBigUint64(32, true);
  const phentsize = v.getUint16(54, true);
  const phnum = v.getUint16(56, true);
  // load_elf_phdrs: exact entry size, at least one, at most 64 KiB of headers, inside the file.
  if (phentsize !== 56 || phnum < 1 || phnum * 56 > 65536) return -ENOEXEC;
  if (phoffBig + BigInt(phnum * 56) > BigInt(bytes.length)) return -ENOEXEC;
  const phoff = Number(phoffBig);
  const phdrs: Phdr[] = [];
  for (let k = 0; k < phnum; k++) {
    const at = phoff + 56 * k;
    const n = (o: number) => Number(v.getBigUint64(at + o, true));
    phdrs.push({ type: v.getUint32(at, true), flags: v.getUint32(at + 4, true), offset: n(8), vaddr: n(16), filesz: n(32), memsz: n(40), align: n(48) });
  }
  let interp: string | undefined;
  let execStack = false;
  for (const p of phdrs) {
    if (p.type === PT_INTERP) {
      if (interp !== undefined) continue; // the kernel takes the first
      // A path of 2..PATH_MAX bytes, NUL-terminated, inside the file.
      if (p.filesz > 4096 || p.filesz < 2 || p.offset + p.filesz > bytes.length) return -ENOEXEC;
      const raw = bytes.subarray(p.offset, p.offset + p.filesz);
      if (raw[raw.length - 1] !== 0) return -ENOEXEC;
      interp = Buffer.from(raw.subarray(0, raw.indexOf(0))).toString('latin1');
    }
    if (p.type === PT_GNU_STACK) execStack = (p.flags & PF_X) !== 0;
  }
  for (const p of phdrs) {
    if (p.type !== PT_LOAD) continue;
    // The kernel's checks on a loadable segment: offset and address agree modulo the page, sizes sane, below TASK_SIZE.
    if ((p.vaddr - p.offset) % ELF_MIN_ALIGN !== 0) return -EINVAL;
    if (p.filesz > p.memsz || p.vaddr + p.memsz > 0x7ffffffff000) return -EINVAL;
  }
  return { type, entry, phoff, phentsize, phnum, phdrs, interp, execStack };
}

/** total_mapping_size: from the first PT_LOAD's page to the end of the last one. */
export function totalMappingSize(phdrs: readonly Phdr[]): number {
  const loads = phdrs.filter((p) => p.type === PT_LOAD);
  if (loads.length === 0) return 0;
  const first = loads[0]!, last = loads[loads.length - 1]!;
  return last.vaddr + last.memsz - pageStart(first.vaddr);
}

/** The largest p_align of the PT_LOADs that is a power of two (maximum_alignment). */
export function maximumAlignment(phdrs: readonly Phdr[]): number {
  let align = 0;
  for (const p of phdrs) {
    if (p.type !== PT_LOAD) continue;
    if (p.align > align && (p.align & (p.align - 1)) === 0 && p.align <= 2 ** 47) align = p.align;
  }
  return align > ELF_MIN_ALIGN ? align : 0;
}

export const pageStart = (v: number): number => v - (v % ELF_MIN_ALIGN);
export const pageOffset = (v: number): number => v % ELF_MIN_ALIGN;
export const pageAlign = (v: number): number => pageStart(v + ELF_MIN_ALIGN - 1);

/** PROT_* of a segment's PF_* flags. */
export function protOf(flags: number): number {
  return (flags & PF_R ? 1 : 0) | (flags & PF_W ? 2 : 0) | (flags & PF_X ? 4 : 0);
}
