// Recipes for calling every exported fixture function (and zlib's crc32/adler32) in lockstep, and the runner
// that builds the image (with the lockstep mapper or picemu's loader) and checks how each call ends.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Process } from '../../src/index.ts';
import { ArgumentArea, callRegisters, Image, LAYOUT, mapLibrary, mapProcessAreas, mapWithPicemuLoader, type MappedLibrary } from './lockstep-image.ts';
import { lockstep, newState, type Jit, type Reference } from './lockstep.ts';
import { repoRoot } from './oracles.ts';

/** A deterministic byte sequence (xorshift), so every run compares the same inputs. */
function bytes(n: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.push(x & 0xff);
  }
  return out;
}

type Arg = number | bigint | ((a: ArgumentArea) => number) | { f32: number } | { f64: number };

/** How to call one function, and how the call must end (a fault kind, or an import no loaded object provides). */
export interface Recipe {
  args: Arg[];
  fault?: string;
  /** The call reaches this import (unresolved here: a fetch fault at its sentinel, in both engines). */
  reaches?: string;
}

const str = (s: string) => (a: ArgumentArea) => a.string(s);
const buf = (n: number, seed: number) => (a: ArgumentArea) => a.put(bytes(n, seed));
const ints = (n: number, seed: number) => (a: ArgumentArea) => a.put(bytes(4 * n, seed));
const zeros = (n: number) => (a: ArgumentArea) => a.zeros(n);
/** n floats (or doubles) in [-2, 2) from the byte generator. */
const floats = (n: number, seed: number) => (a: ArgumentArea) => a.put(new Uint8Array(Float32Array.from(bytes(n, seed), (b) => (b - 128) / 64).buffer));
const doubles = (n: number, seed: number) => (a: ArgumentArea) => a.put(new Uint8Array(Float64Array.from(bytes(n, seed), (b) => (b - 128) / 64 + 1 / 3).buffer));

/** Recipes for every exported function; a function without one fails the test that lists them. */
export const RECIPES: Record<string, Record<string, Recipe[]>> = {
  'libcounter.so': { really_really_nonreentrant: [{ args: [] }] },
  'libdemo.so': {
    bump_counter: [{ args: [5] }, { args: [-7] }],
    get_counter: [{ args: [] }],
    bump_twice: [{ args: [3] }],
    data_array_sum: [{ args: [] }],
    data_array_get: [{ args: [3] }, { args: [-1] }],
    data_array_set: [{ args: [2, 99] }],
    get_greeting: [{ args: [] }],
    greeting_length: [{ args: [] }],
    my_strlen: [{ args: [str('hello, lockstep')] }, { args: [str('')] }],
    classify: Array.from({ length: 13 }, (_, x) => ({ args: [x - 1, 1000 + x * 37] })),
    fib: [{ args: [12] }, { args: [1] }],
    sum_ints: [{ args: [ints(37, 11), 37] }, { args: [ints(64, 12), 64] }, { args: [ints(3, 13), 3] }, { args: [0, 0] }],
    sum_vec_data: [{ args: [] }],
    crc32_bitwise: [{ args: [buf(64, 21), 64] }, { args: [buf(1, 22), 1] }],
    crc32_data_array: [{ args: [] }],
    byte_copy: [{ args: [zeros(100), buf(100, 31), 100] }, { args: [zeros(16), buf(7, 32), 7] }],
    write_own_code: [{ args: [], fault: 'protection-write' }],
    null_deref: [{ args: [], fault: 'unmapped-read' }],
    write_rodata: [{ args: [], fault: 'protection-write' }],
    trap_ud2: [{ args: [], fault: 'invalid-opcode' }],
    divide_by_zero: [{ args: [7], fault: 'divide-error' }],
    breakpoint_int3: [{ args: [], fault: 'breakpoint' }],
  },
  'libguarded.so': { guarded_checksum: [{ args: [str('stack protector')] }, { args: [str('')] }] },
  'liblibc-user.so': {
    libc_strlen: [{ args: [str('through the PLT')], reaches: 'strlen' }],
    libc_copy: [{ args: [str('copy me')], reaches: 'strlen' }],
    libc_format: [{ args: [42, str('fmt')], reaches: 'snprintf' }],
  },
  'libsse.so': {
    saxpy: [{ args: [{ f32: 2.5 }, floats(37, 51), floats(37, 52), 37] }, { args: [{ f32: -0.5 }, floats(3, 53), floats(3, 54), 3] }],
    dot: [{ args: [doubles(29, 55), doubles(29, 56), 29] }, { args: [doubles(1, 57), doubles(1, 58), 1] }],
    norm3: [{ args: [{ f64: 3 }, { f64: 4 }, { f64: 12 }] }, { args: [{ f64: 1e-3 }, { f64: -7.25 }, { f64: 0 }] }],
    to_long: [{ args: [{ f64: -12345.75 }] }, { args: [{ f64: 1e300 }] }, { args: [{ f64: NaN }] }],
    from_long: [{ args: [-987654321987] }, { args: [2n ** 62n + 1n] }],
    through_float: [{ args: [{ f64: 1.1 }] }, { args: [{ f64: 1e-310 }] }, { args: [{ f64: 3.5e38 }] }],
    clamp: [{ args: [{ f64: 5 }, { f64: 0 }, { f64: 3 }] }, { args: [{ f64: -1 }, { f64: 0 }, { f64: 3 }] }, { args: [{ f64: 2 }, { f64: 0 }, { f64: 3 }] }],
    fmin_pair: [{ args: [{ f32: 1.5 }, { f32: -2 }] }, { args: [{ f32: NaN }, { f32: 1 }] }],
    count_less: [{ args: [floats(50, 59), 50, { f32: 0.25 }] }, { args: [floats(5, 60), 5, { f32: -3 }] }],
    brighten: [{ args: [buf(77, 61), 77] }, { args: [buf(16, 62), 16] }],
    init_data: [{ args: [] }],
    saxpy_data: [{ args: [{ f64: 0.75 }] }],
    dot_data: [{ args: [] }],
    count_less_data: [{ args: [{ f64: 0.5 }] }],
    brighten_data: [{ args: [] }],
  },
  'libtls.so': { tls_bump: [{ args: [] }], tls_address: [{ args: [] }], tls_ie_bump: [{ args: [] }] },
  'libcowdata.so': {
    cow_count: [{ args: [] }],
    cow_get: [{ args: [1500] }, { args: [0] }],
    cow_set: [{ args: [1500, 7] }],
    cow_put: [{ args: [3071, -1] }],
    cow_sum: [{ args: [] }],
  },
};

