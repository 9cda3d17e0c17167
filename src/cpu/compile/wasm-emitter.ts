// A small WebAssembly binary emitter (written here, no dependency): LEB128, a module with function types,
// imports (a memory and functions), functions with i32/i64 locals, exports, and the opcodes the region compiler uses.

export const ValType = { i32: 0x7f, i64: 0x7e, v128: 0x7b } as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Opcodes (WebAssembly core spec 1.0 plus sign extension). */
export const Op = {
  unreachable: 0x00,
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  br_if: 0x0d,
  br_table: 0x0e,
  return: 0x0f,
  call: 0x10,
  drop: 0x1a,
  select: 0x1b,
  local_get: 0x20,
  local_set: 0x21,
  local_tee: 0x22,
  i32_load: 0x28,
  i64_load: 0x29,
  i32_load8_u: 0x2d,
  i32_load16_u: 0x2f,
  i64_load8_u: 0x31,
  i64_load16_u: 0x33,
  i64_load32_u: 0x35,
  i32_store: 0x36,
  i64_store: 0x37,
  i32_store8: 0x3a,
  i32_store16: 0x3b,
  i64_store8: 0x3c,
  i64_store16: 0x3d,
  i64_store32: 0x3e,
  i32_const: 0x41,
  i64_const: 0x42,
  i32_eqz: 0x45,
  i32_eq: 0x46,
  i32_ne: 0x47,
  i32_lt_s: 0x48,
  i32_lt_u: 0x49,
  i32_gt_s: 0x4a,
  i32_gt_u: 0x4b,
  i32_le_s: 0x4c,
  i32_le_u: 0x4d,
  i32_ge_s: 0x4e,
  i32_ge_u: 0x4f,
  i64_eqz: 0x50,
  i64_eq: 0x51,
  i64_ne: 0x52,
  i64_lt_s: 0x53,
  i64_lt_u: 0x54,
  i64_gt_s: 0x55,
  i64_gt_u: 0x56,
  i64_le_s: 0x57,
  i64_le_u: 0x58,
  i64_ge_s: 0x59,
  i64_ge_u: 0x5a,
  i32_clz: 0x67,
  i32_ctz: 0x68,
  i32_popcnt: 0x69,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_mul: 0x6c,
  i32_and: 0x71,
  i32_or: 0x72,
  i32_xor: 0x73,
  i32_shl: 0x74,
  i32_shr_s: 0x75,
  i32_shr_u: 0x76,
  i32_rotl: 0x77,
  i32_rotr: 0x78,
  i64_clz: 0x79,
  i64_ctz: 0x7a,
  i64_popcnt: 0x7b,
  i64_add: 0x7c,
  i64_sub: 0x7d,
  i64_mul: 0x7e,
  i64_and: 0x83,
  i64_or: 0x84,
  i64_xor: 0x85,
  i64_shl: 0x86,
  i64_shr_s: 0x87,
  i64_shr_u: 0x88,
  i64_rotl: 0x89,
  i64_rotr: 0x8a,
  i32_wrap_i64: 0xa7,
  i64_extend_i32_s: 0xac,
  i64_extend_i32_u: 0xad,
  i32_extend8_s: 0xc0,
  i32_extend16_s: 0xc1,
  i64_extend8_s: 0xc2,
  i64_extend16_s: 0xc3,
  i64_extend32_s: 0xc4,
} as const;

/** SIMD opcodes (after the 0xfd prefix; fixed-width SIMD proposal, in V8 since 9.1). */
export const Simd = {
  v128_load: 0x00,
  v128_store: 0x0b,
  v128_and: 0x4e,
  v128_or: 0x50,
  v128_xor: 0x51,
  i8x16_add: 0x6e,
  i8x16_sub: 0x71,
  i16x8_add: 0x8e,
  i16x8_sub: 0x91,
  i32x4_add: 0xae,
  i32x4_sub: 0xb1,
  i64x2_add: 0xce,
  i64x2_sub: 0xd1,
} as const;

/** The empty block type (a block, loop or if with no result). */
export const VOID_BLOCK = 0x40;

/** Unsigned LEB128 of a non-negative integer below 2^53. */
export function uleb(out: number[], v: number): void {
  if (!(Number.isInteger(v) && v >= 0)) throw new RangeError(`uleb: ${v} is not a non-negative integer`);
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

/** Signed LEB128 of a bigint (any width). */
export function sleb(out: number[], v: bigint): void {
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return;
  }
}

