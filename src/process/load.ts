// Loading a library into a process. One that needs libc (libc.so.6 in its DT_NEEDED closure) is opened by the
// guest's own dlopen in an exec'ed process (guest-dlopen.ts), so the real ld.so initializes everything; a
// self-contained one is mapped by picemu's loader (src/loader), and this adds what needs the process: ifunc
// resolvers run on the CPU, static TLS (offsets, images, __tls_get_addr), and initializers.
import { findLibrary, Linker, LoadError, type LoadedModule, type Requester } from '../loader/index.ts';
import { PAGE_SIZE } from '../mm/types.ts';
import { CallError, CallLimitError, InitializerError } from './errors.ts';
import type { Process, ProcessModule } from './process.ts';
import { printable } from './inspect.ts';
import { guestDlopen } from './guest-dlopen.ts';
import { elfOf } from './link-map.ts';
import { DEFAULT_BUDGET, DEFAULT_DEADLINE_MS } from './call-types.ts';

/**
 * Limits on the code a load runs on the CPU (DT_INIT / DT_INIT_ARRAY functions and ifunc resolvers), each
 * applied to every such function separately. Hitting one ends the load with an InitializerError naming the
 * module, the function and the limit (never a silent stop).
 */
export interface LoadOptions {
  /**
   * Instructions one initializer or resolver may execute (default 20 million, DEFAULT_INIT_BUDGET); for a library
   * opened with the guest's dlopen, the whole dlopen (default 200 million, as a call).
   */
  initBudget?: number;
  /** Wall-clock ms one initializer or resolver may run (default 500, DEFAULT_INIT_DEADLINE_MS), or the guest's whole dlopen (default 30 000); Infinity for none. */
  initDeadlineMs?: number;
}

/**
 * Default instruction budget of one load-time function: far beyond what real initializers run (typically well
 * under a million instructions), and small enough that an initializer that loops ends the load in well under
 * a second (picemu runs a tight loop at about 60 million instructions per second).
 */
export const DEFAULT_INIT_BUDGET = 20_000_000;
/** Default wall-clock limit of one load-time function, for code whose instructions are slow (the budget binds first otherwise). */
export const DEFAULT_INIT_DEADLINE_MS = 500;

/** The limits of the load in progress in a process (the Linker's ifunc callback is created once per process). */
const activeLimits = new WeakMap<Process, Required<LoadOptions>>();

/** Runs load-time code (`what` of `module`) under the load's limits; a failure is an InitializerError. */
function runLoadTime<T>(process: Process, module: string, what: string, run: (limits: { budget: number; deadlineMs: number }) => T): T {
  const limits = activeLimits.get(process) ?? { initBudget: DEFAULT_INIT_BUDGET, initDeadlineMs: DEFAULT_INIT_DEADLINE_MS };
  try {
    return run({ budget: limits.initBudget, deadlineMs: limits.initDeadlineMs });
  } catch (e) {
    if (e instanceof CallError) {
      const limit = e instanceof CallLimitError ? (e.limit === 'budget' ? `instruction budget of ${limits.initBudget} (load option initBudget)` : `deadline of ${limits.initDeadlineMs} ms (load option initDeadlineMs)`) : undefined;
      throw new InitializerError(module, what, e, e instanceof CallLimitError ? e.limit : undefined, limit);
    }
    throw e;
  }
}

export interface LoadResult {
  /** The module asked for. */
  module: ProcessModule;
  /** Modules this load mapped, in load order (the root and new dependencies). */
  modules: ProcessModule[];
  /** What a person should know: unsupported relocation types. */
  notes: string[];
  /** Modules whose initializers were not run (none: kept for existing users). */
  skippedInitializers: string[];
  /** Initializers picemu ran, as `module:symbol`, in order (none when the guest's ld.so ran them). */
  initializers: string[];
  /** Who mapped and initialized the library: the real ld.so through the guest's dlopen, or picemu's loader. */
  loader: 'guest-dlopen' | 'picemu';
}

/**
 * A library whose DT_NEEDED closure holds libc is opened by the real ld.so. One that needs only ld.so (for
 * __tls_get_addr) stays with picemu's loader: ld.so has no initializers, and picemu provides __tls_get_addr.
 */
const LIBC = 'libc.so.6';

/**
 * Whether `path` needs libc: it is, or depends (through DT_NEEDED, searched as ld.so searches) on, libc.so.6.
 * False when a file cannot be found or parsed: picemu's loader then reports that, as it always has.
 */
