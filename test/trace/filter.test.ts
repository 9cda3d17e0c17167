// Trace filters (issue 11): a filtered Process.call keeps exactly the steps the full trace (itself checked against
// the old builder in recorder-oracle.test.ts) has that pass the filter, in order, with the same content.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import type { StepEvent } from '../../src/trace/events.ts';
import { TraceFilterError, type TraceFilter } from '../../src/trace/filter.ts';
import { stepToJson } from '../../src/trace/render-json.ts';
import { ZLIB } from '../helpers/lockstep-fixtures.ts';
import { repoRoot } from '../helpers/oracles.ts';

const demo = `${repoRoot}/fixtures/libdemo.so`;
const data = new Uint8Array(96).map((_, i) => (i * 131 + 7) & 0xff);

/** One traced call on a fresh machine (so frames and addresses repeat exactly), with the filter given. */
async function traced(lib: string, name: string, args: (number | Uint8Array)[], filter?: TraceFilter): Promise<StepEvent[]> {
  const m = await Machine.create();
  const p = m.spawn();
  p.load(lib);
  return p.call(name, args, { trace: true, ...(filter ? { filter } : {}) }).events;
}

const json = (events: StepEvent[]) => events.map(stepToJson);

describe('trace filters', () => {
  it.skipIf(!existsSync(ZLIB))('modules, ranges, memory and RIP-relative only, first and last N: zlib crc32', async () => {
    const args = [0, data, data.length];
    const all = await traced(ZLIB, 'crc32', args);
    expect(all.length).toBeGreaterThan(200);
    const cases: [TraceFilter, StepEvent[]][] = [
      [{ modules: ['libz.so.1'] }, all.filter((e) => e.module === 'libz.so.1')],
      [{ modules: ['nothing.so'] }, []],
      [{ memoryOnly: true }, all.filter((e) => e.accesses.length > 0)],
      [{ ripRelativeOnly: true }, all.filter((e) => e.accesses.some((a) => a.ripRelative))],
      [{ first: 10 }, all.slice(0, 10)],
      [{ last: 7 }, all.slice(-7)],
      [{ last: 0 }, []],
      [{ memoryOnly: true, last: 5 }, all.filter((e) => e.accesses.length > 0).slice(-5)],
      [{ ripRelativeOnly: true, first: 3 }, all.filter((e) => e.accesses.some((a) => a.ripRelative)).slice(0, 3)],
    ];
    const rips = all.map((e) => e.rip).sort((a, b) => a - b);
    const [lo, hi] = [rips[Math.floor(rips.length / 4)]!, rips[Math.floor((3 * rips.length) / 4)]!];
    cases.push([{ ranges: [[lo, hi]] }, all.filter((e) => e.rip >= lo && e.rip < hi)]);
    for (const [filter, expected] of cases) {
      const got = await traced(ZLIB, 'crc32', args, filter);
      expect(json(got), JSON.stringify(filter)).toEqual(json(expected));
    }
    expect(all.some((e) => e.accesses.some((a) => a.ripRelative))).toBe(true);
  });
  it('the call result is the unfiltered one, and a ring over a short call keeps it all', async () => {
    const m = await Machine.create();
    const p = m.spawn();
    p.load(demo);
    const all = (await traced(demo, 'bump_twice', [3]));
    const out = p.call('bump_twice', [3], { trace: true, filter: { last: 1000 } });
    expect(json(out.events)).toEqual(json(all));
    expect(out.result).toEqual((await Machine.create().then((m2) => { const q = m2.spawn(); q.load(demo); return q.call('bump_twice', [3]); })).result);
  });
  it('streams the first N through onStep, and rejects bad filters', async () => {
    const m = await Machine.create();
    const p = m.spawn();
    p.load(demo);
    const streamed: StepEvent[] = [];
    const out = p.call('bump_twice', [3], { trace: true, filter: { first: 2 }, onStep: (e) => streamed.push(e) });
    expect(out.events).toEqual([]);
    expect(json(streamed)).toEqual(json((await traced(demo, 'bump_twice', [3])).slice(0, 2)));
    for (const bad of [{ first: -1 }, { last: 1.5 }, { first: 1, last: 1 }, { ranges: [[10, 5]] as [number, number][] }]) {
      expect(() => p.call('bump_twice', [3], { trace: true, filter: bad })).toThrow(TraceFilterError);
    }
    expect(p.activeCall).toBeUndefined();
  });
});
