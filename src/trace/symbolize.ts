// Turns a mapped address into module+offset, the nearest symbol (the file's `.symtab`, else its debug file's
// `.symtab`, else `.dynsym`, marked `(nearest export)` when the address lies past that export's end), the
// containing section, and, for a relocated slot such as a GOT entry, the relocation that filled it.
import { findDebugSymbols, type DebugSymbols } from '../debuginfo/debug-symbols.ts';
import type { ElfFile, ElfSymbol, SectionHeader } from '../elf/types.ts';
import type { VirtAddr } from '../mm/types.ts';
import type { Location, ModuleOffset } from './events.ts';
import { relocationTypeName as relocationName } from '../elf/constants.ts';

/** A module loaded somewhere: what symbolization needs of the loader's record. */
export interface SymbolizableModule {
  /** File name as shown in traces (e.g. `libcounter.so`). */
  name: string;
  /** Mapped address of link-time address 0 (l_addr). */
  base: VirtAddr;
  /** Bytes from base covered by its PT_LOAD segments (page-rounded). */
  span: number;
  elf: ElfFile;
  /** The file's canonical path, as maps prints it, when known (a trace checks the file is still mapped there). */
  path?: string;
}

const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_GNU_IFUNC = 10;
const SHT_NOBITS = 8;
const STB_LOCAL = 0;
const SHN_LORESERVE = 0xff00;
const SHF_ALLOC = 2;

/** name: as shown (no version); key: as looked up by name (a non-default version `f@V1` keeps its version, so `f` is the default one). */
interface SortedSymbol { value: number; size: number; name: string; key: string; global: boolean }
interface SlotRelocation { type: number; symbol?: string; addend: number }

/** Where a module's symbol names come from. */
export type SymbolSource = 'symtab' | 'debug-file' | 'dynsym';

/** Appended to a name guessed from the exports alone: the address is past that export's end. */
export const NEAREST_EXPORT = ' (nearest export)';

/** Per-file lookup tables (built once per ElfFile). */
export class ModuleSymbols {
  readonly source: SymbolSource;
  /** The debug file whose .symtab names this module's code (source 'debug-file'). */
  readonly debugFile?: string;
  private readonly symbols: SortedSymbol[];
  private readonly sections: SectionHeader[];
  private readonly slots = new Map<ModuleOffset, SlotRelocation>();
  private readonly byName = new Map<string, SortedSymbol>();

  constructor(readonly elf: ElfFile, debug?: DebugSymbols) {
    const own = elf.symtab && elf.symtab.length > 1 ? elf.symtab : undefined;
    this.source = own ? 'symtab' : debug ? 'debug-file' : 'dynsym';
    if (!own && debug) this.debugFile = debug.path;
    const table = own ?? debug?.symtab ?? elf.dynamicSymbols;
    this.symbols = table
      .filter((s) => s.defined && s.name !== '' && s.shndx < SHN_LORESERVE && isAddressSymbol(s))
      .map((s) => ({ value: s.value, size: s.size, name: unversioned(s.name), key: s.name.replace(/@@.*$/, ''), global: s.binding !== STB_LOCAL }))
      .concat(pltSymbols(elf))
      // Ascending by address; at one address, prefer a sized global (e.g. an exported function over a local alias).
      .sort((a, b) => a.value - b.value || Number(b.size > 0) - Number(a.size > 0) || Number(b.global) - Number(a.global));
    for (const s of [...this.symbols].reverse()) this.byName.set(s.key, s);
    // A name both exported and local (a debug file's .symtab has both kinds) means the export, as dlsym finds it.
    for (const s of this.symbols) if (s.global && !this.byName.get(s.key)?.global) this.byName.set(s.key, s);
    for (const s of elf.dynamicSymbols) if (s.defined && s.name && !this.byName.has(s.name) && isAddressSymbol(s)) this.byName.set(s.name, { value: s.value, size: s.size, name: s.name, key: s.name, global: true });
    this.sections = elf.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0 && s.size > 0).sort((a, b) => a.addr - b.addr);
    for (const r of [...elf.rela, ...elf.pltRela]) {
      const sym = r.symbolIndex ? elf.dynamicSymbols[r.symbolIndex]?.name : undefined;
      this.slots.set(r.offset, { type: r.type, symbol: sym || undefined, addend: r.addend });
    }
  }

  /** Link-time address of a defined symbol, by name (`.symtab` first, then `.dynsym`). */
  addressOf(name: string): ModuleOffset | undefined {
    return this.byName.get(name)?.value;
  }

  /** `name` when `offset` is a symbol's first byte, `name+0x..` inside (or after) the nearest preceding one in the same section. */
  symbolAt(offset: ModuleOffset): string | undefined {
    let lo = 0, hi = this.symbols.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.symbols[mid]!.value <= offset) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    // The closest symbol that contains offset (at one address, the preferred one: lowest index); else the closest.
    let pick: SortedSymbol | undefined;
    for (let k = found; k >= 0 && k > found - 64; k--) {
      const s = this.symbols[k]!;
      if (pick && s.value !== pick.value) break;
      if (offset < s.value + s.size) pick = s;
    }
    if (!pick) {
      let k = found;
      while (k > 0 && this.symbols[k - 1]!.value === this.symbols[found]!.value) k--;
      pick = this.symbols[k]!;
    }
    const sectionOfSymbol = this.sectionAt(pick.value);
    if (sectionOfSymbol !== this.sectionAt(offset)) return undefined;
    const delta = offset - pick.value;
    if (delta === 0) return pick.name;
    // Without a full symbol table, an address past an export's end belongs to some local function we cannot name.
    const guess = this.source === 'dynsym' && !pick.name.endsWith('@plt') && offset >= pick.value + pick.size;
    return `${pick.name}+0x${delta.toString(16)}${guess ? NEAREST_EXPORT : ''}`;
  }

  sectionAt(offset: ModuleOffset): string | undefined {
    let lo = 0, hi = this.sections.length - 1, found: SectionHeader | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.sections[mid]!.addr <= offset) { found = this.sections[mid]; lo = mid + 1; } else hi = mid - 1;
    }
    return found && offset < found.addr + found.size ? found.name : undefined;
  }

  /** The relocation that fills the 8-byte slot containing `offset`, described for a person. */
  relocationAt(offset: ModuleOffset): string | undefined {
    const slot = offset - (offset % 8);
    const r = this.slots.get(slot);
    if (!r) return undefined;
    const section = this.sectionAt(slot) ?? '';
    const what = section.startsWith('.got') ? 'GOT entry' : 'slot';
    const target = r.symbol ?? (r.addend ? `${this.symbolAt(r.addend) ?? 'base'}${this.symbolAt(r.addend) ? '' : `+0x${r.addend.toString(16)}`}` : 'base');
    return `${what} for ${target} (${relocationName(r.type)})`;
  }
}

