// Loads the unicorn-engine WebAssembly build committed in wasm/ (one module per host process, shared by every
// Machine that runs on it) after checking its hash, and lends its heap to frames as a FramePool.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FramePool } from '../../mm/physical.ts';
import { PAGE_SIZE } from '../../mm/types.ts';

/** The committed build and its hash (wasm/build.sh writes both); PICEMU_UNICORN_WASM names another build. */
export const UNICORN_WASM_PATH = process.env.PICEMU_UNICORN_WASM || fileURLToPath(new URL('../../../wasm/unicorn-x86.cjs', import.meta.url));
const HASH_PATH = `${UNICORN_WASM_PATH}.sha256`;
export const REBUILD_COMMAND = 'wasm/build.sh UNICORN_JS_DIR UNICORN_DIR (see wasm/README.md)';

/** The parts of the emscripten module picemu calls (exported C functions take BigInt for uint64_t). */
export interface UnicornModule {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  HEAP64: BigInt64Array;
  HEAPU64: BigUint64Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _uc_open(arch: number, mode: number, handlePtr: number): number;
  _uc_close(uc: number): number;
  _uc_emu_start(uc: number, begin: bigint, until: bigint, timeout: bigint, count: number): number;
  _uc_emu_stop(uc: number): number;
  _uc_mem_map_ptr(uc: number, address: bigint, size: bigint, perms: number, ptr: number): number;
  _uc_mem_unmap(uc: number, address: bigint, size: bigint): number;
  _uc_mem_protect(uc: number, address: bigint, size: bigint, perms: number): number;
  _uc_reg_read_batch(uc: number, ids: number, values: number, count: number): number;
  _uc_reg_write_batch(uc: number, ids: number, values: number, count: number): number;
  _uc_reg_read(uc: number, id: number, value: number): number;
  _uc_reg_write(uc: number, id: number, value: number): number;
  _uc_hook_add(uc: number, hookPtr: number, type: number, callback: number, user: number, begin: bigint, end: bigint, extra: number): number;
  _uc_hook_del(uc: number, hook: number): number;
  _uc_ctl(uc: number, control: number, args: number): number;
  _uc_strerror(err: number): number;
  addFunction(fn: (...args: never[]) => unknown, signature: string): number;
  removeFunction(index: number): void;
  UTF8ToString?(ptr: number): string;
  [constant: string]: unknown;
}

/** The unicorn build is missing or damaged: one line naming the file and the rebuild command. */
export class UnicornWasmError extends Error {
  constructor(why: string) {
    super(`unicorn engine: ${UNICORN_WASM_PATH} ${why}; rebuild it with ${REBUILD_COMMAND}`);
    this.name = 'UnicornWasmError';
  }
}

/**
 * unicorn-engine aborted inside the module (QEMU's interpreter met an operation it lacks): the module, and with it
 * every frame of every process on it, is unusable for the rest of this host process.
 */
export class UnicornAbortError extends Error {
  constructor(readonly what: string, rip?: number) {
    super(`unicorn engine: unicorn-engine aborted${rip !== undefined ? ` at RIP 0x${rip.toString(16)}` : ''} (${what}); its WebAssembly module cannot run again in this process`);
    this.name = 'UnicornAbortError';
  }
}

let loading: Promise<UnicornModule> | undefined;
let loaded: UnicornModule | undefined;
let aborted: UnicornAbortError | undefined;
/** The module's last lines on stderr (an abort says why there). */
let stderrLines: string[] = [];

/** Turns an exception out of the module into UnicornAbortError when the module aborted (it is dead from then on). */
export function moduleFailure(e: unknown, rip?: number): unknown {
  const isAbort = e instanceof Error && e.name === 'RuntimeError' && /Aborted|unreachable|out of bounds/.test(e.message);
  if (!isAbort) return e;
  const said = stderrLines.filter((l) => !l.startsWith('Aborted(')).pop()?.trim() || (e as Error).message.split('.')[0]!;
  aborted = new UnicornAbortError(said, rip);
  return aborted;
}

