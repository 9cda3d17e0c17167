// The modules a process knows (what the loader mapped into it), their static TLS blocks, and symbol lookup:
// a global name as dlsym finds it (ifuncs resolved by running their resolver), or any name of a module's tables.
import { STT_GNU_IFUNC } from '../elf/index.ts';
import type { LoadedModule } from '../loader/index.ts';
import { PAGE_SIZE, type VirtAddr } from '../mm/types.ts';
import type { SymbolizableModule } from '../trace/symbolize.ts';
import { CallError } from './errors.ts';
import { guestDlsym } from './guest-dlopen.ts';
import type { Process } from './process.ts';
import { TLS_GET_ADDR_TABLE } from './tls.ts';

/** A module as the process knows it: where it is and what it is. */
export interface ProcessModule extends SymbolizableModule {
  /** The path it was loaded from. */
  path: string;
  /** Its static TLS block, when it has PT_TLS: module ID and distance below the thread pointer. */
  tls?: { moduleId: number; tpOffset: number };
  /** picemu's loader's record (relocations applied, dependencies, init/fini functions), when picemu's loader mapped it. */
  loaded?: LoadedModule;
  /** Its `struct link_map` in the guest, when the real ld.so mapped it (the handle dlopen returned for it). */
  linkMap?: VirtAddr;
}

/** Module IDs for __tls_get_addr's table (up to this many modules with TLS). */
const MAX_TLS_MODULES = 64;

/** Installs a module's static TLS block: its image copied below the TCB, its entry in __tls_get_addr's table. */
export function installModuleTls(process: Process, module: ProcessModule, moduleId: number, tpOffset: number, image: Uint8Array): void {
  if (moduleId >= MAX_TLS_MODULES) throw new Error(`too many modules with TLS (${MAX_TLS_MODULES})`);
  module.tls = { moduleId, tpOffset };
  if (image.length) process.space.write(process.threadPointer - tpOffset, image);
  const entry = new Uint8Array(8);
  new DataView(entry.buffer).setBigInt64(0, BigInt(-tpOffset), true);
  process.space.poke(process.tlsGetAddr + TLS_GET_ADDR_TABLE + 8 * moduleId, entry);
  process.cpu.invalidateCode(process.runtimePage, PAGE_SIZE);
}

/**
 * Mapped address of a symbol (see Process.resolve). `ifuncs` caches resolver address → the implementation it
 * picked (dlsym runs a resolver once per lookup; picemu once per process).
 */
export function resolveSymbol(process: Process, target: string, ifuncs: Map<VirtAddr, VirtAddr>): VirtAddr {
  const colon = target.indexOf(':');
  const [module, name] = colon > 0 ? [target.slice(0, colon), target.slice(colon + 1)] : [undefined, target];
  // Modules the real ld.so opened: the guest's own dlsym finds the name (ifuncs resolved as it resolves them).
  const guestSymbol = module === undefined && process.guest ? guestDlsym(process, process.guest, name) : undefined;
  if (guestSymbol !== undefined) return guestSymbol;
  const global = module === undefined ? process.linker?.lookup(name) : undefined;
  if (global) {
    if (global.symbol.type !== STT_GNU_IFUNC) return global.address;
    let picked = ifuncs.get(global.address);
    if (picked === undefined) {
      const r = process.call(global.address, [], { ret: 'ulong', internal: true }).result;
      picked = r.type === 'ulong' ? Number(r.value) : 0;
      ifuncs.set(global.address, picked);
    }
    return picked;
  }
  const va = process.symbolizer.resolve(name, module);
  if (va === undefined) throw new CallError(`no symbol ${target} in ${process.modules.map((m) => m.name).join(', ') || '(no modules loaded)'}`);
  return va;
}
