// A process image for lockstep runs, independent of either engine: a library's PT_LOAD segments mapped and
// relocated against itself, a stack, a TCB with a canary and static TLS, argument buffers and sentinels.
import { readFileSync } from 'node:fs';
import { parseElf, PF_R, PF_W, PF_X, type ElfFile } from '../../src/elf/index.ts';
import { loadIntoFreshSpaces } from '../../src/loader/index.ts';

export const PAGE = 4096;
const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;

/** One 4 KiB page of the image with its protections (mmap's PROT_* bits). */
export interface ImagePage {
  va: number;
  prot: number;
  bytes: Uint8Array;
}

/** Where the pieces of the image live (fixed, so both engines and every report agree). */
export const LAYOUT = {
  base: 0x7f12_3400_0000,
  stackLow: 0x7ffc_0000_0000,
  stackSize: 0x10000,
  tcb: 0x7ffd_0000_1000,
  tlsArea: 0x7ffd_0000_0000,
  stubs: 0x7ffd_1000_0000,
  data: 0x7ffe_0000_0000,
  dataSize: 0x10000,
  /** The return address pushed for the call: unmapped, so reaching it ends the call. */
  returnSentinel: 0x7fff_dead_0000,
  /** GOT/PLT slots for symbols no loaded object defines point here (unmapped: a call faults on fetch). */
  unresolved: 0x7fff_bad0_0000,
  canary: 0x2f8e_33c1_0b7d_a500n,
} as const;

const R_X86_64_64 = 1, R_GLOB_DAT = 6, R_JUMP_SLOT = 7, R_RELATIVE = 8, R_DTPMOD64 = 16, R_DTPOFF64 = 17, R_TPOFF64 = 18;

/** Pages keyed by address, with little-endian helpers for building the image. */
export class Image {
  readonly pages = new Map<number, ImagePage>();

  map(start: number, end: number, prot: number): void {
    for (let va = Math.floor(start / PAGE) * PAGE; va < end; va += PAGE) {
      const page = this.pages.get(va);
      if (page) page.prot |= prot;
      else this.pages.set(va, { va, prot, bytes: new Uint8Array(PAGE) });
    }
  }

  protect(start: number, end: number, prot: number): void {
    for (let va = Math.floor(start / PAGE) * PAGE; va < end; va += PAGE) {
      const page = this.pages.get(va);
      if (page) page.prot = prot;
    }
  }

  write(va: number, bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) {
      const page = this.pages.get(Math.floor((va + i) / PAGE) * PAGE);
      if (!page) throw new Error(`image write to unmapped 0x${(va + i).toString(16)}`);
      page.bytes[(va + i) % PAGE] = bytes[i];
    }
  }

  write64(va: number, value: bigint | number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(value)), true);
    this.write(va, b);
  }

  read(va: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const page = this.pages.get(Math.floor((va + i) / PAGE) * PAGE);
      out[i] = page ? page.bytes[(va + i) % PAGE] : 0;
    }
    return out;
  }

  /** Pages in address order. */
  list(): ImagePage[] {
    return [...this.pages.values()].sort((a, b) => a.va - b.va);
  }
}

/** A library mapped into an Image: its base, symbols (mapped addresses) and which imports stayed unresolved. */
export interface MappedLibrary {
  path: string;
  elf: ElfFile;
  base: number;
  /** Exported (defined, global or weak, non-zero) function and object symbols → mapped address. */
  exports: Map<string, { address: number; type: number; size: number }>;
  /** Unresolved import slots: sentinel address → symbol name. */
  unresolved: Map<number, string>;
}

const elfProt = (flags: number): number =>
  (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) | (flags & PF_X ? PROT_EXEC : 0);

/**
 * Maps `path` as ld.so would for lockstep purposes: PT_LOAD segments at LAYOUT.base (file bytes, zeroed bss),
 * relocations applied against the library itself (RELATIVE, RELR, 64, GLOB_DAT, JUMP_SLOT, the TLS ones for
 * its own static TLS block), imports it does not define pointed at distinct unmapped sentinels, RELRO made
 * read-only. A `__tls_get_addr` import is served by a small real-code stub, executed by both engines alike.
 */
