// The dynamic linker for one address space: what ld.so does for dlopen(RTLD_NOW | RTLD_GLOBAL), as
// numbered steps in Linker.load. Symbols resolve in load order (the root, then its dependencies breadth
// first, after anything loaded before); relocations come from a table (relocation-table.ts) and are
// written through the address space, so the pages they touch become private as in the kernel. What ld.so
// reads through the mapping (dynamic section, relocation entries, symbols, names, versions, hash words) is
// read through the address space too (mapping-reads.ts), so those pages are present as in the kernel.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  type DynamicEntry,
  DT_GNU_HASH,
  DT_HASH,
  DT_JMPREL,
  DT_PLTGOT,
  DT_REL,
  DT_RELA,
  DT_RELR,
  DT_STRTAB,
  DT_SYMTAB,
  DT_VERSYM,
  type ElfFile,
  type ElfSymbol,
  lookupSymbol,
  parseElf,
  type Relocation,
  STB_LOCAL,
  STB_WEAK,
  STT_FUNC,
  STT_GNU_IFUNC,
  STT_TLS,
  VER_FLG_WEAK,
} from '../elf/index.ts';
import { type AddressSpace, fileIdentityOf, PAGE_SIZE, PageFault, pageAlignDown, PROT_READ, PROT_WRITE, type VirtAddr } from '../mm/index.ts';
import { MappingReads } from './mapping-reads.ts';
import { mapSegments } from './map-segments.ts';
import { relocationName, relocationTable, type SymbolBinding } from './relocation-table.ts';
import { findLibrary, openVerifyError, type Requester, type SearchOptions } from './search.ts';
import { TrapTable } from './traps.ts';
import { type AppliedRelocation, type LoadedModule, LoadError, type PendingIfunc, type TlsInfo } from './types.ts';

export interface TlsRequest {
  blockSize: number;
  align: number;
  /** p_vaddr & (p_align - 1): where the block's first byte sits in its alignment unit. */
  firstByte: number;
}

export interface LinkerOptions extends SearchOptions {
  /**
   * Runs an ifunc resolver and returns its result. With it, ifunc relocations are written during relocation
   * (before RELRO), as ld.so does; without it they are returned in `pendingIfuncs` for the process layer.
   */
  resolveIfunc?: (resolver: VirtAddr, module: LoadedModule) => bigint;
  /**
   * Gives a module with PT_TLS its module id and static TLS offset (glibc's l_tls_offset, the distance of the
   * block below the thread pointer). Default: ids from 1 and glibc's variant II static layout, in load order.
   */
  assignTls?: (module: LoadedModule, request: TlsRequest) => { modid: number; tpOffset?: number };
}

export interface LoadResult {
  /** The module asked for. */
  root: LoadedModule;
  /** Modules this call mapped, in load order (empty when the root was already loaded). */
  loaded: LoadedModule[];
  /** The order ld.so runs the new modules' initializers in: dependencies before their dependents. */
  initOrder: LoadedModule[];
  /** Relocations that need an ifunc resolver run (only without `resolveIfunc`). */
  pendingIfuncs: PendingIfunc[];
  /** Relocation types the table does not know, by name, with how many were skipped. */
  unsupported: Map<string, number>;
}

interface Definition {
  module: LoadedModule;
  symbol: ElfSymbol;
}

/** A module plus what only the linker needs. */
interface ModuleRecord {
  module: LoadedModule;
  /** ld.so's l_name: the path the file was opened by (what its error messages name). */
  openedAs: string;
  requester: Requester;
  identityKey: string;
  /** Names it can be found by (DT_SONAME, the DT_NEEDED string or path it was loaded as). */
  names: Set<string>;
}

export class Linker {
  readonly traps = new TrapTable();
  private readonly records: ModuleRecord[] = [];
  private nextModid = 1;
  private staticTlsTop = 0;

  constructor(
    readonly space: AddressSpace,
    readonly options: LinkerOptions = {},
  ) {}

  /** Every module loaded into this address space, in load order (the global scope). */
  get modules(): LoadedModule[] {
    return this.records.map((r) => r.module);
  }

  /** The module whose span contains `va`. */
  moduleAt(va: VirtAddr): LoadedModule | undefined {
    return this.modules.find((m) => va >= m.mapStart && va < m.mapEnd);
  }

