// unicorn-engine 2.1.4 built to WebAssembly (wasm/unicorn-x86.cjs) behind the few methods lockstep's reference
// side calls on native unicorn (native-unicorn.ts): a unicorn that needs no system package.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { UNICORN_WASM_PATH } from '../../src/process/engines/unicorn-module.ts';
import { x86RegisterBytes } from './native-unicorn.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Module = any;

/** WebAssembly's JS API (the project's TypeScript lib has no types for it). */
const Wasm = (globalThis as unknown as { WebAssembly: any }).WebAssembly;

let module: Module | undefined;
let compiled: unknown;
/** What the module printed on stderr lately (an abort says why there: "TODO tci.c:601 ..."). */
let stderrLines: string[] = [];

/**
 * The module aborted inside unicorn (QEMU's interpreter stopped on an operation it lacks): that module is dead,
 * the next WasmUnicorn gets a fresh one. `what` is what it printed.
 */
export class WasmUnicornAborted extends Error {
  constructor(readonly what: string) {
    super(`wasm unicorn aborted: ${what}`);
    this.name = 'WasmUnicornAborted';
  }
}

/**
 * Instantiates the module synchronously (so a harness can replace an aborted one mid-run): the wasm embedded in the
 * .cjs is compiled once, each instance gets its own memory through emscripten's `instantiateWasm` hook.
 */
function instantiate(): Module {
  if (!compiled) {
    const text = readFileSync(UNICORN_WASM_PATH, 'latin1');
    const b64 = /wasmBinaryFile="data:application\/octet-stream;base64,([^"]+)"/.exec(text)?.[1];
    if (!b64) throw new Error(`${UNICORN_WASM_PATH}: no embedded wasm found`);
    compiled = new Wasm.Module(Buffer.from(b64, 'base64'));
  }
  const wasm = compiled;
  const arg: Module = {
    printErr: (line: string) => void (stderrLines = [...stderrLines.slice(-4), line]),
    instantiateWasm: (imports: unknown, done: (instance: any, module: unknown) => void) => {
      const instance = new Wasm.Instance(wasm, imports);
      done(instance, wasm);
      return instance.exports;
    },
  };
  const ready = (createRequire(import.meta.url)(UNICORN_WASM_PATH) as (m: Module) => Promise<Module>)(arg);
  void ready.catch(() => {}); // an abort later rejects it too; the abort is reported where it happens
  if (typeof arg.Unicorn !== 'function' || typeof arg._uc_open !== 'function') throw new Error(`${UNICORN_WASM_PATH}: the module did not initialize synchronously`);
  return arg;
}

/** The module (loaded once; a test file's top-level await keeps working). */
export async function loadWasmUnicorn(): Promise<Module> {
  module ??= instantiate();
  return module;
}

/** One unicorn instance in the wasm module, with native-unicorn.ts's method names. */
export class WasmUnicorn {
  private readonly m: Module;
  private readonly e: any;
  private readonly handle: number;
  private readonly scratch: number;
  private readonly batchIds: number;
  private readonly batchPtrs: number;
  private batchCount = 0;

  constructor(arch: number, mode: number) {
    this.m = module ??= instantiate();
    this.e = new this.m.Unicorn(arch, mode);
    this.handle = this.m.getValue(this.e.handle_ptr, '*');
    this.scratch = this.m._malloc(64);
    this.batchIds = this.m._malloc(64 * 4);
    this.batchPtrs = this.m._malloc(64 * 4);
  }

  hook_add(type: number, callback: (...args: any[]) => unknown, user?: unknown, begin?: number, end?: number, extra?: number): unknown {
    return this.e.hook_add(type, callback, user ?? {}, begin ?? 1, end ?? 0, extra);
  }

  mem_map(address: number | bigint, size: number, perms: number): void {
    this.e.mem_map(address, size, perms);
  }

  mem_write(address: number | bigint, bytes: ArrayLike<number>): void {
    this.e.mem_write(address, bytes);
  }