export function mapLibrary(image: Image, path: string): MappedLibrary {
  const bytes = new Uint8Array(readFileSync(path));
  const elf = parseElf(bytes, path);
  const base = LAYOUT.base;
  for (const seg of elf.loads) {
    image.map(base + seg.vaddr, base + seg.vaddr + seg.memsz, elfProt(seg.flags));
    image.write(base + seg.vaddr, bytes.subarray(seg.offset, seg.offset + seg.filesz));
  }

  // Static TLS (variant II): the block ends at the thread pointer.
  let tlsBlock = 0;
  if (elf.tls) {
    const align = Math.max(1, elf.tls.align);
    const size = Math.ceil(elf.tls.memsz / align) * align;
    tlsBlock = LAYOUT.tcb - size;
    image.write(tlsBlock, bytes.subarray(elf.tls.offset, elf.tls.offset + elf.tls.filesz));
  }
  const tp = LAYOUT.tcb;

  const exports = new Map<string, { address: number; type: number; size: number }>();
  for (const s of elf.dynamicSymbols) {
    if (s.defined && s.name && s.binding !== 0 && s.shndx !== 0xfff1 && s.type !== 6) exports.set(s.name, { address: base + s.value, type: s.type, size: s.size });
  }
  const unresolved = new Map<number, string>();
  let nextSentinel = LAYOUT.unresolved;
  const stubFor = new Map<string, number>();
  const importAddress = (name: string): number => {
    if (name === '__tls_get_addr' && tlsBlock) return tlsGetAddrStub(image, tlsBlock);
    let a = stubFor.get(name);
    if (a === undefined) {
      a = nextSentinel;
      nextSentinel += 0x10;
      stubFor.set(name, a);
      unresolved.set(a, name);
    }
    return a;
  };

  for (const r of [...elf.rela, ...elf.pltRela]) {
    const slot = base + r.offset;
    const sym = r.symbolIndex ? elf.dynamicSymbols[r.symbolIndex] : undefined;
    const own = sym && sym.defined && sym.type !== 6 ? base + sym.value : undefined;
    switch (r.type) {
      case R_RELATIVE:
        image.write64(slot, base + r.addend);
        break;
      case R_X86_64_64:
      case R_GLOB_DAT:
      case R_JUMP_SLOT: {
        // Weak undefined data references stay 0, as ld.so leaves them; functions get a faulting sentinel.
        const target = own ?? (sym && sym.binding === 2 ? 0 : importAddress(sym?.name ?? '?'));
        image.write64(slot, target === 0 ? 0 : target + (r.type === R_X86_64_64 ? r.addend : 0));
        break;
      }
      case R_DTPMOD64:
        image.write64(slot, 1);
        break;
      case R_DTPOFF64:
        image.write64(slot, (sym?.value ?? 0) + r.addend);
        break;
      case R_TPOFF64:
        image.write64(slot, BigInt((sym?.value ?? 0) + r.addend) - BigInt(tp - tlsBlock));
        break;
      default:
        throw new Error(`${path}: relocation type ${r.type} at 0x${r.offset.toString(16)} not handled by the lockstep mapper`);
    }
  }
  for (const a of elf.relr) {
    const old = new DataView(image.read(base + a, 8).buffer).getBigUint64(0, true);
    image.write64(base + a, old + BigInt(base));
  }
  if (elf.relro) {
    const start = Math.floor((base + elf.relro.vaddr) / PAGE) * PAGE;
    const end = Math.floor((base + elf.relro.vaddr + elf.relro.memsz) / PAGE) * PAGE;
    image.protect(start, end, PROT_READ);
  }
  return { path, elf, base, exports, unresolved };
}

/** `__tls_get_addr(ti)`: returns tlsBlock + ti->offset (module 1 is the only one). Real code, run by both engines. */
function tlsGetAddrStub(image: Image, tlsBlock: number): number {
  const at = LAYOUT.stubs;
  if (!image.pages.has(at)) {
    image.map(at, at + PAGE, PROT_READ | PROT_EXEC);
    const code = [0x48, 0xb8, ...le64(tlsBlock), 0x48, 0x03, 0x47, 0x08, 0xc3]; // movabs rax, block; add rax, [rdi+8]; ret
    image.write(at, code);
  }
  return at;
}