  /**
   * Looks `name` up in the global scope, as dlsym(RTLD_DEFAULT) would; the mapped address and where. An
   * inspection: it pages nothing in (the REPL and symbolization use it).
   */
  lookup(name: string, version?: string): { address: VirtAddr; module: LoadedModule; symbol: ElfSymbol } | undefined {
    const d = this.findDefinition(name, version);
    return d && { address: d.module.base + d.symbol.value, module: d.module, symbol: d.symbol };
  }

  /**
   * Loads `path` (a path, or a bare name searched like a DT_NEEDED entry) with its dependencies: the steps
   * of dlopen(RTLD_NOW).
   */
  load(path: string): LoadResult {
    // 1. Open: find the file; a module already loaded (same name or same file) is returned as it is.
    const existing = this.findLoaded(path, undefined);
    if (existing) return { root: existing, loaded: [], initOrder: [], pendingIfuncs: [], unsupported: new Map() };
    const rootPath = findLibrary(path, undefined, this.options);
    if (!rootPath) throw new LoadError(`${path}: ${(path.includes('/') && openVerifyError(path)) || 'cannot open shared object file: No such file or directory'}`);

    const loaded: LoadedModule[] = [];
    const reads = new MappingReads(this.space);
    try {
      // 2. Map: the root, then its DT_NEEDED dependencies breadth first, each mapped when first met
      //    (_dl_map_object_deps), so each lands below the previous one.
      const root = this.mapModule(path, rootPath, undefined, loaded, reads);
      for (let i = 0; i < loaded.length; i++) {
        const record = this.recordOf(loaded[i]);
        for (const needed of loaded[i].elf.dynamic?.needed ?? []) {
          let dep = this.findLoaded(needed, record.requester);
          if (!dep) {
            const found = findLibrary(needed, record.requester, this.options);
            if (!found) throw new LoadError(`${needed}: cannot open shared object file: No such file or directory`);
            dep = this.mapModule(needed, found, record.requester, loaded, reads);
          }
          loaded[i].dependencies.push(dep);
        }
      }

      // 3. Versions: each version a module needs must be defined by the file that should provide it
      //    (_dl_check_map_versions).
      for (const m of loaded) this.checkVersions(m, reads);

      // 4. TLS: module ids and static TLS offsets.
      for (const m of loaded) this.assignTls(m);

      // 5. Relocate, last loaded first (dl_open_worker's order), each followed by its RELRO mprotect
      //    (_dl_relocate_object ends with _dl_protect_relro).
      const pendingIfuncs: PendingIfunc[] = [];
      const unsupported = new Map<string, number>();
      for (let i = loaded.length - 1; i >= 0; i--) {
        this.relocate(loaded[i], pendingIfuncs, unsupported, reads);
        this.protectRelro(loaded[i]);
      }

      // 6. Initializers and finalizers: their addresses (read after relocation) and ld.so's order.
      for (const m of loaded) this.collectInitFini(m);
      const initOrder = initializationOrder(root, new Set(loaded));
      return { root, loaded, initOrder, pendingIfuncs, unsupported };
    } catch (err) {
      // A failed dlopen leaves nothing behind (_dl_close_worker unmaps what it mapped).
      this.unload(loaded);
      // Any fault left (a read or write through the mapping no step above names): ld.so would die of
      // SIGSEGV; the load is refused with a LoadError instead of leaking the raw PageFault.
      if (err instanceof PageFault) throw new LoadError(`${path}: loading faulted (${err.message}): the file's segments do not hold what its dynamic section says`);
      throw err;
    }
  }