export function needsLibc(path: string): boolean {
  try {
    const rootPath = findLibrary(path, undefined);
    if (!rootPath) return false;
    const seen = new Set<string>();
    const queue: { name: string; path: string; requester?: Requester }[] = [{ name: path, path: rootPath }];
    while (queue.length) {
      const next = queue.shift()!;
      const file = next.path.slice(next.path.lastIndexOf('/') + 1);
      if (file === LIBC || next.name === LIBC) return true;
      if (seen.has(next.path)) continue;
      seen.add(next.path);
      const elf = elfOf(next.path);
      const requester: Requester = { openedAs: next.path, rpath: elf.dynamic?.rpath, runpath: elf.dynamic?.runpath, requestedBy: next.requester };
      for (const needed of elf.dynamic?.needed ?? []) {
        const found = findLibrary(needed, requester);
        if (!found) return false;
        queue.push({ name: needed, path: found, requester });
      }
    }
    return false;
  } catch {
    return false;
  }
}

/** Functions ld.so defines that picemu provides itself (ld.so's own need its uninitialized state). */
function providedFunctions(process: Process): Map<string, number> {
  return new Map([['__tls_get_addr', process.tlsGetAddr]]);
}

/** The process's Linker (one per address space: it holds the global scope). */
export function linkerOf(process: Process): Linker {
  return (process.linker ??= new Linker(process.space, {
    // IRELATIVE and ifunc-bound relocations: run the resolver on the CPU now, as ld.so does while relocating.
    resolveIfunc: (resolver, module) =>
      runLoadTime(process, module.name, `ifunc resolver ${describe(process, resolver)}`, (limits) => {
        const out = process.call(resolver, [], { ret: 'ulong', internal: true, ...limits });
        return out.result.type === 'ulong' ? out.result.value : 0n;
      }),
    // Static TLS, variant II: blocks below the thread pointer, in the process's static TLS area.
    assignTls: (module, request) => {
      const slot = process.tls.add({ module: module.name, memsz: request.blockSize, align: request.align, firstByte: request.firstByte });
      return { modid: slot.moduleId, tpOffset: slot.tpOffset };
    },
  }));
}

function describe(process: Process, va: number): string {
  const loc = process.locate(va);
  return loc.symbol ?? `0x${va.toString(16)}`;
}

function toProcessModule(m: LoadedModule): ProcessModule {
  const module = { name: m.name, path: m.path, base: m.base, span: Math.ceil((m.mapEnd - m.base) / PAGE_SIZE) * PAGE_SIZE, elf: m.elf, loaded: m };
  return printable(module, (x) => `Module ${x.name} at 0x${x.base.toString(16)}-0x${(x.base + x.span).toString(16)} (${x.path})`);
}

/** Loads `path` and its dependencies into `process`; load-time code runs under `options`' limits (see LoadOptions). */
export function loadLibrary(process: Process, path: string, options: LoadOptions = {}): LoadResult {
  const outer = activeLimits.get(process);
  activeLimits.set(process, {
    initBudget: options.initBudget ?? DEFAULT_INIT_BUDGET,
    initDeadlineMs: options.initDeadlineMs ?? DEFAULT_INIT_DEADLINE_MS,
  });
  try {
    const result = process.guest || needsLibc(path) ? (process.guest || process.modules.length === 0 ? loadWithGuestDlopen(process, path, options) : reopenOnRealLdSo(process, path, options)) : loadWithLimits(process, path);
    process.libraries.push(path);
    return result;
  } finally {
    if (outer) activeLimits.set(process, outer);
    else activeLimits.delete(process);
  }
}

/**
 * The first library that needs libc, in a process where picemu's loader has mapped others: the process becomes the
 * exec'ed program and the guest's dlopen opens the earlier libraries again, in order, then this one. Only while no
 * call has run there (nothing a call changed is lost) and in a process that was not forked (its memory is its own).
 */
function reopenOnRealLdSo(process: Process, path: string, options: LoadOptions): LoadResult {
  const earlier = [...process.libraries];
  if (process.completedCalls > 0 || process.activeCall || process.forkedFrom !== undefined) {
    throw new LoadError(`${path} needs libc, so the real ld.so must open it in an exec'ed program, but process ${process.pid} already ran code in libraries picemu's loader mapped (${earlier.join(', ')}): load ${path} first, or in a new process`);
  }
  process.forgetLoaderModules();
  for (const lib of earlier) loadWithGuestDlopen(process, lib, options);
  const result = loadWithGuestDlopen(process, path, options);
  const reopened = process.modules.filter((m) => !result.modules.includes(m));
  return printable({ ...result, modules: [...result.modules, ...reopened], notes: [`opened again with the guest's dlopen: ${earlier.join(', ')} (they were mapped by picemu's loader before)`] }, (r) =>
    [`opened ${r.module.name} at 0x${r.module.base.toString(16)} with the guest's dlopen`, ...r.modules.filter((x) => x !== r.module).map((x) => `  with ${x.name} at 0x${x.base.toString(16)}`), ...r.notes.map((n) => `  note: ${n}`)].join('\n'));
}