function le64(v: number): number[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return [...b];
}

/** Stack, TCB (self pointer and canary at fs:0x28), static TLS area and the argument data area. */
export function mapProcessAreas(image: Image): void {
  image.map(LAYOUT.stackLow, LAYOUT.stackLow + LAYOUT.stackSize, PROT_READ | PROT_WRITE);
  image.map(LAYOUT.tlsArea, LAYOUT.tcb + PAGE, PROT_READ | PROT_WRITE);
  image.write64(LAYOUT.tcb, LAYOUT.tcb);
  image.write64(LAYOUT.tcb + 0x28, LAYOUT.canary);
  image.map(LAYOUT.data, LAYOUT.data + LAYOUT.dataSize, PROT_READ | PROT_WRITE);
}

/** A bump allocator over the data area, for pointer arguments. */
export class ArgumentArea {
  private next: number = LAYOUT.data;
  constructor(private readonly image: Image) {}

  /** Places bytes (16-byte aligned) and returns their address. */
  put(bytes: ArrayLike<number>): number {
    const at = this.next;
    this.image.write(at, bytes);
    this.next = Math.ceil((at + Math.max(1, bytes.length)) / 16) * 16;
    if (this.next > LAYOUT.data + LAYOUT.dataSize) throw new Error('argument area full');
    return at;
  }

  string(s: string): number {
    return this.put([...Buffer.from(s, 'latin1'), 0]);
  }

  zeros(length: number): number {
    return this.put(new Uint8Array(length));
  }
}

/** Registers at the first instruction of a System V call: integer args in rdi, rsi, rdx, rcx, r8, r9, rsp%16 == 8. */
export function callRegisters(image: Image, args: (number | bigint)[]): { gpr: bigint[]; rip: number } {
  if (args.length > 6) throw new Error('more than six integer arguments');
  const rsp = LAYOUT.stackLow + LAYOUT.stackSize - 0x1000 - 8;
  image.write64(rsp, LAYOUT.returnSentinel);
  const gpr = new Array<bigint>(16).fill(0n);
  const order = [7, 6, 2, 1, 8, 9]; // rdi rsi rdx rcx r8 r9
  args.forEach((a, i) => (gpr[order[i]] = BigInt.asUintN(64, BigInt(a))));
  gpr[4] = BigInt(rsp);
  return { gpr, rip: 0 };
}

/**
 * The same job done by picemu's own loader (src/loader, with its DT_NEEDED dependencies and their
 * relocations): every page of every mapping of the loaded address space except its [stack] is copied, with
 * its protection, into the image, so both engines run exactly what picemu's loader produced.
 */
export function mapWithPicemuLoader(image: Image, path: string): MappedLibrary {
  const { spaces } = loadIntoFreshSpaces(path, { seed: null });
  const { space, result } = spaces[0];
  for (const vma of space.mappings()) {
    if (vma.growsDown) continue;
    for (let va = vma.start; va < vma.end; va += PAGE) {
      const bytes = space.peek(va, PAGE);
      if (!bytes) throw new Error(`${path}: picemu's loader maps 0x${va.toString(16)} but peek finds nothing there`);
      if (image.pages.has(va)) throw new Error(`${path}: picemu's loader mapped 0x${va.toString(16)}, which the lockstep layout uses`);
      image.map(va, va + PAGE, vma.prot);
      image.write(va, bytes);
    }
  }
  const root = result.root;
  const exports = new Map<string, { address: number; type: number; size: number }>();
  for (const sym of root.dynamicSymbols) {
    if (sym.defined && sym.name && sym.binding !== 0 && sym.shndx !== 0xfff1 && sym.type !== 6) exports.set(sym.name, { address: root.base + sym.value, type: sym.type, size: sym.size });
  }
  return { path, elf: root.elf, base: root.base, exports, unresolved: new Map() };
}
