// Native unicorn-engine (Debian libunicorn2) loaded with koffi, behind the method names and value conventions
// of picemu's unicorn.js-compatible facade: the reference CPU for tests and benchmarks, never for users.
import { createRequire } from 'node:module';
import { constants as UC } from '../../src/unicorn/constants.ts';
import { fail, strerror } from '../../src/unicorn/errors.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Koffi = any;
type Fn = (...args: any[]) => any;

/** Where the shared library may be; PICEMU_LIBUNICORN overrides. */
const LIBRARY_PATHS = [
  process.env.PICEMU_LIBUNICORN,
  '/usr/lib/x86_64-linux-gnu/libunicorn.so.2',
  'libunicorn.so.2',
  'libunicorn.so',
].filter((p): p is string => !!p);

/** The bound uc_* functions and the callback prototypes hooks are registered with. */
interface Binding {
  koffi: Koffi;
  path: string;
  fn: Record<string, Fn>;
  proto: Record<'code' | 'intr' | 'syscall' | 'mem' | 'eventmem' | 'invalid', unknown>;
  regionType: unknown;
}

let binding: Binding | undefined;
let unavailable: string | undefined;

function bind(): Binding | undefined {
  if (binding || unavailable) return binding;
  let koffi: Koffi;
  try {
    koffi = createRequire(import.meta.url)('koffi');
  } catch (e) {
    unavailable = `koffi cannot be loaded (${(e as Error).message.split('\n')[0]})`;
    return undefined;
  }
  const errors: string[] = [];
  for (const path of LIBRARY_PATHS) {
    let lib: any;
    try {
      lib = koffi.load(path);
    } catch (e) {
      errors.push(`${path}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    koffi.opaque('uc_engine');
    koffi.opaque('uc_context');
    const regionType = koffi.struct('uc_mem_region', { begin: 'uint64_t', end: 'uint64_t', perms: 'uint32_t' });
    const decls: Record<string, string> = {
      version: 'unsigned int uc_version(_Out_ unsigned int *major, _Out_ unsigned int *minor)',
      arch_supported: 'bool uc_arch_supported(int arch)',
      strerror: 'const char *uc_strerror(int code)',
      open: 'int uc_open(int arch, int mode, _Out_ uc_engine **uc)',
      close: 'int uc_close(uc_engine *uc)',
      errno: 'int uc_errno(uc_engine *uc)',
      query: 'int uc_query(uc_engine *uc, int type, _Out_ size_t *result)',
      reg_read: 'int uc_reg_read(uc_engine *uc, int regid, void *value)',
      reg_write: 'int uc_reg_write(uc_engine *uc, int regid, const void *value)',
      reg_read_batch: 'int uc_reg_read_batch(uc_engine *uc, int *regs, uintptr_t vals, int count)',
      mem_read: 'int uc_mem_read(uc_engine *uc, uint64_t address, void *bytes, size_t size)',
      mem_write: 'int uc_mem_write(uc_engine *uc, uint64_t address, const void *bytes, size_t size)',
      mem_map: 'int uc_mem_map(uc_engine *uc, uint64_t address, size_t size, uint32_t perms)',
      mem_map_ptr: 'int uc_mem_map_ptr(uc_engine *uc, uint64_t address, size_t size, uint32_t perms, uintptr_t ptr)',
      mem_unmap: 'int uc_mem_unmap(uc_engine *uc, uint64_t address, size_t size)',
      mem_protect: 'int uc_mem_protect(uc_engine *uc, uint64_t address, size_t size, uint32_t perms)',
      mem_regions: 'int uc_mem_regions(uc_engine *uc, _Out_ uc_mem_region **regions, _Out_ uint32_t *count)',
      free: 'int uc_free(void *mem)',
      emu_start: 'int uc_emu_start(uc_engine *uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)',
      emu_stop: 'int uc_emu_stop(uc_engine *uc)',
      hook_add: 'int uc_hook_add(uc_engine *uc, _Out_ size_t *hh, int type, uintptr_t callback, void *user_data, uint64_t begin, uint64_t end, ...)',
      hook_del: 'int uc_hook_del(uc_engine *uc, size_t hh)',
      context_alloc: 'int uc_context_alloc(uc_engine *uc, _Out_ uc_context **context)',
      context_save: 'int uc_context_save(uc_engine *uc, uc_context *context)',
      context_restore: 'int uc_context_restore(uc_engine *uc, uc_context *context)',
      context_free: 'int uc_context_free(uc_context *context)',
      ctl: 'int uc_ctl(uc_engine *uc, int control, ...)',
    };
    const fn: Record<string, Fn> = {};
    try {
      for (const [name, decl] of Object.entries(decls)) fn[name] = lib.func(decl);
    } catch (e) {
      errors.push(`${path}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    const proto = {
      code: koffi.proto('void uc_cb_hookcode_t(uc_engine *uc, uint64_t address, uint32_t size, void *user_data)'),
      intr: koffi.proto('void uc_cb_hookintr_t(uc_engine *uc, uint32_t intno, void *user_data)'),
      syscall: koffi.proto('void uc_cb_insn_syscall_t(uc_engine *uc, void *user_data)'),
      mem: koffi.proto('void uc_cb_hookmem_t(uc_engine *uc, int type, uint64_t address, int size, int64_t value, void *user_data)'),
      eventmem: koffi.proto('bool uc_cb_eventmem_t(uc_engine *uc, int type, uint64_t address, int size, int64_t value, void *user_data)'),
      invalid: koffi.proto('bool uc_cb_hookinsn_invalid_t(uc_engine *uc, void *user_data)'),
    };
    binding = { koffi, path, fn, proto, regionType };
    return binding;
  }
  unavailable = `libunicorn2 is not installed (${errors.join('; ')})`;
  return undefined;
}

/** Why the native engine cannot be used here, or undefined when it can. */
export function nativeUnicornUnavailable(): string | undefined {
  bind();
  return unavailable;
}

/** Width in bytes of what uc_reg_read writes for an x86 register number (0: not a plain value). */
const REG_BYTES: Uint8Array = (() => {
  const widths = new Uint8Array(UC.X86_REG_ENDING);
  for (const [key, id] of Object.entries(UC)) {
    if (!key.startsWith('X86_REG_') || id >= UC.X86_REG_ENDING) continue;
    const n = key.slice(8);
    let w = 8;
    if (/^(A|B|C|D)(H|L)$|^(BPL|DIL|SIL|SPL)$|^R\d+B$/.test(n)) w = 1;
    else if (/^(AX|BX|CX|DX|BP|SP|SI|DI|IP|CS|DS|ES|FS|GS|SS|FPSW|FPCW|FPTAG|FLAGS|FCS|FDS|FOP)$|^R\d+W$/.test(n)) w = 2;
    else if (/^E|^R\d+D$|^MXCSR$/.test(n)) w = 4;
    else if (/^(FP|ST)\d$/.test(n)) w = 10;
    else if (/^XMM/.test(n)) w = 16;
    else if (/^YMM/.test(n)) w = 32;
    else if (/^ZMM/.test(n)) w = 64;
    else if (/^(IDTR|GDTR|LDTR|TR|MSR|INVALID)$/.test(n)) w = 0;
    widths[id] = w;
  }
  return widths;
})();

/** Bytes of an x86 register as uc_reg_read writes them, or 0 when it is not a plain value. */
export function x86RegisterBytes(regid: number): number {
  return REG_BYTES[regid] ?? 0;
}

type HookCallback = (...args: any[]) => unknown;

/** What hook_add returns (as the facade's HookHandle); pass it back to hook_del. */
export interface NativeHook {
  handle: number;
  callback: number;
}

/** UC_CTL_WRITE(type, nr): the control word for a uc_ctl that writes `nr` arguments. */
const ctlWrite = (type: number, nr: number): number => (type | (nr << 26) | (UC.CTL_IO_WRITE << 30)) | 0;

const toBig = (v: number | bigint): bigint => (typeof v === 'bigint' ? BigInt.asUintN(64, v) : BigInt.asUintN(64, BigInt(v)));

/** One native engine, with unicorn.js's method names. */
export class NativeUnicorn {
  readonly arch: number;
  readonly mode: number;
  private readonly b: Binding;
  private handle: unknown;
  /** Live hooks: uc_hook handle → koffi trampoline registration (released on hook_del and close). */
  private readonly hooks = new Map<number, unknown>();
  /** Contexts by the number handed out (unicorn.js hands out uc_context pointers as numbers). */
  private readonly contexts = new Map<number, unknown>();
  private nextContext = 1;
  /** Buffers given to mem_map_ptr, kept alive while unicorn may touch them. */
  private readonly pinned = new Map<number, Uint8Array>();
  private readonly scratch = new Uint8Array(64);
  private readonly scratchView = new DataView(this.scratch.buffer);
  private readonly hookOut = new BigUint64Array(1);
  private readonly batchPointers = new WeakMap<Uint8Array, BigUint64Array>();

  constructor(arch: number, mode: number) {
    const b = bind();
    if (!b) throw new Error(`native unicorn-engine unavailable: ${unavailable}`);
    this.b = b;
    this.arch = arch;
    this.mode = mode;
    const out: unknown[] = [null];
    const err = b.fn.open(arch, mode, out);
    if (err !== 0) fail('open', err);
    this.handle = out[0];
  }

  private check(name: string, err: number): void {
    if (err !== 0) fail(name, err);
  }

  // --- registers -------------------------------------------------------------------------------

  /** `size` bytes of a register, little-endian (unicorn.js: `reg_read(regid, size)` returns a Uint8Array). */
  reg_read(regid: number, size: number): Uint8Array {
    this.readRegBytes(regid);
    return this.scratch.slice(0, size);
  }

  /** Writes a register from its little-endian bytes (unicorn.js's form); a Number or BigInt is also taken. */
  reg_write(regid: number, value: ArrayLike<number> | number | bigint): void {
    const bytes = x86RegisterBytes(regid) || 8;
    this.scratch.fill(0);
    if (typeof value === 'number' || typeof value === 'bigint') {
      let x = BigInt.asUintN(bytes * 8, BigInt(value));
      for (let i = 0; i < bytes; i++, x >>= 8n) this.scratch[i] = Number(x & 0xffn);
    } else {
      for (let i = 0; i < value.length && i < 64; i++) this.scratch[i] = value[i];
    }
    this.check('reg_write', this.b.fn.reg_write(this.handle, regid, this.scratch));
  }

  /** A register as an unsigned value: Number up to 32 bits, BigInt for 64 bits and wider (XMM as one 128-bit BigInt). */
  reg_value(regid: number): number | bigint {
    const bytes = this.readRegBytes(regid);
    const v = this.scratchView;
    switch (bytes) {
      case 1: return v.getUint8(0);
      case 2: return v.getUint16(0, true);
      case 4: return v.getUint32(0, true);
      case 8: return v.getBigUint64(0, true);
      default: {
        let out = 0n;
        for (let i = bytes - 1; i >= 0; i--) out = (out << 8n) | BigInt(this.scratch[i]);
        return out;
      }
    }
  }

  reg_read_i8(regid: number): number { this.readRegBytes(regid); return this.scratchView.getInt8(0); }
  reg_read_i16(regid: number): number { this.readRegBytes(regid); return this.scratchView.getInt16(0, true); }
  reg_read_i32(regid: number): number { this.readRegBytes(regid); return this.scratchView.getInt32(0, true); }
  reg_read_i64(regid: number): bigint { this.readRegBytes(regid); return this.scratchView.getBigInt64(0, true); }
  reg_read_float(regid: number): number { this.readRegBytes(regid); return this.scratchView.getFloat32(0, true); }
  reg_read_double(regid: number): number { this.readRegBytes(regid); return this.scratchView.getFloat64(0, true); }
  reg_write_i8(regid: number, value: number): void { this.writeScalar(regid, (v) => v.setInt8(0, value)); }
  reg_write_i16(regid: number, value: number): void { this.writeScalar(regid, (v) => v.setInt16(0, value, true)); }
  reg_write_i32(regid: number, value: number): void { this.writeScalar(regid, (v) => v.setInt32(0, value | 0, true)); }
  reg_write_i64(regid: number, value: number | bigint): void {
    this.writeScalar(regid, (v) => v.setBigUint64(0, toBig(value), true));
  }
  reg_write_float(regid: number, value: number): void { this.writeScalar(regid, (v) => v.setFloat32(0, value, true)); }
  reg_write_double(regid: number, value: number): void { this.writeScalar(regid, (v) => v.setFloat64(0, value, true)); }

  /**
   * Reads `ids` in one native call into `out`, 16 bytes per register, zero-padded (lockstep's hot path;
   * registers wider than 16 bytes are refused). `out` must stay the same buffer between calls to be fast.
   */
  reg_read_batch_raw(ids: Int32Array, out: Uint8Array): void {
    if (out.length < ids.length * 16) fail('reg_read_batch', UC.ERR_ARG);
    let ptrs = this.batchPointers.get(out);
    if (!ptrs || ptrs.length < ids.length) {
      const base = this.b.koffi.address(out) as bigint;
      ptrs = new BigUint64Array(ids.length);
      for (let i = 0; i < ids.length; i++) ptrs[i] = base + BigInt(16 * i);
      this.batchPointers.set(out, ptrs);
    }
    out.fill(0);
    this.check('reg_read_batch', this.b.fn.reg_read_batch(this.handle, ids, this.b.koffi.address(ptrs), ids.length));
  }

  private readRegBytes(regid: number): number {
    this.scratch.fill(0);
    this.check('reg_read', this.b.fn.reg_read(this.handle, regid, this.scratch));
    return x86RegisterBytes(regid);
  }

  private writeScalar(regid: number, set: (v: DataView) => void): void {
    this.scratch.fill(0);
    set(this.scratchView);
    this.check('reg_write', this.b.fn.reg_write(this.handle, regid, this.scratch));
  }

  // --- memory ----------------------------------------------------------------------------------

  mem_map(address: number | bigint, size: number, perms: number = UC.PROT_ALL): void {
    this.check('mem_map', this.b.fn.mem_map(this.handle, toBig(address), size, perms));
  }

  /** Maps `buffer`'s bytes themselves (no copy): writes by either side are seen by the other. */
  mem_map_ptr(address: number | bigint, size: number, perms: number, buffer: Uint8Array): void {
    if (buffer.byteLength < size) fail('mem_map_ptr', UC.ERR_ARG);
    const ptr = this.b.koffi.address(buffer) as bigint;
    this.check('mem_map_ptr', this.b.fn.mem_map_ptr(this.handle, toBig(address), size, perms, ptr));
    this.pinned.set(Number(address), buffer);
  }

  mem_unmap(address: number | bigint, size: number): void {
    this.check('mem_unmap', this.b.fn.mem_unmap(this.handle, toBig(address), size));
    const start = Number(address);
    for (const key of [...this.pinned.keys()]) if (key >= start && key < start + size) this.pinned.delete(key);
  }

  mem_protect(address: number | bigint, size: number, perms: number): void {
    this.check('mem_protect', this.b.fn.mem_protect(this.handle, toBig(address), size, perms));
  }

  mem_read(address: number | bigint, size: number): Uint8Array {
    const out = new Uint8Array(size);
    this.check('mem_read', this.b.fn.mem_read(this.handle, toBig(address), out, size));
    return out;
  }

  /** mem_read into a caller's buffer (no allocation): for lockstep comparisons. */
  mem_read_into(address: number | bigint, out: Uint8Array): void {
    this.check('mem_read', this.b.fn.mem_read(this.handle, toBig(address), out, out.length));
  }

  mem_write(address: number | bigint, bytes: ArrayLike<number>): void {
    const data = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes as ArrayLike<number>);
    this.check('mem_write', this.b.fn.mem_write(this.handle, toBig(address), data, data.length));
  }

  /** Mapped regions, as unicorn.js 2.x returns them: `{ begin, end, perms }` with BigInt ends (end inclusive). */
  mem_regions(): { begin: bigint; end: bigint; perms: number }[] {
    const out: unknown[] = [null];
    const count = [0];
    this.check('mem_regions', this.b.fn.mem_regions(this.handle, out, count));
    if (!count[0]) return [];
    const rows = this.b.koffi.decode(out[0], this.b.koffi.array(this.b.regionType, count[0])) as {
      begin: number | bigint; end: number | bigint; perms: number;
    }[];
    this.b.fn.free(out[0]);
    return rows.map((r) => ({ begin: BigInt(r.begin), end: BigInt(r.end), perms: r.perms }));
  }

  // --- execution -------------------------------------------------------------------------------

  emu_start(begin: number | bigint, until: number | bigint, timeout: number | bigint = 0, count: number = 0): void {
    this.check('emu_start', this.b.fn.emu_start(this.handle, toBig(begin), toBig(until), toBig(timeout), count));
  }

  /** emu_start without throwing: the uc_err code (lockstep needs the fault kind, not an exception). */
  emu_start_code(begin: number | bigint, until: number | bigint, timeout: number | bigint = 0, count: number = 0): number {
    return this.b.fn.emu_start(this.handle, toBig(begin), toBig(until), toBig(timeout), count);
  }

  emu_stop(): void {
    this.check('emu_stop', this.b.fn.emu_stop(this.handle));
  }

  errno(): number {
    return this.b.fn.errno(this.handle);
  }

  query(type: number): number {
    const out = [0];
    this.check('query', this.b.fn.query(this.handle, type, out));
    return Number(out[0]);
  }

  // --- uc_ctl ------------------------------------------------------------------------------------

  /** Drops every translated block (unicorn 2.0 keeps stale translations after mem_write over code). */
  ctl_flush_tb(): void {
    this.check('ctl', this.b.fn.ctl(this.handle, ctlWrite(UC.CTL_TB_FLUSH, 0)));
  }

  /** Drops translated blocks covering [begin, end). */
  ctl_remove_cache(begin: number | bigint, end: number | bigint): void {
    this.check('ctl', this.b.fn.ctl(this.handle, ctlWrite(UC.CTL_TB_REMOVE_CACHE, 2), 'uint64_t', toBig(begin), 'uint64_t', toBig(end)));
  }

  // --- hooks -----------------------------------------------------------------------------------

  /**
   * Adds a hook; callbacks get unicorn.js 2.x's arguments: code/block `(uc, address: BigInt, size, user_data)`;
   * memory `(uc, type, address: BigInt, size, value: signed BigInt, user_data)` (invalid-access hooks return
   * true to retry); interrupt `(uc, intno, user_data)`; HOOK_INSN (syscall) `(uc, user_data)`.
   * `extra` is HOOK_INSN's instruction id. With neither begin nor end, the hook covers everything (1..0).
   */
  hook_add(type: number, callback: HookCallback, user_data?: unknown, begin?: number | bigint, end?: number | bigint, extra?: number): NativeHook {
    const k = this.b.koffi;
    if (user_data === undefined) user_data = {};
    if (begin === undefined && end === undefined) {
      begin = 1;
      end = 0;
    }
    let proto: unknown;
    let wrapped: (...a: any[]) => unknown;
    if (type === UC.HOOK_CODE || type === UC.HOOK_BLOCK) {
      proto = this.b.proto.code;
      wrapped = (_uc: unknown, address: number | bigint, size: number) => { callback(this, BigInt(address), size, user_data); };
    } else if (type === UC.HOOK_INTR) {
      proto = this.b.proto.intr;
      wrapped = (_uc: unknown, intno: number) => { callback(this, intno, user_data); };
    } else if (type === UC.HOOK_INSN) {
      proto = this.b.proto.syscall;
      wrapped = () => { callback(this, user_data); };
    } else if (type & UC.HOOK_MEM_INVALID) {
      proto = this.b.proto.eventmem;
      wrapped = (_uc: unknown, t: number, address: number | bigint, size: number, value: number | bigint) =>
        !!callback(this, t, BigInt(address), size, BigInt(value), user_data);
    } else if (type & (UC.HOOK_MEM_VALID | UC.HOOK_MEM_READ_AFTER)) {
      proto = this.b.proto.mem;
      wrapped = (_uc: unknown, t: number, address: number | bigint, size: number, value: number | bigint) => {
        callback(this, t, BigInt(address), size, BigInt(value), user_data);
      };
    } else {
      throw 'Unicorn.js: Unimplemented hook type';
    }
    const registration = k.register(wrapped, k.pointer(proto));
    const ptr = typeof registration === 'bigint' ? registration : (k.address(registration) as bigint);
    const err = type === UC.HOOK_INSN
      ? this.b.fn.hook_add(this.handle, this.hookOut, type, ptr, null, toBig(begin ?? 0), toBig(end ?? 0), 'int', extra ?? 0)
      : this.b.fn.hook_add(this.handle, this.hookOut, type, ptr, null, toBig(begin ?? 0), toBig(end ?? 0));
    if (err !== 0) {
      k.unregister(registration);
      fail('hook_add', err);
    }
    const handle = Number(this.hookOut[0]);
    this.hooks.set(handle, registration);
    return { handle, callback: Number(ptr) };
  }

  hook_del(hook: NativeHook): void {
    // unicorn.js names uc_mem_unmap when uc_hook_del fails; kept, as the facade keeps it.
    this.check('mem_unmap', this.b.fn.hook_del(this.handle, hook.handle));
    const registration = this.hooks.get(hook.handle);
    if (registration !== undefined) {
      this.hooks.delete(hook.handle);
      this.b.koffi.unregister(registration);
    }
  }

  // --- contexts --------------------------------------------------------------------------------

  context_alloc(): number {
    const out: unknown[] = [null];
    this.check('context_alloc', this.b.fn.context_alloc(this.handle, out));
    const id = this.nextContext++;
    this.contexts.set(id, out[0]);
    return id;
  }

  context_save(context: number): void {
    const ptr = this.contexts.get(context);
    if (ptr === undefined) fail('context_save', UC.ERR_ARG);
    this.check('context_save', this.b.fn.context_save(this.handle, ptr));
  }

  context_restore(context: number): void {
    const ptr = this.contexts.get(context);
    if (ptr === undefined) fail('context_restore', UC.ERR_ARG);
    this.check('context_restore', this.b.fn.context_restore(this.handle, ptr));
  }

  context_free(context: number): void {
    const ptr = this.contexts.get(context);
    if (ptr === undefined) return;
    this.contexts.delete(context);
    this.check('context_free', this.b.fn.context_free(ptr));
  }

  /** Closes the engine and releases every hook trampoline it held. */
  close(): void {
    if (this.handle === null) return;
    for (const ptr of this.contexts.values()) this.b.fn.context_free(ptr);
    this.contexts.clear();
    const err = this.b.fn.close(this.handle);
    for (const registration of this.hooks.values()) this.b.koffi.unregister(registration);
    this.hooks.clear();
    this.pinned.clear();
    this.handle = null;
    this.check('close', err);
  }
}

/** The module object, shaped like unicorn.js's `uc`. */
export interface NativeUnicornModule {
  readonly Unicorn: typeof NativeUnicorn;
  readonly libraryPath: string;
  version(): number;
  /** "major.minor" as the library reports it. */
  versionString(): string;
  arch_supported(arch: number): boolean;
  strerror(code: number): string;
}

let moduleObject: (NativeUnicornModule & typeof UC) | undefined;

/** The native engine's module object, or undefined when koffi or libunicorn2 is missing (see nativeUnicornUnavailable). */
export function loadNativeUnicorn(): (NativeUnicornModule & typeof UC) | undefined {
  const b = bind();
  if (!b) return undefined;
  moduleObject ??= Object.freeze({
    ...UC,
    Unicorn: NativeUnicorn,
    libraryPath: b.path,
    version: () => b.fn.version([0], [0]) as number,
    versionString: () => {
      const major = [0];
      const minor = [0];
      b.fn.version(major, minor);
      return `${major[0]}.${minor[0]}`;
    },
    arch_supported: (arch: number) => !!b.fn.arch_supported(arch),
    strerror: (code: number) => (b.fn.strerror(code) as string) ?? strerror(code),
  });
  return moduleObject;
}