/** The module, instantiated once (checks the file against its committed sha256 first). */
export function loadUnicornModule(): Promise<UnicornModule> {
  loading ??= instantiate().then(
    (m) => (loaded = m),
    (e) => {
      loading = undefined;
      throw e;
    },
  );
  return loading;
}

/** The module if loadUnicornModule has finished (engines are made synchronously, after Machine.create). */
export function unicornModule(): UnicornModule {
  if (aborted) throw aborted;
  if (!loaded) throw new UnicornWasmError('is not loaded (make the Machine with Machine.create({ engine: "unicorn" }))');
  return loaded;
}

async function instantiate(): Promise<UnicornModule> {
  if (!existsSync(UNICORN_WASM_PATH)) throw new UnicornWasmError('is missing');
  const bytes = readFileSync(UNICORN_WASM_PATH);
  const want = existsSync(HASH_PATH) ? readFileSync(HASH_PATH, 'utf8').split(/\s+/)[0] : undefined;
  if (!want) throw new UnicornWasmError(`has no hash file (${HASH_PATH})`);
  const got = createHash('sha256').update(bytes).digest('hex');
  if (got !== want) throw new UnicornWasmError(`is damaged (sha256 ${got.slice(0, 12)}…, expected ${want.slice(0, 12)}…)`);
  let factory: unknown;
  try {
    factory = createRequire(import.meta.url)(UNICORN_WASM_PATH);
  } catch (e) {
    throw new UnicornWasmError(`cannot be loaded (${firstLine(e)})`);
  }
  if (typeof factory !== 'function') throw new UnicornWasmError('does not export the MUnicorn factory');
  try {
    const printErr = (line: string) => void (stderrLines = [...stderrLines.slice(-4), String(line)]);
    return (await (factory as (arg: object) => Promise<UnicornModule>)({ printErr })) as UnicornModule;
  } catch (e) {
    throw new UnicornWasmError(`cannot be instantiated (${firstLine(e)})`);
  }
}

function firstLine(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0]!.slice(0, 200);
}

/** A pool's malloc'd chunks go back to the module when the pool (its Machine, every frame in it) is collected. */
const chunkReclaimer = new FinalizationRegistry<{ module: UnicornModule; chunks: number[] }>(({ module, chunks }) => {
  UnicornFramePool.chunksHeld -= chunks.length;
  if (aborted) return; // nothing in a dead module may be called
  for (const raw of chunks) module._free(raw);
});

/** Pages of the module's heap for frames: malloc'd in chunks, aligned to 4 KiB, reused through a free list. */
export class UnicornFramePool implements FramePool {
  private readonly freeList: number[] = [];
  private readonly chunks: number[] = [];
  private static readonly CHUNK_PAGES = 64;
  /** Chunks malloc'd by pools that are still alive, over all Machines (tests watch it). */
  static chunksHeld = 0;

  constructor(private readonly module: UnicornModule) {
    chunkReclaimer.register(this, { module, chunks: this.chunks });
  }

  allocate(): number {
    if (this.freeList.length === 0) {
      const raw = this.module._malloc((UnicornFramePool.CHUNK_PAGES + 1) * PAGE_SIZE);
      if (!raw) throw new RangeError('unicorn engine: out of WebAssembly memory for frames');
      this.chunks.push(raw);
      UnicornFramePool.chunksHeld++;
      const first = Math.ceil(raw / PAGE_SIZE) * PAGE_SIZE;
      for (let k = UnicornFramePool.CHUNK_PAGES - 1; k >= 0; k--) this.freeList.push(first + k * PAGE_SIZE);
    }
    const address = this.freeList.pop()!;
    this.module.HEAPU8.fill(0, address, address + PAGE_SIZE);
    return address;
  }

  free(address: number): void {
    this.freeList.push(address);
  }

  heap(): Uint8Array {
    return this.module.HEAPU8;
  }
}
