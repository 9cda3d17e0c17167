// The mappings of an address space at one moment (one generation of its VMA list): its VMAs as maps shows them
// and the ELF modules mapped then. A kept trace labels each step from the moment current at that step, so steps
// recorded before an munmap, mprotect or dlclose keep the module, symbol and VMA they had.
import type { ElfFile } from '../elf/types.ts';
import type { CachedFile } from '../mm/page-cache.ts';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, type VirtAddr } from '../mm/types.ts';
import type { Vma } from '../mm/vma.ts';
import type { Location, VmaInfo } from './events.ts';
import { elfOfFile } from './mapped-elf.ts';
import type { StepLocator } from './step-view.ts';
import { Symbolizer, type SymbolizableModule } from './symbolize.ts';

const PT_LOAD = 1;

/** What a moment is taken of: an address space (AddressSpace). */
export interface MappingSource {
  /** Moves whenever the VMAs change (AddressSpace.mapGeneration). */
  readonly mapGeneration: number;
  mappings(): readonly Readonly<Vma>[];
}

/** A VMA in maps terms (what a trace shows of it). */
export function vmaInfoOf(vma: Readonly<Vma>): VmaInfo {
  const p = vma.prot;
  const perms = `${p & PROT_READ ? 'r' : '-'}${p & PROT_WRITE ? 'w' : '-'}${p & PROT_EXEC ? 'x' : '-'}${vma.shared ? 's' : 'p'}`;
  return { start: vma.start, end: vma.end, perms, name: vma.file ? vma.file.identity.path : vma.name ?? '' };
}

export class MappingMoment {
  /** Symbolization against the modules mapped at this moment. */
  readonly symbolizer: Symbolizer;
  private readonly vmas: readonly VmaInfo[];

  constructor(
    readonly generation: number,
    vmas: readonly VmaInfo[],
    readonly modules: readonly SymbolizableModule[],
    /** The process's own list this moment was built from, and its length then (a push makes a new moment). */
    readonly known: readonly SymbolizableModule[],
    readonly knownLength: number,
  ) {
    this.vmas = vmas;
    this.symbolizer = new Symbolizer(() => modules);
  }

  /** The VMA holding va at this moment. */
  vmaAt(va: VirtAddr): VmaInfo | undefined {
    return findVma(this.vmas, va);
  }

  /** Module, offset, symbol, section, relocation and VMA of va at this moment (the VMA a fresh copy). */
  locate(va: VirtAddr): Location {
    const loc = this.symbolizer.locate(va);
    const vma = this.vmaAt(va);
    if (vma) loc.vma = { ...vma };
    return loc;
  }
}

// The moment last taken of each address space (reused while its generation and the module list stay the same).
const latest = new WeakMap<MappingSource, MappingMoment>();

/**
 * The mappings of `space` now, with `known` (the modules the process recorded, in its order: their names win)
 * kept where their file is still mapped at their base, and every other ELF file mapped from offset 0 added under
 * its file name (a library the guest itself dlopened). Cheap when nothing changed since the last call.
 */
export function mappingMoment(space: MappingSource, known: readonly SymbolizableModule[]): MappingMoment {
  const last = latest.get(space);
  if (last && last.generation === space.mapGeneration && last.known === known && last.knownLength === known.length) return last;
  const vmas = space.mappings();
  const moment = new MappingMoment(space.mapGeneration, vmas.map(vmaInfoOf), modulesMapped(vmas, known), known, known.length);
  latest.set(space, moment);
  return moment;
}

/** The known modules still mapped, then the ELF files mapped from offset 0 that no kept module covers. */
function modulesMapped(vmas: readonly Readonly<Vma>[], known: readonly SymbolizableModule[]): SymbolizableModule[] {
  const out: SymbolizableModule[] = [];
  for (const m of known) {
    const first = firstLoadPage(m.elf);
    const vma = first === undefined ? undefined : findVma(vmas, m.base + first);
    const file = vma?.file?.inode;
    if (!vma || !file || file.anonymous) continue;
    // Where the module's path is known, the file there must be it (another library may have taken the range).
    if (m.path !== undefined && file.identity.path !== m.path) continue;
    out.push(m);
  }
  const covered = (va: number): boolean => out.some((m) => va >= m.base && va < m.base + m.span);
  const seen = new Set<CachedFile>();
  for (const vma of vmas) {
    const file = vma.file?.inode;
    if (!file || file.anonymous || vma.pgoff !== 0 || seen.has(file) || covered(vma.start)) continue;
    seen.add(file);
    const elf = elfOfFile(file);
    const first = elf ? firstLoadPage(elf) : undefined;
    if (!elf || first === undefined) continue;
    const loads = elf.programHeaders.filter((ph) => ph.type === PT_LOAD);
    const end = Math.max(...loads.map((ph) => ph.vaddr + ph.memsz));
    const path = file.identity.path;
    out.push({ name: path.slice(path.lastIndexOf('/') + 1), path, base: vma.start - first, span: Math.ceil(end / PAGE_SIZE) * PAGE_SIZE, elf });
  }
  return out;
}

/** The link-time page of the first PT_LOAD (the one mapped from file offset 0), if any. */
function firstLoadPage(elf: ElfFile): number | undefined {
  const first = elf.programHeaders.find((ph) => ph.type === PT_LOAD && ph.offset < PAGE_SIZE);
  return first ? first.vaddr - (first.vaddr % PAGE_SIZE) : undefined;
}

/** The one of `vmas` (sorted, disjoint) holding va. */
function findVma<V extends { start: number; end: number }>(vmas: readonly V[], va: number): V | undefined {
  let lo = 0;
  let hi = vmas.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = vmas[mid]!;
    if (va < v.start) hi = mid - 1;
    else if (va >= v.end) lo = mid + 1;
    else return v;
  }
  return undefined;
}

/** Labels from one moment, with picemu's own names (its runtime page) where no module covers an address. */
export function momentLocator(moment: MappingMoment, runtimeSymbol?: (va: VirtAddr) => string | undefined): StepLocator {
  return {
    locate(va) {
      const loc = moment.locate(va);
      const own = loc.module === undefined ? runtimeSymbol?.(va) : undefined;
      if (own) loc.symbol = own;
      return loc;
    },
    locateInModule: (va) => moment.symbolizer.locate(va),
  };
}