/**
 * `name@plt` for each PLT stub, as objdump and gdb name them: each 16-byte stub of .plt.sec (IBT layout), else of
 * .plt after entry 0 (the resolver trampoline), is named after the relocation of the GOT slot its `jmp [rip+disp]`
 * reads (the stubs need not be in relocation order: libc's IRELATIVE slots are not).
 */
function pltSymbols(elf: ElfFile): SortedSymbol[] {
  const sec = elf.sections.find((s) => s.name === '.plt.sec');
  const plt = elf.sections.find((s) => s.name === '.plt');
  const stubs = sec ?? plt;
  if (!stubs || stubs.type === SHT_NOBITS || stubs.offset + stubs.size > elf.bytes.length) return [];
  const bySlot = new Map(elf.pltRela.map((r) => [r.offset, r]));
  const out: SortedSymbol[] = [];
  for (let value = sec ? stubs.addr : stubs.addr + 16; value + 16 <= stubs.addr + stubs.size; value += 16) {
    const at = stubs.offset + (value - stubs.addr);
    const code = elf.bytes.subarray(at, at + 16);
    // jmp qword ptr [rip + disp32] (ff 25), possibly after endbr64 and a bnd prefix.
    let k = 0;
    while (k + 6 <= code.length && !(code[k] === 0xff && code[k + 1] === 0x25)) k++;
    if (k + 6 > code.length) continue;
    const disp = new DataView(code.buffer, code.byteOffset + k + 2, 4).getInt32(0, true);
    const r = bySlot.get(value + k + 6 + disp);
    if (!r) continue;
    // An IRELATIVE slot has no symbol: objdump and gdb call its stub after the resolver's address.
    const name = r.symbolIndex ? elf.dynamicSymbols[r.symbolIndex]?.name : `*ABS*+0x${r.addend.toString(16)}`;
    if (name) out.push({ value, size: 16, name: `${name}@plt`, key: `${name}@plt`, global: false });
  }
  return out;
}

/** `getpwnam_r@@GLIBC_2.2.5` (a .symtab spelling of a versioned definition) is `getpwnam_r`, as gdb and objdump show it. */
function unversioned(name: string): string {
  const at = name.indexOf('@');
  return at > 0 ? name.slice(0, at) : name;
}

function isAddressSymbol(s: ElfSymbol): boolean {
  return s.type === STT_FUNC || s.type === STT_OBJECT || s.type === STT_GNU_IFUNC || s.type === STT_NOTYPE;
}

const cache = new WeakMap<ElfFile, ModuleSymbols>();

/** The lookup tables of a loaded file, with its debug file's symbols when it is stripped and one is installed. */
export function moduleSymbols(elf: ElfFile): ModuleSymbols {
  let m = cache.get(elf);
  if (!m) {
    const stripped = !(elf.symtab && elf.symtab.length > 1);
    cache.set(elf, (m = new ModuleSymbols(elf, stripped ? findDebugSymbols(elf) : undefined)));
  }
  return m;
}

/** Symbolizes mapped addresses against a process's loaded modules. */
export class Symbolizer {
  constructor(private readonly modules: () => readonly SymbolizableModule[]) {}

  /** The modules it symbolizes against, now. */
  known(): readonly SymbolizableModule[] {
    return this.modules();
  }

  moduleAt(va: VirtAddr): SymbolizableModule | undefined {
    return this.modules().find((m) => va >= m.base && va < m.base + m.span);
  }

  locate(va: VirtAddr): Location {
    const m = this.moduleAt(va);
    if (!m) return {};
    const offset = va - m.base;
    const syms = moduleSymbols(m.elf);
    const loc: Location = { module: m.name, offset };
    const symbol = syms.symbolAt(offset);
    if (symbol) loc.symbol = symbol;
    const section = syms.sectionAt(offset);
    if (section) loc.section = section;
    const relocation = syms.relocationAt(offset);
    if (relocation) loc.relocation = relocation;
    return loc;
  }

  /** Mapped address of `name` in the first module defining it (or in `module` when given). */
  resolve(name: string, module?: string): VirtAddr | undefined {
    for (const m of this.modules()) {
      if (module && m.name !== module) continue;
      const off = moduleSymbols(m.elf).addressOf(name);
      if (off !== undefined) return m.base + off;
    }
    return undefined;
  }
}