export const ZLIB = '/lib/x86_64-linux-gnu/libz.so.1';
export const ZLIB_RECIPES: Record<string, Recipe[]> = {
  crc32: [{ args: [0, buf(300, 41), 300] }, { args: [0xdeadbeef, buf(17, 42), 17] }],
  adler32: [{ args: [1, buf(300, 43), 300] }, { args: [1, buf(5555, 44), 5555] }],
};

/** The fixture libraries (file names) that have recipes. */
export const RECIPE_LIBRARIES: string[] = existsSync(join(repoRoot, 'fixtures')) ? readdirSync(join(repoRoot, 'fixtures')).filter((f) => f.endsWith('.so') && RECIPES[f]).sort() : [];

/** A recipe's arguments placed in a picemu Process (recipes were written for the lockstep image's argument area); undefined for f32 arguments, a kind Process.call has not. */
export function placeRecipeArgs(p: Process, recipe: Recipe): (number | bigint | { f64: number })[] | undefined {
  const area = { put: (b: ArrayLike<number>) => p.place(Uint8Array.from(b)), string: (s: string) => p.placeString(s), zeros: (n: number) => p.place(new Uint8Array(n)) } as unknown as ArgumentArea;
  const out: (number | bigint | { f64: number })[] = [];
  for (const a of recipe.args) {
    if (typeof a === 'function') out.push(a(area));
    else if (typeof a === 'object') {
      if (!('f64' in a)) return undefined;
      out.push(a);
    } else out.push(a);
  }
  return out;
}

export const STT_FUNC = 2;

export function runRecipe(path: string, name: string, recipe: Recipe, index: number, loader: 'lockstep' | 'picemu' = 'lockstep', reference: Reference = 'native', jit?: Jit) {
  const image = new Image();
  mapProcessAreas(image);
  const lib: MappedLibrary = loader === 'picemu' ? mapWithPicemuLoader(image, path) : mapLibrary(image, path);
  const area = new ArgumentArea(image);
  const floatArgs = recipe.args.filter((a): a is { f32: number } | { f64: number } => typeof a === 'object');
  const args = recipe.args.filter((a) => typeof a !== 'object').map((a) => (typeof a === 'function' ? a(area) : (a as number | bigint)));
  const { gpr } = callRegisters(image, args);
  const entry = lib.exports.get(name);
  if (!entry) throw new Error(`${name} is not exported by ${path}`);
  const state = newState();
  state.gpr.set(gpr);
  // Floating-point arguments go in xmm0, xmm1, ... in order (System V).
  const xmm = new DataView(state.xmm.buffer);
  floatArgs.forEach((f, i) => ('f32' in f ? xmm.setFloat32(16 * i, f.f32, true) : xmm.setFloat64(16 * i, f.f64, true)));
  state.rip = entry.address;
  const symbols = [...lib.exports.entries()].filter(([, e]) => e.type === STT_FUNC).sort((a, b) => b[1].address - a[1].address);
  const symbolize = (addr: number) => {
    const hit = symbols.find(([, e]) => e.address <= addr);
    return hit && addr - hit[1].address < 0x1000 ? `${hit[0]}+0x${(addr - hit[1].address).toString(16)}` : `0x${addr.toString(16)}`;
  };
  const result = lockstep({
    pages: image.list(),
    state,
    fsBase: LAYOUT.tcb,
    stopAt: LAYOUT.returnSentinel,
    maxSteps: 200_000,
    label: `${path.split('/').pop()}${loader === 'picemu' ? ' (picemu loader)' : ''} ${name}#${index}(${[...args.map((a) => `0x${a.toString(16)}`), ...floatArgs.map((f) => JSON.stringify(f))].join(', ')})`,
    symbolize,
  }, reference, jit);
  if (recipe.fault) {
    expect(result.end).toMatchObject({ kind: 'fault', what: recipe.fault });
  } else if (recipe.reaches) {
    expect(result.end).toMatchObject({ kind: 'fault', what: 'unmapped-fetch' });
    const at = (result.end as { address?: number }).address ?? -1;
    expect(lib.unresolved.get(at)).toBe(recipe.reaches);
  } else {
    expect(result.end).toEqual({ kind: 'returned' });
  }
  return result;
}

