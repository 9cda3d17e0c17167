// Events built from the compact log when read (issue 11): the list a traced call returns behaves as a plain array
// of the same events for every reader and writer picemu's users have (index, iteration, array methods, JSON,
// vitest equality, push, truncation), and builds each event once.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { stepToJson } from '../../src/trace/render-json.ts';
import { repoRoot } from '../helpers/oracles.ts';

async function traced() {
  const m = await Machine.create();
  const p = m.spawn();
  p.load(join(repoRoot, 'fixtures', 'libdemo.so'));
  return { p, events: p.call('bump_twice', [3], { trace: true }).events };
}

describe('lazily built event lists', () => {
  it('read as a plain array of the same events', async () => {
    const { events } = await traced();
    const plain = Array.from({ length: events.length }, (_, k) => events[k]!);
    expect(Array.isArray(events)).toBe(true);
    expect(events.length).toBeGreaterThan(3);
    expect(events[0]).toBe(events[0]); // built once, then kept
    expect(events).toEqual(plain);
    expect([...events]).toEqual(plain);
    expect(events.map(stepToJson)).toEqual(plain.map(stepToJson));
    expect(JSON.stringify(events, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(JSON.stringify(plain, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    expect(Object.keys(events)).toEqual(Object.keys(plain));
    expect(events.slice(1)).toEqual(plain.slice(1));
    expect(events.filter((e) => e.accesses.length > 0)).toEqual(plain.filter((e) => e.accesses.length > 0));
    expect(events.indexOf(plain[2]!)).toBe(2);
    expect(2 in events).toBe(true);
    expect(events.length in events).toBe(false);
    expect(events[events.length]).toBeUndefined();
    let n = 0;
    for (const e of events) expect(e).toBe(plain[n++]);
    expect(events.map((e) => e.index)).toEqual(plain.map((_, k) => k));
  });

  it('take pushes, writes and truncation as an array does', async () => {
    const { events } = await traced();
    const first = events[0]!;
    const count = events.length;
    events.push(first);
    expect(events.length).toBe(count + 1);
    expect(events[count]).toBe(first);
    events[1] = first;
    expect(events[1]).toBe(first);
    events.length = 2;
    expect(events).toEqual([first, first]);
    events.length = 0;
    expect(events).toEqual([]);
    events.push(first);
    expect(events).toEqual([first]);
  });

  it('the call keeps the events of each run of a stepped call in order', async () => {
    const m = await Machine.create();
    const p = m.spawn();
    p.load(join(repoRoot, 'fixtures', 'libdemo.so'));
    const call = p.startCall('bump_twice', [3]);
    const one = p.step().event;
    const rest = p.run({ trace: true });
    expect(rest.kind).toBe('returned');
    expect(call.events.length).toBe(1 + rest.events.length);
    expect(stepToJson(call.events[0]!)).toEqual(stepToJson(one));
    expect(call.events.slice(1).map(stepToJson)).toEqual(rest.events.map(stepToJson));
    expect(call.events.map((e) => e.index)).toEqual(call.events.map((_, k) => k));
  });
});
