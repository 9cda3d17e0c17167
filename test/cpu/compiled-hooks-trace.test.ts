// picemu's own traces through hooks called from compiled code: every fixture function (and zlib's crc32/adler32)
// traced by Process.call on a machine whose compiler is forced on ('always': the recorder's instruction and access
// hooks run from compiled regions; 'auto' keeps hooks that fire at every instruction on the interpreter) gives, event for
// event, the trace of a machine that only interprets ('off').
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import type { Process } from '../../src/process/process.ts';
import type { StepEvent } from '../../src/trace/events.ts';
import { stepToJson } from '../../src/trace/render-json.ts';
import { placeRecipeArgs, RECIPE_LIBRARIES, RECIPES, ZLIB, ZLIB_RECIPES, type Recipe } from '../helpers/lockstep-fixtures.ts';
import { repoRoot } from '../helpers/oracles.ts';

const fixtureDir = join(repoRoot, 'fixtures');

/** One call's trace (a faulting call: its events up to and with the faulting step). */
function trace(p: Process, name: string, args: (number | bigint | { f64: number })[]): StepEvent[] {
  p.startCall(name, args);
  const stop = p.run({ trace: true });
  return stop.events;
}

/** Both machines' traces of every recipe of `path`: steps compared, and the compiled machine's hooked region runs. */
async function compare(path: string, recipes: Record<string, Recipe[]>): Promise<{ steps: number; hookedRuns: number }> {
  const [compiled, interpreted] = [await Machine.create({ jit: 'always' }), await Machine.create({ jit: 'off' })];
  const [pa, pb] = [compiled.spawn(), interpreted.spawn()];
  pa.load(path);
  pb.load(path);
  let steps = 0;
  for (const [name, list] of Object.entries(recipes)) {
    for (const recipe of list) {
      const [aa, ab] = [placeRecipeArgs(pa, recipe), placeRecipeArgs(pb, recipe)];
      if (!aa || !ab) continue;
      const a = trace(pa, name, aa).map(stepToJson);
      const b = trace(pb, name, ab).map(stepToJson);
      expect(a.length, name).toBe(b.length);
      const at = a.findIndex((e, k) => JSON.stringify(e) !== JSON.stringify(b[k]));
      expect(at === -1 ? null : { name, step: at, compiled: a[at], interpreted: b[at] }).toBeNull();
      steps += a.length;
    }
  }
  return { steps, hookedRuns: (pa.cpu as unknown as { regionStats: { hookedRuns: number } }).regionStats.hookedRuns };
}

describe('traces recorded through compiled code equal the interpreter’s', () => {
  for (const file of RECIPE_LIBRARIES) {
    it(`${file}: every function with a recipe`, async () => {
      const { steps } = await compare(join(fixtureDir, file), RECIPES[file]!);
      expect(steps).toBeGreaterThan(0);
    });
  }
  it.skipIf(!RECIPE_LIBRARIES.includes('libdemo.so'))('the recorder’s hooks ran from compiled regions (libdemo.so)', async () => {
    const { hookedRuns } = await compare(join(fixtureDir, 'libdemo.so'), { crc32_bitwise: RECIPES['libdemo.so']!.crc32_bitwise!, fib: RECIPES['libdemo.so']!.fib! });
    expect(hookedRuns).toBeGreaterThan(0);
  });
  it.skipIf(!existsSync(ZLIB))('zlib crc32 and adler32', async () => {
    const { steps, hookedRuns } = await compare(ZLIB, ZLIB_RECIPES);
    expect(steps).toBeGreaterThan(1000);
    expect(hookedRuns).toBeGreaterThan(0);
  });
});
