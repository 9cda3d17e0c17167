// Every fixture function and zlib's crc32/adler32, called three times in a row on one CPU with the compilers off,
// 'auto' (hot blocks and loops compiled as they warm up) and 'always' (from the first execution): the same results,
// registers, memory, outcomes and instruction counts as the interpreter (which lockstep-fixtures.test.ts holds to
// native unicorn-engine). The recursive fib must run as one WebAssembly region (calls and rets compiled).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu/cpu.ts';
import { FULL_PROFILE } from './host-exec.ts';
import { RECIPES, ZLIB, ZLIB_RECIPES, type Recipe } from '../helpers/lockstep-fixtures.ts';
import { ArgumentArea, callRegisters, Image, LAYOUT, mapLibrary, mapProcessAreas } from '../helpers/lockstep-image.ts';
import { FlatMemory } from './flat-memory.ts';
import { repoRoot } from '../helpers/oracles.ts';

type Mode = 'off' | 'auto' | 'always';

/** One call's observable end: outcome, instructions, registers, XMM, and every page's bytes (hashed). */
function callThrice(path: string, name: string, recipe: Recipe, mode: Mode): { ends: string[]; regions: number } {
  const image = new Image();
  mapProcessAreas(image);
  const lib = mapLibrary(image, path);
  const area = new ArgumentArea(image);
  const floats = recipe.args.filter((a): a is { f32: number } | { f64: number } => typeof a === 'object');
  const args = recipe.args.filter((a) => typeof a !== 'object').map((a) => (typeof a === 'function' ? a(area) : (a as number | bigint)));
  const { gpr } = callRegisters(image, args);
  // Pages in the frame heap (FlatMemory), as a process's frames are: compiled regions reach them through the inline TLB.
  const memory = new FlatMemory();
  const pages = image.list();
  for (const p of pages) {
    memory.map(p.va, 4096, p.prot);
    memory.load(p.va, p.bytes);
  }
  const cpu = new Cpu(memory, { profile: FULL_PROFILE, jit: mode });
  const ends: string[] = [];
  for (let call = 0; call < 3; call++) {
    cpu.r64.set(gpr);
    cpu.write64(Number(gpr[4]), LAYOUT.returnSentinel % 2 ** 32, Math.floor(LAYOUT.returnSentinel / 2 ** 32));
    const xmm = new DataView(cpu.xmm8.buffer, cpu.xmm8.byteOffset);
    floats.forEach((f, i) => ('f32' in f ? xmm.setFloat32(16 * i, f.f32, true) : xmm.setFloat64(16 * i, f.f64, true)));
    cpu.rflags = 0x202;
    cpu.fsBase = LAYOUT.tcb;
    cpu.rip = lib.exports.get(name)!.address;
    const out = cpu.run({ until: LAYOUT.returnSentinel, maxInstructions: 5_000_000 });
    const fault = out.kind === 'fault' ? ` ${out.fault.kind} rip=${out.fault.rip.toString(16)} addr=${out.fault.address?.toString(16)}` : '';
    let hash = 0;
    for (const p of pages) {
      const b = memory.peek(p.va, 4096)!;
      for (let i = 0; i < 4096; i++) hash = (Math.imul(hash, 31) + b[i]) | 0;
    }
    ends.push(`${out.kind}${fault} executed=${out.executed} rip=${cpu.rip.toString(16)} rflags=${(cpu.rflags & 0xcd5).toString(16)} gpr=${[...cpu.r64].map((v) => v.toString(16))} xmm=${Buffer.from(cpu.xmm8.subarray(0, 256)).toString('hex')} mem=${hash}`);
  }
  expect(cpu.regionStats.failed).toBe(0);
  return { ends, regions: cpu.regionStats.runs };
}

const fixtureDir = join(repoRoot, 'fixtures');
const libraries = existsSync(fixtureDir) ? readdirSync(fixtureDir).filter((f) => f.endsWith('.so') && RECIPES[f]).sort() : [];
const cases = [
  ...libraries.flatMap((file) => Object.entries(RECIPES[file]).map(([name, recipes]) => ({ path: join(fixtureDir, file), label: `${file} ${name}`, name, recipes }))),
  ...(existsSync(ZLIB) ? Object.entries(ZLIB_RECIPES).map(([name, recipes]) => ({ path: ZLIB, label: `zlib ${name}`, name, recipes })) : []),
];

describe('fixture calls with the compilers off, auto and always', () => {
  it.each(cases.map((c) => [c.label, c] as const))('%s', (_, c) => {
    for (const recipe of c.recipes) {
      const off = callThrice(c.path, c.name, recipe, 'off');
      for (const mode of ['auto', 'always'] as const) {
        const on = callThrice(c.path, c.name, recipe, mode);
        expect(on.ends, mode).toEqual(off.ends);
        // fib(12) recurses through call and ret: in 'auto' its hot entry block becomes a region that runs.
        if (c.name === 'fib' && recipe.args[0] === 12) expect(on.regions, mode).toBeGreaterThan(0);
      }
    }
  });
});