  /** Writes a resolved ifunc value into its slot (the process layer, after running the resolver). */
  completeIfunc(pending: PendingIfunc, resolved: bigint): void {
    const value = BigInt.asUintN(64, resolved + pending.addend);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, value, true);
    // The slot may sit under RELRO by now: a forced write, which keeps the page private as ld.so's write did.
    if (!this.space.poke(pending.slot, bytes)) throw new LoadError(`cannot write ifunc slot 0x${pending.slot.toString(16)}`);
    pending.module.relocations.push({ type: pending.type, symbol: pending.symbol, slot: pending.slot, value, definedIn: pending.module.name });
  }

  // ---- steps ------------------------------------------------------------------------------------------

  private mapModule(requestedAs: string, path: string, requester: Requester | undefined, loaded: LoadedModule[], reads: MappingReads): LoadedModule {
    const identity = fileIdentityOf(path);
    const key = `${identity.dev.major}:${identity.dev.minor}:${identity.inode}`;
    const same = this.records.find((r) => r.identityKey === key);
    if (same) {
      same.names.add(requestedAs);
      return same.module;
    }
    const cache = this.space.pageCache;
    const cached = cache.lookup(identity);
    const bytes = cached ? cached.bytes() : readFileSync(identity.path);
    const file = cache.openBytes(identity, bytes);
    const elf = parsedElf(file.inode, bytes, identity.path);
    if (elf.header.type !== 3) throw new LoadError(`${path}: cannot dynamically load executable`);
    if (!elf.dynamic) throw new LoadError(`${path}: object file has no dynamic section`);
    const mapped = mapSegments(this.space, elf, file);
    const module: LoadedModule = {
      path: identity.path,
      name: elf.dynamic.soname ?? basename(identity.path),
      requestedAs,
      base: mapped.base,
      mapStart: mapped.mapStart,
      mapEnd: mapped.mapEnd,
      elf,
      file,
      dynamicSymbols: elf.dynamicSymbols,
      symtab: elf.symtab,
      initFunctions: [],
      finiFunctions: [],
      relocations: [],
      dependencies: [],
      loadIndex: this.records.length,
    };
    const names = new Set([requestedAs, module.name, basename(path)]);
    this.records.push({
      module,
      openedAs: requestedAs.includes('/') ? requestedAs : path,
      requester: { openedAs: path, rpath: elf.dynamic.rpath, runpath: elf.dynamic.runpath, requestedBy: requester },
      identityKey: key,
      names,
    });
    loaded.push(module);
    // What ld.so reads through the new mapping: dynamic section, hash header, names, program headers.
    reads.of(module).mapped();
    this.adjustDynamic(module);
    return module;
  }

  /**
   * elf_get_dynamic_info's ADJUST_DYN_INFO: on x86-64 ld.so adds the load base to the d_ptr of the address
   * tags it uses, in the mapped dynamic section (unless the base is 0 or PT_DYNAMIC lacks PF_W: l_ld_readonly).
   * A write: the kernel shows that page Private_Dirty even in a library without relocations.
   */
  private adjustDynamic(m: LoadedModule): void {
    const d = m.elf.dynamic!;
    const dynamic = m.elf.programHeaders.find((ph) => ph.type === 2 /* PT_DYNAMIC */);
    const first = d.entries[0]?.entryOffset;
    const holder = first === undefined ? undefined : m.elf.loads.find((ph) => first >= ph.offset && first < ph.offset + ph.filesz);
    if (m.base === 0 || !dynamic || !(dynamic.flags & 2 /* PF_W */) || !holder) return;
    const last = new Map<number, DynamicEntry>(); // info[tag]: the last entry of each tag
    for (const e of d.entries) last.set(e.tag, e);
    for (const tag of ADJUSTED_TAGS) {
      const e = last.get(tag);
      if (!e || ((tag === DT_RELA || tag === DT_REL) && e.value === 0)) continue;
      const slot = m.base + holder.vaddr + (e.entryOffset - holder.offset) + 8;
      try {
        writeU64(this.space, slot, BigInt.asUintN(64, BigInt(e.value) + BigInt(m.base)));
      } catch (err) {
        // A page of the dynamic section another, read-only segment maps: ld.so crashes here (SIGSEGV).
        if (err instanceof PageFault) throw new LoadError(`${m.path}: dynamic section entry at 0x${(slot - m.base).toString(16)} is not writable (ld.so relocates it in place)`);
        throw err;
      }
    }
  }

  private checkVersions(m: LoadedModule, reads: MappingReads): void {
    reads.of(m).versions((file) => {
      const p = m.dependencies.find((d) => this.recordOf(d).names.has(file));
      return p && p.elf.versionDefinitions.length > 0 ? reads.of(p) : undefined;
    });
    for (const need of m.elf.versionNeeds) {
      const provider = m.dependencies.find((d) => this.recordOf(d).names.has(need.file));
      // ld.so checks only files loaded as dependencies, and says nothing of one without any versions.
      if (!provider || provider.elf.versionDefinitions.length === 0) continue;
      for (const v of need.entries) {
        if (v.flags & VER_FLG_WEAK) continue;
        if (!provider.elf.versionDefinitions.some((d) => d.name === v.name)) {
          throw new LoadError(`${this.recordOf(provider).openedAs}: version \`${v.name}' not found (required by ${this.recordOf(m).openedAs})`);
        }
      }
    }
  }

  private assignTls(m: LoadedModule): void {
    const ph = m.elf.tls;
    if (!ph || ph.memsz === 0) return;
    const align = ph.align || 1;
    const request: TlsRequest = { blockSize: ph.memsz, align, firstByte: ph.vaddr & (align - 1) };
    let modid: number;
    let tpOffset: number | undefined;
    if (this.options.assignTls) {
      ({ modid, tpOffset } = this.options.assignTls(m, request));
    } else {
      modid = this.nextModid++;
      // glibc's _dl_determine_tlsoffset, TLS_TCB_AT_TP (variant II): blocks below the thread pointer.
      const off = Math.ceil((this.staticTlsTop + request.blockSize - request.firstByte) / align) * align + request.firstByte;
      tpOffset = off;
      this.staticTlsTop = off;
    }
    const info: TlsInfo = { modid, blockSize: ph.memsz, align, initImage: m.base + ph.vaddr, initSize: ph.filesz, tpOffset };
    m.tls = info;
  }

  private relocate(m: LoadedModule, pending: PendingIfunc[], unsupported: Map<string, number>, reads: MappingReads): void {
    const space = this.space;
    const own = reads.of(m);
    own.relocationTables();
    const elf = m.elf;
    const textrel = elf.dynamic?.textrel ?? false;
    // DT_TEXTREL: the read-only segments are made writable while relocating, as ld.so does.
    const readOnly = textrel ? elf.loads.filter((ph) => !(ph.flags & 2)) : [];
    const segmentRange = (ph: { vaddr: number; memsz: number }) => {
      const start = pageAlignDown(m.base + ph.vaddr);
      return { start, length: Math.ceil((m.base + ph.vaddr + ph.memsz - start) / PAGE_SIZE) * PAGE_SIZE };
    };
    for (const ph of readOnly) {
      const r = segmentRange(ph);
      space.mprotect(r.start, r.length, PROT_READ | PROT_WRITE);
    }

    const base = BigInt(m.base);
    const who = this.recordOf(m).openedAs;
    /** A relocation's store; a fault (read-only or unmapped target) is ld.so's SIGSEGV, refused here as a LoadError. */
    const write = (type: string, offset: number, value: bigint) => relocationAccess(who, type, offset, 'writes', () => writeU64(space, m.base + offset, value));
    const bindings = new Map<number, { binding: SymbolBinding; definedIn: string; ifunc?: Definition } | null>();

    // DT_RELR first (ELF_DYNAMIC_DO_RELR), then DT_RELA and DT_JMPREL, each table's IRELATIVE entries last.
    for (const offset of elf.relr) {
      const slot = m.base + offset;
      const value = BigInt.asUintN(64, base + relocationAccess(who, 'RELR', offset, 'reads', () => space.readU64(slot)));
      write('RELR', offset, value);
      m.relocations.push({ type: 'RELR', slot, value, definedIn: 'self' });
    }
    for (const table of [elf.rela, elf.pltRela]) {
      const deferred: Relocation[] = [];
      for (const r of table) {
        const kind = relocationTable.get(r.type);
        if (r.type === 0) continue; // R_X86_64_NONE
        if (!kind) {
          const name = relocationName(r.type);
          unsupported.set(name, (unsupported.get(name) ?? 0) + 1);
          continue;
        }
        if (kind.needsResolver) {
          deferred.push(r);
          continue;
        }
        const slot = m.base + r.offset;
        const addend = BigInt(r.addend);
        let binding: SymbolBinding;
        let definedIn = 'self';
        let symbolName: string | undefined;
        let version: string | undefined;
        if (kind.symbolic && r.symbolIndex !== 0) {
          const sym = m.dynamicSymbols[r.symbolIndex];
          own.reference(sym);
          symbolName = sym.name;
          version = sym.namesVersion ? undefined : sym.version;
          let bound = bindings.get(r.symbolIndex);
          if (bound === undefined) {
            bound = this.bindSymbol(m, sym, r.type, reads);
            bindings.set(r.symbolIndex, bound);
          }
          if (bound === null) continue; // cannot happen: bindSymbol throws or binds
          if (bound.ifunc) {
            const resolver = bound.ifunc.module.base + bound.ifunc.symbol.value;
            const p: PendingIfunc = { module: m, type: kind.name, symbol: sym.name, slot, resolver, addend: kind.name === 'R_X86_64_64' ? addend : 0n };
            this.resolveOrDefer(p, bound.ifunc.module, pending);
            continue;
          }
          binding = bound.binding;
          definedIn = bound.definedIn;
        } else {
          binding = { address: base, stValue: 0n, tlsModid: m.tls?.modid, tlsOffset: m.tls?.tpOffset };
        }
        const value = kind.compute({ base, addend, symbol: binding });
        if (value === undefined) {
          throw new LoadError(`${m.path}: ${kind.name} at 0x${r.offset.toString(16)} needs TLS that no module provides${symbolName ? ` (${symbolName})` : ''}`);
        }
        write(kind.name, r.offset, value);
        m.relocations.push({ type: kind.name, symbol: symbolName, version, slot, value, definedIn });
      }
      for (const r of deferred) {
        const p: PendingIfunc = { module: m, type: 'R_X86_64_IRELATIVE', slot: m.base + r.offset, resolver: m.base + r.addend, addend: 0n };
        this.resolveOrDefer(p, m, pending);
      }
    }

    for (const ph of readOnly) {
      const r = segmentRange(ph);
      space.mprotect(r.start, r.length, (ph.flags & 4 ? PROT_READ : 0) | (ph.flags & 1 ? 4 : 0));
    }
  }

  private resolveOrDefer(p: PendingIfunc, provider: LoadedModule, pending: PendingIfunc[]): void {
    if (!this.options.resolveIfunc) {
      pending.push(p);
      return;
    }
    const value = BigInt.asUintN(64, this.options.resolveIfunc(p.resolver, provider) + p.addend);
    const m = p.module;
    relocationAccess(this.recordOf(m).openedAs, p.type, p.slot - m.base, 'writes', () => writeU64(this.space, p.slot, value));
    p.module.relocations.push({ type: p.type, symbol: p.symbol, slot: p.slot, value, definedIn: provider.name });
  }

  /**
   * What a symbol reference binds to (RESOLVE_MAP + _dl_lookup_symbol_x): a local or non-default-visibility
   * symbol binds to its own module; otherwise the first definition in the global scope; an undefined weak
   * symbol to 0; an undefined function to a trap address; an undefined object is an error, as ld.so's.
   */
  private bindSymbol(m: LoadedModule, sym: ElfSymbol, type: number, reads: MappingReads): { binding: SymbolBinding; definedIn: string; ifunc?: Definition } {
    let def: Definition | undefined;
    if (sym.binding === STB_LOCAL || (sym.visibility !== 0 && sym.defined)) {
      def = { module: m, symbol: sym };
    } else {
      const version = sym.namesVersion ? undefined : sym.version;
      def = this.findDefinition(sym.name, version, reads);
    }
    if (!def) {
      if (sym.binding === STB_WEAK) return { binding: { address: 0n, stValue: 0n }, definedIn: 'weak-undefined' };
      const isFunction = type === 7 /* JUMP_SLOT */ || sym.type === STT_FUNC || sym.type === STT_GNU_IFUNC;
      if (isFunction) {
        const address = this.traps.bind(sym.name, m.name);
        return { binding: { address: BigInt(address), stValue: 0n }, definedIn: 'trap' };
      }
      const version = sym.version !== undefined && !sym.namesVersion ? `, version ${sym.version}` : '';
      throw new LoadError(`${this.recordOf(m).openedAs}: undefined symbol: ${sym.name}${version}`);
    }
    const s = def.symbol;
    if (s.type === STT_GNU_IFUNC && type !== 16 && type !== 17 && type !== 18) {
      return { binding: { address: 0n, stValue: 0n }, definedIn: def.module.name, ifunc: def };
    }
    const tls = def.module.tls;
    return {
      binding: {
        address: s.type === STT_TLS ? BigInt(s.value) : BigInt(def.module.base + s.value),
        stValue: BigInt(s.value),
        tlsModid: tls?.modid,
        tlsOffset: tls?.tpOffset,
      },
      definedIn: def.module.name,
    };
  }

  /** The first definition in the global scope; with `reads`, what ld.so reads in each object searched is read. */
  private findDefinition(name: string, version: string | undefined, reads?: MappingReads): Definition | undefined {
    for (const r of this.records) {
      const symbol = lookupSymbol(r.module.elf, name, version, reads?.of(r.module).lookupProbe(name));
      if (symbol) return { module: r.module, symbol };
    }
    return undefined;
  }

  private protectRelro(m: LoadedModule): void {
    const relro = m.elf.relro;
    if (!relro) return;
    const start = pageAlignDown(m.base + relro.vaddr);
    const end = pageAlignDown(m.base + relro.vaddr + relro.memsz);
    if (end > start) this.space.mprotect(start, end - start, PROT_READ);
  }

  private collectInitFini(m: LoadedModule): void {
    const d = m.elf.dynamic!;
    const readArray = (addr: number | undefined, size: number | undefined) => {
      const out: VirtAddr[] = [];
      if (addr === undefined || !size) return out;
      const bytes = this.space.peek(m.base + addr, size);
      if (!bytes) return out;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i + 8 <= size; i += 8) {
        const v = Number(view.getBigUint64(i, true));
        if (v !== 0 && v !== -1 && v !== 2 ** 64 - 1) out.push(v);
      }
      return out;
    };
    m.initFunctions = [...(d.init !== undefined ? [m.base + d.init] : []), ...readArray(d.initArray, d.initArraySize)];
    m.finiFunctions = [...readArray(d.finiArray, d.finiArraySize).reverse(), ...(d.fini !== undefined ? [m.base + d.fini] : [])];
  }

  // ---- helpers ------------------------------------------------------------------------------------------

  private unload(modules: LoadedModule[]): void {
    for (const m of modules) this.space.munmap(m.mapStart, m.mapEnd - m.mapStart);
    const gone = new Set(modules);
    const kept = this.records.filter((r) => !gone.has(r.module));
    this.records.length = 0;
    kept.forEach((r, i) => {
      r.module.loadIndex = i;
      this.records.push(r);
    });
  }

  private recordOf(m: LoadedModule): ModuleRecord {
    return this.records[m.loadIndex];
  }

  /** _dl_name_match_p: a module loaded under this name (its DT_SONAME, or the name or path it was loaded as). */
  private findLoaded(name: string, requester: Requester | undefined): LoadedModule | undefined {
    const byName = this.records.find((r) => r.names.has(name));
    if (byName) return byName.module;
    if (name.includes('/')) {
      const path = findLibrary(name, requester, this.options);
      if (!path) return undefined;
      const id = fileIdentityOf(path);
      const key = `${id.dev.major}:${id.dev.minor}:${id.inode}`;
      return this.records.find((r) => r.identityKey === key)?.module;
    }
    return undefined;
  }
}