  mem_read(address: number | bigint, size: number): Uint8Array {
    const buf = this.m._malloc(size);
    try {
      this.check('uc_mem_read', this.m._uc_mem_read(this.handle, BigInt(address), buf, BigInt(size)));
      return this.m.HEAPU8.slice(buf, buf + size);
    } finally {
      this.m._free(buf);
    }
  }

  mem_read_into(address: number | bigint, out: Uint8Array): void {
    out.set(this.mem_read(address, out.length));
  }

  reg_write(regid: number, value: ArrayLike<number> | number | bigint): void {
    const bytes = x86RegisterBytes(regid) || 8;
    const heap: Uint8Array = this.m.HEAPU8;
    heap.fill(0, this.scratch, this.scratch + 64);
    if (typeof value === 'number' || typeof value === 'bigint') {
      let x = BigInt.asUintN(bytes * 8, BigInt(value));
      for (let i = 0; i < bytes; i++, x >>= 8n) heap[this.scratch + i] = Number(x & 0xffn);
    } else {
      for (let i = 0; i < value.length && i < 64; i++) heap[this.scratch + i] = value[i]!;
    }
    this.check('uc_reg_write', this.m._uc_reg_write(this.handle, regid, this.scratch));
  }

  /** A register as an unsigned value: Number up to 32 bits, BigInt for 64 bits. */
  reg_value(regid: number): number | bigint {
    const heap: Uint8Array = this.m.HEAPU8;
    heap.fill(0, this.scratch, this.scratch + 64);
    this.check('uc_reg_read', this.m._uc_reg_read(this.handle, regid, this.scratch));
    const view = new DataView(heap.buffer, heap.byteOffset + this.scratch, 16);
    switch (x86RegisterBytes(regid)) {
      case 1: return view.getUint8(0);
      case 2: return view.getUint16(0, true);
      case 4: return view.getUint32(0, true);
      default: return view.getBigUint64(0, true);
    }
  }

  /** Reads `ids` into `out`, 16 bytes per register (as native-unicorn.ts does). */
  reg_read_batch_raw(ids: Int32Array, out: Uint8Array): void {
    const m = this.m;
    if (ids.length > 64) throw new RangeError('reg_read_batch_raw: at most 64 registers');
    const values = m._malloc(ids.length * 16);
    try {
      m.HEAPU8.fill(0, values, values + ids.length * 16);
      for (let i = 0; i < ids.length; i++) {
        m.HEAP32[(this.batchIds >> 2) + i] = ids[i];
        m.HEAP32[(this.batchPtrs >> 2) + i] = values + 16 * i;
      }
      this.batchCount = ids.length;
      this.check('uc_reg_read_batch', m._uc_reg_read_batch(this.handle, this.batchIds, this.batchPtrs, this.batchCount));
      out.set(m.HEAPU8.subarray(values, values + ids.length * 16));
    } finally {
      m._free(values);
    }
  }

  /** emu_start returning the uc_err code instead of throwing. */
  emu_start_code(begin: number | bigint, until: number | bigint, timeout: number | bigint = 0, count = 0): number {
    this.alive();
    try {
      return this.m._uc_emu_start(this.handle, BigInt(begin), BigInt(until), BigInt(timeout), count);
    } catch (e) {
      if (!(e instanceof Wasm.RuntimeError)) throw e;
      // The module is gone with every instance in it: later WasmUnicorns get a fresh one.
      this.dead = true;
      if (module === this.m) module = undefined;
      const said = stderrLines.filter((l) => !l.startsWith('Aborted(')).pop() ?? String((e as Error).message);
      stderrLines = [];
      throw new WasmUnicornAborted(said.trim());
    }
  }

  private dead = false;

  private alive(): void {
    if (this.dead) throw new WasmUnicornAborted('this instance\'s module aborted earlier');
  }

  emu_stop(): void {
    this.m._uc_emu_stop(this.handle);
  }

  strerror(code: number): string {
    return this.m.strerror(code);
  }

  close(): void {
    if (this.dead) return;
    this.e.close();
    for (const p of [this.scratch, this.batchIds, this.batchPtrs]) this.m._free(p);
  }

  private check(what: string, err: number): void {
    if (err !== 0) throw new Error(`wasm unicorn: ${what} failed: ${this.strerror(err)} (${err})`);
  }
}
