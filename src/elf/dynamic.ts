// The dynamic section, read through PT_DYNAMIC and PT_LOAD address translation, as ld.so reads it.
import * as C from './constants.ts';
import { ElfError } from './errors.ts';
import { mustTranslate } from './program-headers.ts';
import { tableString, type Reader, type StringTable } from './reader.ts';
import type { DynamicEntry, DynamicInfo, ProgramHeader } from './types.ts';

/** Tags whose value is an offset into DT_STRTAB. */
const STRING_TAGS = new Set([C.DT_NEEDED, C.DT_SONAME, C.DT_RPATH, C.DT_RUNPATH, C.DT_AUXILIARY, C.DT_FILTER, C.DT_CONFIG, C.DT_DEPAUDIT, C.DT_AUDIT]);
/** Tags that may appear at most once. */
const SINGLE_TAGS = new Set([
  C.DT_PLTRELSZ, C.DT_PLTGOT, C.DT_HASH, C.DT_STRTAB, C.DT_SYMTAB, C.DT_RELA, C.DT_RELASZ, C.DT_RELAENT, C.DT_STRSZ,
  C.DT_SYMENT, C.DT_INIT, C.DT_FINI, C.DT_SONAME, C.DT_RPATH, C.DT_RUNPATH, C.DT_PLTREL, C.DT_JMPREL,
  C.DT_INIT_ARRAY, C.DT_FINI_ARRAY, C.DT_INIT_ARRAYSZ, C.DT_FINI_ARRAYSZ, C.DT_PREINIT_ARRAY, C.DT_PREINIT_ARRAYSZ,
  C.DT_FLAGS, C.DT_FLAGS_1, C.DT_RELR, C.DT_RELRSZ, C.DT_RELRENT, C.DT_GNU_HASH, C.DT_VERSYM, C.DT_VERDEF,
  C.DT_VERDEFNUM, C.DT_VERNEED, C.DT_VERNEEDNUM,
]);

export interface ParsedDynamic {
  info: DynamicInfo;
  strtab?: StringTable;
}

