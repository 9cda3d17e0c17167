// Compiler-emitted SSE code end to end: functions of fixtures/libsse.so (vectorized loops, double math,
// conversions, min/max, sqrt) run in picemu from a plain copy of the library's segments, and their results
// equal a native call of the same function (test/helpers/c/native_call.c).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu/cpu.ts';
import { PageFault, type AccessKind, type GuestMemory } from '../../src/mm/types.ts';
import { nativeCall, type NativeReturn } from '../helpers/native.ts';
import { hasCc, hasReadelf, repoRoot, run } from '../helpers/oracles.ts';

const LIB = join(repoRoot, 'fixtures', 'libsse.so');
const BASE = 0x40000000, STACK_TOP = 0x50010000, ARGS = 0x60000000, RETURN = 0x70000000;

/** Pages by number; no protections (the test is about instructions, not the loader). */
class Pages implements GuestMemory {
  readonly epoch = 0;
  readonly pages = new Map<number, Uint8Array>();
  page(va: number): Uint8Array {
    const n = Math.floor(va / 4096);
    let p = this.pages.get(n);
    if (!p) this.pages.set(n, (p = new Uint8Array(4096)));
    return p;
  }
  write(va: number, bytes: Uint8Array): void {
    for (let i = 0; i < bytes.length; i++) this.page(va + i)[(va + i) & 4095] = bytes[i];
  }
  frameFor(va: number, access: AccessKind): Uint8Array {
    const p = this.pages.get(Math.floor(va / 4096));
    if (!p) throw new PageFault(va, access, 'unmapped');
    return p;
  }
  frameNumber(va: number): number {
    return this.pages.has(Math.floor(va / 4096)) ? Math.floor(va / 4096) : 0;
  }
  peek(): Uint8Array | null {
    return null;
  }
  poke(): boolean {
    return false;
  }
}

/** Maps every PT_LOAD (as readelf -lW lists them) at BASE + vaddr; the bss is zero. */
function loadImage(memory: Pages): Map<string, number> {
  const file = readFileSync(LIB);
  for (const m of run('readelf', ['-lW', LIB]).matchAll(/^\s+LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)/gm)) {
    const [offset, vaddr, filesz, memsz] = m.slice(1).map((h) => parseInt(h, 16));
    memory.write(BASE + vaddr, new Uint8Array(memsz));
    memory.write(BASE + vaddr, file.subarray(offset, offset + filesz));
  }
  const symbols = new Map<string, number>();
  for (const m of run('readelf', ['-sW', '--dyn-syms', LIB]).matchAll(/:\s+([0-9a-f]+)\s+\d+\s+FUNC\s+GLOBAL\s+DEFAULT\s+\d+\s+(\w+)$/gm)) symbols.set(m[2], parseInt(m[1], 16));
  return symbols;
}

/** Calls `symbol` in picemu with native_call's argument conventions; returns the result as native_call prints it. */
function picemuCall(symbol: string, args: string[], ret: NativeReturn): string {
  const memory = new Pages();
  const symbols = loadImage(memory);
  const cpu = new Cpu(memory);
  const ints = [7, 6, 2, 1, 8, 9]; // rdi, rsi, rdx, rcx, r8, r9
  let nInt = 0, nF64 = 0, argAt = ARGS;
  for (const a of args) {
    if (a.startsWith('f64:')) {
      cpu.xmmF64[2 * nF64++] = Number(a.slice(4));
    } else if (a.startsWith('hex:')) {
      const bytes = Buffer.from(a.slice(4), 'hex');
      memory.write(argAt, bytes);
      cpu.setGprNumber(ints[nInt++], argAt);
      argAt += (bytes.length + 15) & ~15;
    } else cpu.setGpr(ints[nInt++], BigInt(a));
  }
  memory.write(STACK_TOP - 4096, new Uint8Array(4096));
  const sp = STACK_TOP - 8; // rsp % 16 == 8 at entry, as after a call
  memory.write(sp, new Uint8Array(new BigUint64Array([BigInt(RETURN)]).buffer));
  cpu.setGprNumber(4, sp);
  cpu.rip = BASE + symbols.get(symbol)!;
  const outcome = cpu.run({ until: RETURN, maxInstructions: 10_000_000 });
  if (outcome.kind !== 'until') throw new Error(`${symbol}: ${outcome.kind === 'fault' ? outcome.fault.describe() : outcome.kind}`);
  const rax = cpu.getGpr(0);
  switch (ret) {
    case 'int':
      return String(BigInt.asIntN(32, rax));
    case 'uint':
      return String(BigInt.asUintN(32, rax));
    case 'long':
      return String(BigInt.asIntN(64, rax));
    case 'f64':
      return String(cpu.xmmF64[0]);
    default:
      throw new Error(`unsupported return type ${ret}`);
  }
}

const floats = (xs: number[]) => 'hex:' + Buffer.from(new Float32Array(xs).buffer).toString('hex');
const doubles = (xs: number[]) => 'hex:' + Buffer.from(new Float64Array(xs).buffer).toString('hex');
const someFloats = Array.from({ length: 37 }, (_, i) => Math.sin(i) * 10);

const CALLS: [string, string[], NativeReturn][] = [
  ['saxpy_data', ['f64:2.5'], 'f64'],
  ['saxpy_data', ['f64:-0.3333'], 'f64'],
  ['dot_data', [], 'f64'],
  ['dot', [doubles(someFloats), doubles(someFloats.map((x) => 1 / (x + 20))), '37'], 'f64'],
  ['norm3', ['f64:3', 'f64:4', 'f64:12'], 'f64'],
  ['norm3', ['f64:1e-200', 'f64:1e-200', 'f64:0'], 'f64'],
  ['norm3', ['f64:1e200', 'f64:1', 'f64:1'], 'f64'],
  ['to_long', ['f64:-123.75'], 'long'],
  ['to_long', ['f64:1e30'], 'long'],
  ['to_long', ['f64:nan'], 'long'],
  ['from_long', ['9007199254740993'], 'f64'],
  ['from_long', ['-9223372036854775807'], 'f64'],
  ['through_float', ['f64:0.1'], 'f64'],
  ['through_float', ['f64:1e39'], 'f64'],
  ['through_float', ['f64:1e-45'], 'f64'],
  ['clamp', ['f64:5', 'f64:0', 'f64:1'], 'f64'],
  ['clamp', ['f64:-0', 'f64:0', 'f64:1'], 'f64'],
  ['clamp', ['f64:nan', 'f64:0', 'f64:1'], 'f64'],
  ['clamp', ['f64:0.25', 'f64:0', 'f64:1'], 'f64'],
  ['count_less_data', ['f64:0.5'], 'int'],
  ['count_less', [floats(someFloats), '37', 'f64:1.5'], 'int'],
  ['brighten_data', [], 'uint'],
];

describe.skipIf(!hasCc() || !hasReadelf())('libsse.so in picemu equals native calls', () => {
  it.each(CALLS)('%s(%s)', (symbol, args, ret) => {
    expect(picemuCall(symbol, args, ret)).toBe(nativeCall(LIB, symbol, args, { ret })[0]);
  });
});
