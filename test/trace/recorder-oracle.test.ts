// The step recorder against its old self (issue 11): every fixture function and zlib's crc32/adler32, traced by
// Process.call, gives event for event what the old builder (test/helpers/old-step-recorder.ts) gives on an
// identical machine; the vitest serializer prints both alike, and a streamed call (onStep) hands over the same events.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import type { EngineName } from '../../src/process/engines/engine.ts';
import type { Process } from '../../src/process/process.ts';
import type { StepEvent } from '../../src/trace/events.ts';
import { stepToJson } from '../../src/trace/render-json.ts';
import { picemuMatchers, traceSerializer } from '../../src/trace/vitest.ts';
import { placeRecipeArgs, RECIPE_LIBRARIES, RECIPES, ZLIB, ZLIB_RECIPES, type Recipe } from '../helpers/lockstep-fixtures.ts';
import { repoRoot } from '../helpers/oracles.ts';
import { recordStep as oldRecordStep } from '../helpers/old-step-recorder.ts';

const fixtureDir = join(repoRoot, 'fixtures');

/**
 * The old way: step with the old builder until the call returns or faults (the faulting step is the last event);
 * undefined when it ends otherwise (a system call, the step limit).
 */
function oldTrace(p: Process, name: string, args: (number | bigint | { f64: number })[]): { events: StepEvent[]; faulted: boolean } | undefined {
  const call = p.startCall(name, args);
  const events: StepEvent[] = [];
  let index = 0;
  for (let n = 0; n < 200_000; n++) {
    const { event, outcome } = oldRecordStep({ engine: p.cpu, space: p.space, cow: p.memory, symbolizer: p.symbolizer, runtimeSymbol: (va) => p.runtimeSymbol(va), pid: p.pid, call: call.index, index });
    events.push(event);
    index += outcome.executed;
    if (outcome.kind === 'fault') return { events, faulted: true };
    if (p.cpu.rip === p.trampoline) return { events, faulted: false };
    if (outcome.kind !== 'until' && outcome.kind !== 'budget' && outcome.kind !== 'stopped') return undefined;
  }
  return undefined;
}

async function compare(path: string, name: string, recipe: Recipe, engine: EngineName = 'picemu'): Promise<number> {
  const [ma, mb] = [await Machine.create({ engine }), await Machine.create({ engine })];
  const [pa, pb] = [ma.spawn(), mb.spawn()];
  pa.load(path);
  pb.load(path);
  const [aa, ab] = [placeRecipeArgs(pa, recipe), placeRecipeArgs(pb, recipe)];
  if (!aa || !ab) return 0;
  const old = oldTrace(pb, name, ab);
  if (!old) return 0;
  const expected = old.events;
  let actual: StepEvent[];
  if (old.faulted) {
    // A call that faults: its run stops with the error and the events up to the faulting step, which the call keeps too.
    const call = pa.startCall(name, aa);
    const stop = pa.run({ trace: true });
    expect(stop.kind).toBe('error');
    expect(call.events.map(stepToJson)).toEqual(stop.events.map(stepToJson));
    actual = stop.events;
    faulted.add(`${name}`);
  } else actual = pa.call(name, aa, { trace: true }).events;
  expect(actual.length).toBe(expected.length);
  for (let k = 0; k < actual.length; k++) expect(actual[k], `${name} step ${k}`).toEqual(expected[k]);
  expect(traceSerializer.test(actual)).toBe(true);
  expect(traceSerializer.serialize(actual)).toBe(traceSerializer.serialize(expected));
  for (const query of [{ kind: 'read' as const }, { kind: 'write' as const }, { ripRelative: true }]) {
    expect(picemuMatchers.toAccess(actual, query).pass).toBe(picemuMatchers.toAccess(expected, query).pass);
  }
  return actual.length;
}

/** Functions whose traces end in a fault (compared up to and with the faulting step). */
const faulted = new Set<string>();

describe('step recorder equals the old builder', () => {
  for (const file of RECIPE_LIBRARIES) {
    it(`${file}: every function with a recipe`, async () => {
      let steps = 0;
      for (const [name, recipes] of Object.entries(RECIPES[file]!)) for (const r of recipes) steps += await compare(join(fixtureDir, file), name, r);
      expect(steps).toBeGreaterThan(0);
    });
  }
  it.skipIf(!RECIPE_LIBRARIES.includes('libdemo.so'))('on the unicorn engine (one instruction a step through Engine.stepTraced): libdemo.so', async () => {
    let steps = 0;
    for (const name of ['bump_twice', 'data_array_sum', 'crc32_data_array', 'classify', 'null_deref', 'write_rodata']) for (const r of RECIPES['libdemo.so']![name]!) steps += await compare(join(fixtureDir, 'libdemo.so'), name, r, 'unicorn');
    expect(steps).toBeGreaterThan(100);
  });
  it.skipIf(!RECIPE_LIBRARIES.includes('libdemo.so'))('the faulting fixture functions were compared too (null_deref, divide_by_zero, trap_ud2, breakpoint_int3, write_rodata)', () => {
    for (const name of ['null_deref', 'divide_by_zero', 'trap_ud2', 'breakpoint_int3', 'write_rodata']) expect(faulted, name).toContain(name);
  });
  it.skipIf(!existsSync(ZLIB))('zlib crc32 and adler32', async () => {
    let steps = 0;
    for (const [name, recipes] of Object.entries(ZLIB_RECIPES)) for (const r of recipes) steps += await compare(ZLIB, name, r);
    expect(steps).toBeGreaterThan(1000);
  });
  it('a streamed call (onStep) hands over the events a kept call returns, and keeps none', async () => {
    const [ma, mb] = [await Machine.create(), await Machine.create()];
    const [pa, pb] = [ma.spawn(), mb.spawn()];
    pa.load(join(fixtureDir, 'libdemo.so'));
    pb.load(join(fixtureDir, 'libdemo.so'));
    const streamed: StepEvent[] = [];
    const out = pa.call('bump_twice', [3], { trace: true, onStep: (e) => streamed.push(e) });
    expect(out.events).toEqual([]);
    expect(streamed.map(stepToJson)).toEqual(pb.call('bump_twice', [3], { trace: true }).events.map(stepToJson));
    expect(streamed.length).toBeGreaterThan(3);
  });
});