export function parseDynamic(r: Reader, dyn: ProgramHeader, loads: readonly ProgramHeader[]): ParsedDynamic {
  const phField = `phdr[${dyn.index}].p_vaddr`;
  const maxEntries = Math.floor(dyn.filesz / C.ELF64_DYN_SIZE);
  if (maxEntries === 0) throw new ElfError(`phdr[${dyn.index}].p_filesz`, dyn.filesz, 'of PT_DYNAMIC holds no entry', dyn.entryOffset + 32);
  const base = mustTranslate(r, loads, phField, dyn.vaddr, maxEntries * C.ELF64_DYN_SIZE, dyn.entryOffset + 16);
  const entries: DynamicEntry[] = [];
  const first = new Map<number, DynamicEntry>();
  let sawNull = false;
  for (let i = 0; i < maxEntries; i++) {
    const at = base + i * C.ELF64_DYN_SIZE;
    const tag = r.u64(`dynamic[${i}].d_tag`, at);
    const value = r.u64(`dynamic[${i}].d_val`, at + 8);
    const e: DynamicEntry = { entryOffset: at, tag, value };
    entries.push(e);
    if (tag === C.DT_NULL) {
      sawNull = true;
      break;
    }
    if (first.has(tag)) {
      if (SINGLE_TAGS.has(tag)) throw new ElfError(`dynamic[${i}].d_tag`, tag, `(DT_${C.dynamicTagName(tag)}) appears more than once`, at);
    } else {
      first.set(tag, e);
    }
  }
  if (!sawNull) throw new ElfError(`phdr[${dyn.index}].p_filesz`, dyn.filesz, 'PT_DYNAMIC has no DT_NULL entry', dyn.entryOffset + 32);

  const get = (tag: number): number | undefined => first.get(tag)?.value;
  const at = (tag: number): number => first.get(tag)?.entryOffset ?? dyn.entryOffset;
  const requireEnt = (tag: number, ent: number, name: string) => {
    const v = get(tag);
    if (v !== undefined && v !== ent) throw new ElfError(name, v, `is not ${ent}`, at(tag) + 8);
  };
  requireEnt(C.DT_SYMENT, C.ELF64_SYM_SIZE, 'DT_SYMENT');
  requireEnt(C.DT_RELAENT, C.ELF64_RELA_SIZE, 'DT_RELAENT');
  requireEnt(C.DT_RELRENT, 8, 'DT_RELRENT');
  if (first.has(C.DT_REL) || first.has(C.DT_RELSZ)) {
    const tag = first.has(C.DT_REL) ? C.DT_REL : C.DT_RELSZ;
    throw new ElfError(`DT_${C.dynamicTagName(tag)}`, get(tag)!, 'is present: x86-64 uses RELA relocations only', at(tag));
  }
  const pltrel = get(C.DT_PLTREL);
  if (pltrel !== undefined && pltrel !== C.DT_RELA) throw new ElfError('DT_PLTREL', pltrel, 'is not DT_RELA (7)', at(C.DT_PLTREL) + 8);
  const pairs: [number, number, string, string][] = [
    [C.DT_RELA, C.DT_RELASZ, 'DT_RELA', 'DT_RELASZ'],
    [C.DT_JMPREL, C.DT_PLTRELSZ, 'DT_JMPREL', 'DT_PLTRELSZ'],
    [C.DT_RELR, C.DT_RELRSZ, 'DT_RELR', 'DT_RELRSZ'],
    [C.DT_STRTAB, C.DT_STRSZ, 'DT_STRTAB', 'DT_STRSZ'],
    [C.DT_VERDEF, C.DT_VERDEFNUM, 'DT_VERDEF', 'DT_VERDEFNUM'],
    [C.DT_VERNEED, C.DT_VERNEEDNUM, 'DT_VERNEED', 'DT_VERNEEDNUM'],
    [C.DT_INIT_ARRAY, C.DT_INIT_ARRAYSZ, 'DT_INIT_ARRAY', 'DT_INIT_ARRAYSZ'],
    [C.DT_FINI_ARRAY, C.DT_FINI_ARRAYSZ, 'DT_FINI_ARRAY', 'DT_FINI_ARRAYSZ'],
    [C.DT_PREINIT_ARRAY, C.DT_PREINIT_ARRAYSZ, 'DT_PREINIT_ARRAY', 'DT_PREINIT_ARRAYSZ'],
  ];
  for (const [addrTag, sizeTag, addrName, sizeName] of pairs) {
    if (first.has(addrTag) !== first.has(sizeTag)) {
      const has = first.has(addrTag) ? addrTag : sizeTag;
      throw new ElfError(first.has(addrTag) ? addrName : sizeName, get(has)!, `is present without ${first.has(addrTag) ? sizeName : addrName}`, at(has));
    }
  }
  const multiple = (tag: number, name: string, unit: number) => {
    const v = get(tag);
    if (v !== undefined && v % unit !== 0) throw new ElfError(name, v, `is not a multiple of ${unit}`, at(tag) + 8);
  };
  multiple(C.DT_RELASZ, 'DT_RELASZ', C.ELF64_RELA_SIZE);
  multiple(C.DT_PLTRELSZ, 'DT_PLTRELSZ', C.ELF64_RELA_SIZE);
  multiple(C.DT_RELRSZ, 'DT_RELRSZ', 8);
  multiple(C.DT_INIT_ARRAYSZ, 'DT_INIT_ARRAYSZ', 8);
  multiple(C.DT_FINI_ARRAYSZ, 'DT_FINI_ARRAYSZ', 8);
  multiple(C.DT_PREINIT_ARRAYSZ, 'DT_PREINIT_ARRAYSZ', 8);
  if (first.has(C.DT_JMPREL) && pltrel === undefined) throw new ElfError('DT_JMPREL', get(C.DT_JMPREL)!, 'is present without DT_PLTREL', at(C.DT_JMPREL));
  if (first.has(C.DT_SYMTAB) && !first.has(C.DT_STRTAB)) throw new ElfError('DT_SYMTAB', get(C.DT_SYMTAB)!, 'is present without DT_STRTAB', at(C.DT_SYMTAB));

  let strtab: StringTable | undefined;
  const strAddr = get(C.DT_STRTAB);
  if (strAddr !== undefined) {
    const strsz = get(C.DT_STRSZ)!;
    const off = mustTranslate(r, loads, 'DT_STRTAB', strAddr, strsz, at(C.DT_STRTAB) + 8);
    strtab = { offset: off, size: strsz, label: 'DT_STRTAB' };
  }
  const str = (e: DynamicEntry, i: number): string => {
    if (!strtab) throw new ElfError(`DT_${C.dynamicTagName(e.tag)}`, e.value, 'needs a string table but there is no DT_STRTAB', e.entryOffset);
    return tableString(r, strtab, e.value, `dynamic[${i}].d_val (DT_${C.dynamicTagName(e.tag)})`, e.entryOffset + 8);
  };
  const needed: string[] = [];
  const strings = new Map<number, string>();
  entries.forEach((e, i) => {
    if (!STRING_TAGS.has(e.tag)) return;
    const s = str(e, i);
    if (e.tag === C.DT_NEEDED) needed.push(s);
    else if (!strings.has(e.tag)) strings.set(e.tag, s);
  });

  const flags = get(C.DT_FLAGS) ?? 0;
  const flags1 = get(C.DT_FLAGS_1) ?? 0;
  const info: DynamicInfo = {
    entries,
    needed,
    soname: strings.get(C.DT_SONAME),
    rpath: strings.get(C.DT_RPATH),
    runpath: strings.get(C.DT_RUNPATH),
    init: get(C.DT_INIT),
    fini: get(C.DT_FINI),
    initArray: get(C.DT_INIT_ARRAY),
    initArraySize: get(C.DT_INIT_ARRAYSZ),
    finiArray: get(C.DT_FINI_ARRAY),
    finiArraySize: get(C.DT_FINI_ARRAYSZ),
    preinitArray: get(C.DT_PREINIT_ARRAY),
    preinitArraySize: get(C.DT_PREINIT_ARRAYSZ),
    flags,
    flags1,
    bindNow: first.has(C.DT_BIND_NOW) || (flags & C.DF_BIND_NOW) !== 0 || (flags1 & C.DF_1_NOW) !== 0,
    textrel: first.has(C.DT_TEXTREL) || (flags & C.DF_TEXTREL) !== 0,
    symtab: get(C.DT_SYMTAB),
    strtab: strAddr,
    strsz: get(C.DT_STRSZ),
    syment: get(C.DT_SYMENT),
    hash: get(C.DT_HASH),
    gnuHash: get(C.DT_GNU_HASH),
    versym: get(C.DT_VERSYM),
    verdef: get(C.DT_VERDEF),
    verdefnum: get(C.DT_VERDEFNUM),
    verneed: get(C.DT_VERNEED),
    verneednum: get(C.DT_VERNEEDNUM),
    rela: get(C.DT_RELA),
    relasz: get(C.DT_RELASZ),
    relaent: get(C.DT_RELAENT),
    relacount: get(C.DT_RELACOUNT),
    jmprel: get(C.DT_JMPREL),
    pltrelsz: get(C.DT_PLTRELSZ),
    pltrel,
    pltgot: get(C.DT_PLTGOT),
    relr: get(C.DT_RELR),
    relrsz: get(C.DT_RELRSZ),
    relrent: get(C.DT_RELRENT),
    get,
  };
  return { info, strtab };
}