/** A function body under construction: locals and instructions. */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly localTypes: ValType[] = [];
  constructor(
    readonly type: number,
    readonly paramCount: number,
  ) {}

  /** Declares a local; returns its index (parameters come first). */
  local(t: ValType): number {
    this.localTypes.push(t);
    return this.paramCount + this.localTypes.length - 1;
  }

  op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
  i32(v: number): this {
    this.code.push(Op.i32_const);
    sleb(this.code, BigInt(v | 0));
    return this;
  }
  /** An i64 constant from a bigint or a number (taken as an integer of at most 64 bits, two's complement). */
  i64(v: bigint | number): this {
    this.code.push(Op.i64_const);
    sleb(this.code, BigInt.asIntN(64, typeof v === 'bigint' ? v : BigInt(v)));
    return this;
  }
  get(i: number): this {
    this.code.push(Op.local_get);
    uleb(this.code, i);
    return this;
  }
  set(i: number): this {
    this.code.push(Op.local_set);
    uleb(this.code, i);
    return this;
  }
  tee(i: number): this {
    this.code.push(Op.local_tee);
    uleb(this.code, i);
    return this;
  }
  /** A load or store with its memarg (alignment hint log2, constant offset). */
  mem(op: number, offset = 0, alignLog2 = 0): this {
    this.code.push(op);
    uleb(this.code, alignLog2);
    uleb(this.code, offset);
    return this;
  }
  /** A SIMD instruction (0xfd prefix, LEB128 opcode); loads and stores take a memarg. */
  simd(op: number, memarg?: { offset: number; alignLog2: number }): this {
    this.code.push(0xfd);
    uleb(this.code, op);
    if (memarg) {
      uleb(this.code, memarg.alignLog2);
      uleb(this.code, memarg.offset);
    }
    return this;
  }
  block(): this {
    return this.op(Op.block, VOID_BLOCK);
  }
  loop(): this {
    return this.op(Op.loop, VOID_BLOCK);
  }
  if(): this {
    return this.op(Op.if, VOID_BLOCK);
  }
  else(): this {
    return this.op(Op.else);
  }
  end(): this {
    return this.op(Op.end);
  }
  br(depth: number): this {
    this.code.push(Op.br);
    uleb(this.code, depth);
    return this;
  }
  brIf(depth: number): this {
    this.code.push(Op.br_if);
    uleb(this.code, depth);
    return this;
  }
  call(fn: number): this {
    this.code.push(Op.call);
    uleb(this.code, fn);
    return this;
  }

  /** The encoded body (locals as runs of one type, then the code and the final `end`). */
  encode(): number[] {
    const runs: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    const body: number[] = [];
    uleb(body, runs.length);
    for (const [n, t] of runs) {
      uleb(body, n);
      body.push(t);
    }
    for (const b of this.code) body.push(b);
    body.push(Op.end);
    const out: number[] = [];
    uleb(out, body.length);
    for (const b of body) out.push(b);
    return out;
  }
}

interface FuncType {
  params: ValType[];
  results: ValType[];
}
type Import = { module: string; name: string } & ({ kind: 'func'; type: number } | { kind: 'memory'; min: number; max?: number });

/** A module: add types, imports, then functions; `bytes()` encodes it. */
export class ModuleBuilder {
  private readonly types: FuncType[] = [];
  private readonly imports: Import[] = [];
  private readonly functions: FunctionBuilder[] = [];
  private readonly exports: { name: string; fn: number }[] = [];
  private importedFunctions = 0;

  /** A function type's index (types are shared when equal). */
  type(params: ValType[], results: ValType[]): number {
    const key = `${params.join(',')}>${results.join(',')}`;
    const i = this.types.findIndex((t) => `${t.params.join(',')}>${t.results.join(',')}` === key);
    if (i >= 0) return i;
    this.types.push({ params, results });
    return this.types.length - 1;
  }
  /** Imports a function (before any function is defined); returns its function index. */
  importFunction(module: string, name: string, params: ValType[], results: ValType[]): number {
    if (this.functions.length > 0) throw new Error('import functions before defining any');
    this.imports.push({ module, name, kind: 'func', type: this.type(params, results) });
    return this.importedFunctions++;
  }
  /** Imports a memory of at least `min` 64 KiB pages. */
  importMemory(module: string, name: string, min: number, max?: number): void {
    this.imports.push({ module, name, kind: 'memory', min, max });
  }
  /** Defines a function; returns its builder (its index is `functionIndex(builder)`). */
  function(params: ValType[], results: ValType[]): FunctionBuilder {
    const f = new FunctionBuilder(this.type(params, results), params.length);
    this.functions.push(f);
    return f;
  }
  functionIndex(f: FunctionBuilder): number {
    return this.importedFunctions + this.functions.indexOf(f);
  }
  export(name: string, f: FunctionBuilder): void {
    this.exports.push({ name, fn: this.functionIndex(f) });
  }

  bytes(): Uint8Array {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, body: number[]): void => {
      out.push(id);
      uleb(out, body.length);
      for (const b of body) out.push(b);
    };
    const name = (o: number[], s: string): void => {
      const b = new TextEncoder().encode(s);
      uleb(o, b.length);
      for (const x of b) o.push(x);
    };
    let s: number[] = [];
    uleb(s, this.types.length);
    for (const t of this.types) {
      s.push(0x60);
      uleb(s, t.params.length);
      s.push(...t.params);
      uleb(s, t.results.length);
      s.push(...t.results);
    }
    section(1, s);
    if (this.imports.length) {
      s = [];
      uleb(s, this.imports.length);
      for (const im of this.imports) {
        name(s, im.module);
        name(s, im.name);
        if (im.kind === 'func') {
          s.push(0x00);
          uleb(s, im.type);
        } else {
          s.push(0x02, im.max === undefined ? 0x00 : 0x01);
          uleb(s, im.min);
          if (im.max !== undefined) uleb(s, im.max);
        }
      }
      section(2, s);
    }
    s = [];
    uleb(s, this.functions.length);
    for (const f of this.functions) uleb(s, f.type);
    section(3, s);
    if (this.exports.length) {
      s = [];
      uleb(s, this.exports.length);
      for (const e of this.exports) {
        name(s, e.name);
        s.push(0x00);
        uleb(s, e.fn);
      }
      section(7, s);
    }
    s = [];
    uleb(s, this.functions.length);
    for (const f of this.functions) for (const b of f.encode()) s.push(b);
    section(10, s);
    return new Uint8Array(out);
  }
}
