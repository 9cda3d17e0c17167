// Libraries that need libc, opened as a program would open them: the guest libc's own dlopen(path, RTLD_NOW) runs
// in an exec'ed process (exec-start.ts), so the real ld.so maps, relocates and initializes them; the modules the
// Process knows are then read from ld.so's link map, and names are looked up with the guest's dlsym.
import { existsSync, realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { lookupSymbol } from '../elf/index.ts';
import { findLibrary, LoadError } from '../loader/index.ts';
import type { VirtAddr } from '../mm/types.ts';
import { printable } from './inspect.ts';
import { elfOf, loadSpan, readLinkMap } from './link-map.ts';
import type { ProcessModule } from './modules.ts';
import type { Process } from './process.ts';
import type { VdsoCopies } from './vdso-copies.ts';

/** <dlfcn.h> */
export const RTLD_NOW = 2;

/** What a Process holds once it runs on the real ld.so: where calls return, ld.so's state, the opened handles. */
export interface GuestLinkState {
  /** AT_ENTRY of the exec'ed program: the return address of every call (never executed). */
  entry: VirtAddr;
  /** ld.so's `_r_debug`. */
  rDebug: VirtAddr;
  /** dlopen handles (link_map addresses) by the path given to load, in load order. */
  handles: Map<string, VirtAddr>;
  /** Names dlsym found, cached (dlsym runs an ifunc's resolver on every lookup; picemu keeps the first answer). */
  symbols: Map<string, VirtAddr>;
  /** Instructions ld.so's start-up ran. */
  startInstructions: number;
  /** The vDSO's private copies (an engine that cannot map the kernel's image), refreshed before each call. */
  vdsoCopies?: VdsoCopies;
}

/** Adds the objects of ld.so's link map the process does not know yet to `process.modules`; returns them. */
export function syncModules(process: Process, guest: GuestLinkState): ProcessModule[] {
  const added: ProcessModule[] = [];
  for (const entry of readLinkMap(process.space, guest.rDebug)) {
    const named = entry.name === '' ? process.task.mm.exe : entry.name;
    if (!named.startsWith('/') || !existsSync(named)) continue; // the vDSO (linux-vdso.so.1) has no file
    // The file's own path, as maps shows it and picemu's loader records it; the name as ld.so was asked for it.
    const path = realpathSync(named);
    if (process.modules.some((m) => m.base === entry.base && m.path === path)) continue;
    const elf = elfOf(path);
    const module: ProcessModule = { name: basename(named), path, base: entry.base, span: loadSpan(elf), elf, linkMap: entry.address };
    added.push(printable(module, (x) => `Module ${x.name} at 0x${x.base.toString(16)}-0x${(x.base + x.span).toString(16)} (${x.path})`));
  }
  process.modules.push(...added);
  return added;
}

/** A function of the guest's libc, by its default version (dlopen, dlsym, dlerror live in libc since glibc 2.34). */
function libcFunction(process: Process, name: string): VirtAddr {
  const libc = process.modules.find((m) => m.name === 'libc.so.6');
  const sym = libc && lookupSymbol(libc.elf, name);
  if (!libc || !sym) throw new LoadError(`the guest's libc has no ${name} (glibc 2.34 or later is needed)`);
  return libc.base + Number(sym.value);
}

export interface GuestOpenLimits {
  budget: number;
  deadlineMs: number;
}

/** dlopen(path, RTLD_NOW) in the guest: the handle and the objects it added; a failure is a LoadError with dlerror()'s text. */
export function guestDlopen(process: Process, guest: GuestLinkState, path: string, limits: GuestOpenLimits): { handle: VirtAddr; root: ProcessModule; added: ProcessModule[] } {
  // ld.so searches a bare name as DT_NEEDED; a name with a slash is a path (made absolute: the guest's cwd is
  // picemu's, and the link map then names the file as maps does). Give it the file picemu would open.
  const file = path.includes('/') ? resolve(path) : findLibrary(path, undefined) ?? path;
  const out = process.call(libcFunction(process, 'dlopen'), [file, BigInt(RTLD_NOW)], { ret: 'ptr', internal: true, ...limits });
  const handle = out.result.type === 'ptr' ? Number(out.result.value) : 0;
  if (handle === 0) {
    const why = process.call(libcFunction(process, 'dlerror'), [], { ret: 'cstr', internal: true }).result;
    throw new LoadError(why.type === 'cstr' && why.value ? why.value : `${path}: dlopen failed`);
  }
  guest.handles.set(path, handle);
  const added = syncModules(process, guest);
  const root = process.modules.find((m) => m.linkMap === handle);
  if (!root) throw new LoadError(`${path}: dlopen returned 0x${handle.toString(16)}, which is not in ld.so's link map`);
  return { handle, root, added };
}

/** dlsym over the opened handles, in load order; undefined when no handle's scope defines `name`. */
export function guestDlsym(process: Process, guest: GuestLinkState, name: string): VirtAddr | undefined {
  const known = guest.symbols.get(name);
  if (known !== undefined) return known;
  const dlsym = libcFunction(process, 'dlsym');
  for (const handle of guest.handles.values()) {
    const r = process.call(dlsym, [BigInt(handle), name], { ret: 'ptr', internal: true }).result;
    const va = r.type === 'ptr' ? Number(r.value) : 0;
    if (va !== 0) {
      guest.symbols.set(name, va);
      return va;
    }
  }
  return undefined;
}