/** dlopen(path, RTLD_NOW) by the guest's libc, in the exec'ed process the Process becomes on its first such load. */
function loadWithGuestDlopen(process: Process, path: string, options: LoadOptions): LoadResult {
  const { guest, modules: started } = process.enterHostProgram();
  const limits = { budget: options.initBudget ?? DEFAULT_BUDGET, deadlineMs: options.initDeadlineMs ?? DEFAULT_DEADLINE_MS };
  let opened;
  try {
    opened = guestDlopen(process, guest, path, limits);
  } catch (e) {
    if (e instanceof CallError) throw new InitializerError(path.slice(path.lastIndexOf('/') + 1), 'dlopen', e, e instanceof CallLimitError ? e.limit : undefined, e instanceof CallLimitError ? (e.limit === 'budget' ? `instruction budget of ${limits.budget} (load option initBudget)` : `deadline of ${limits.deadlineMs} ms (load option initDeadlineMs)`) : undefined);
    throw e;
  }
  const { root, added } = opened;
  // The root first, then what this load brought in (the first load: the program, libc, ld.so as well).
  const modules = [root, ...[...started, ...added].filter((m) => m !== root)];
  return printable({ module: root, modules, notes: [], skippedInitializers: [], initializers: [], loader: 'guest-dlopen' as const }, (r) =>
    [`opened ${r.module.name} at 0x${r.module.base.toString(16)} with the guest's dlopen`, ...r.modules.filter((x) => x !== r.module).map((x) => `  with ${x.name} at 0x${x.base.toString(16)}`)].join('\n'),
  );
}

function loadWithLimits(process: Process, path: string): LoadResult {
  const linker = linkerOf(process);
  // Modules become visible to symbolization as soon as they are mapped: resolvers and initializers are traced and named.
  const result = linker.load(path);
  const modules = result.loaded.map(toProcessModule);
  process.modules.push(...modules);
  const byLoaded = new Map(modules.map((m) => [m.loaded, m]));
  const root = process.modules.find((m) => m.loaded === result.root)!;
  const notes: string[] = [];
  for (const [name, count] of result.unsupported) notes.push(`${count} relocation(s) of type ${name} not applied`);

  // Undefined functions: their traps, so a call to one is reported by name.
  for (const t of linker.traps.all()) process.traps.set(t.address, { symbol: t.name, neededBy: t.neededBy });

  // ld.so functions picemu provides: point every slot bound to them at picemu's version.
  const provided = providedFunctions(process);
  for (const m of result.loaded) {
    for (const r of m.relocations) {
      const va = r.symbol !== undefined ? provided.get(r.symbol) : undefined;
      if (va === undefined || (r.type !== 'R_X86_64_JUMP_SLOT' && r.type !== 'R_X86_64_GLOB_DAT' && r.type !== 'R_X86_64_64')) continue;
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigUint64(0, BigInt(va), true);
      process.space.poke(r.slot, bytes); // the slot may be under RELRO now
      r.value = BigInt(va);
      r.definedIn = 'picemu';
    }
  }

  // Static TLS: each new module's initialization image, copied after relocation (the image may hold relocated pointers).
  for (const m of result.loaded) {
    if (!m.tls) continue;
    const image = m.tls.initSize ? process.space.peek(m.tls.initImage, m.tls.initSize) : new Uint8Array(0);
    process.installTls(byLoaded.get(m)!, m.tls.modid, m.tls.tpOffset!, image ?? new Uint8Array(m.tls.initSize));
  }

  // Initializers: dependencies first (libc is never among them: its users go to the guest's dlopen).
  const initializers: string[] = [];
  for (const m of result.initOrder) {
    if (m.initFunctions.length === 0) continue;
    for (const fn of m.initFunctions) {
      const what = describe(process, fn);
      // ld.so calls DT_INIT and DT_INIT_ARRAY entries as (argc, argv, envp).
      const argv = process.place(new Uint8Array(16));
      runLoadTime(process, m.name, what, (limits) => process.call(fn, [0n, BigInt(argv), BigInt(argv + 8)], { ret: 'void', internal: true, ...limits }));
      initializers.push(`${m.name}:${what}`);
    }
  }
  return printable({ module: root, modules, notes, skippedInitializers: [], initializers, loader: 'picemu' as const }, (r) =>
    [`loaded ${r.module.name} at 0x${r.module.base.toString(16)}`, ...r.modules.filter((x) => x !== r.module).map((x) => `  with ${x.name} at 0x${x.base.toString(16)}`), ...r.initializers.map((i) => `  ran ${i}`), ...r.notes.map((n) => `  note: ${n}`)].join('\n'),
  );
}