/** The d_ptr tags elf_get_dynamic_info relocates in place (glibc 2.36; DT_RELA/DT_REL only when not 0). */
const ADJUSTED_TAGS = [DT_HASH, DT_PLTGOT, DT_STRTAB, DT_SYMTAB, DT_RELR, DT_JMPREL, DT_VERSYM, DT_GNU_HASH, DT_RELA, DT_REL];

/**
 * One access a relocation makes (the store, or RELR's read of the addend): a PageFault, where ld.so would die
 * of SIGSEGV (r_offset in a read-only or unmapped page, a segment without PF_W), becomes a LoadError naming
 * the module, the relocation type and r_offset (the link-time address).
 */
function relocationAccess<T>(module: string, type: string, offset: number, access: 'reads' | 'writes', fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof PageFault)) throw err;
    const what = err.reason === 'protection' ? (access === 'writes' ? 'a read-only page' : 'a page without access') : err.reason === 'unmapped' ? 'an unmapped address' : 'past the end of the file';
    throw new LoadError(`${module}: ${type} at 0x${offset.toString(16)} ${access} ${what}`);
  }
}

/** Little-endian 64-bit store through the address space (a guest-like write: COW broken, protections checked). */
function writeU64(space: AddressSpace, slot: VirtAddr, value: bigint): void {
  space.writeU64(slot, value);
}

/** Parsed ELF files, shared by every address space that loads the same cached file (parsing is pure). */
const parsedByBytes = new WeakMap<object, ElfFile>();
function parsedElf(key: object, bytes: Uint8Array, name: string): ElfFile {
  let elf = parsedByBytes.get(key);
  if (!elf) {
    elf = parseElf(bytes, name);
    parsedByBytes.set(key, elf);
  }
  return elf;
}

/** Dependencies before dependents (a depth-first post-order from the root), limited to `only`. */
function initializationOrder(root: LoadedModule, only: Set<LoadedModule>): LoadedModule[] {
  const out: LoadedModule[] = [];
  const seen = new Set<LoadedModule>();
  const visit = (m: LoadedModule) => {
    if (seen.has(m)) return;
    seen.add(m);
    for (const d of m.dependencies) visit(d);
    if (only.has(m)) out.push(m);
  };
  visit(root);
  return out;
}
