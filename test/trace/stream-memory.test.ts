// A streamed trace keeps no events, and a `last N` ring holds at most its window (issue 11): about a million steps
// of zlib's crc32 (the long form, 100 million steps through `run --ndjson`, is scripts/trace-memory.ts), with the
// heap measured after a full garbage collection before and after. A kept trace of the same run holds its log.
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import type { Process } from '../../src/process/process.ts';
import { ZLIB } from '../helpers/lockstep-fixtures.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** JS heap plus ArrayBuffers (where typed arrays keep their bytes) after a full collection, in MiB. */
function heapMiB(): number {
  gc();
  gc();
  return inUse();
}
const inUse = (): number => {
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 2 ** 20;
};

const SIZE = 256 << 10; // about a million steps of crc32
const data = new Uint8Array(SIZE).map((_, i) => (i * 131 + 7) & 0xff);

async function zlibProcess(): Promise<{ p: Process; buf: number }> {
  const m = await Machine.create();
  const p = m.spawn();
  p.load(ZLIB);
  const buf = p.place(data);
  p.call('crc32', [0, buf, 4096], { trace: true, onStep: () => {} }); // warm-up: decoding, disassembler, caches
  return { p, buf };
}

describe('memory of long traces', () => {
  it.skipIf(!existsSync(ZLIB))('a streamed trace (onStep) of a million steps keeps no events: the heap does not grow with it', async () => {
    const { p, buf } = await zlibProcess();
    const before = heapMiB();
    let steps = 0;
    let accesses = 0;
    let peak = 0;
    const out = p.call('crc32', [0, buf, SIZE], {
      trace: true,
      onStep: (e) => {
        steps++;
        accesses += e.accesses.length;
        if ((steps & 0x3ffff) === 0) peak = Math.max(peak, inUse());
      },
    });
    const after = heapMiB();
    expect(out.executed).toBe(steps);
    expect(steps).toBeGreaterThan(1_000_000);
    expect(accesses).toBeGreaterThan(SIZE / 8);
    expect(out.events.length).toBe(0);
    // A kept trace of these steps takes over 30 MiB in its log alone (and far more as built events).
    expect(after - before).toBeLessThan(8);
    expect(peak - before).toBeLessThan(64);
  }, 120_000);

  it.skipIf(!existsSync(ZLIB))('a `last N` ring over a million steps holds N steps: the last ones, the heap bounded by the window', async () => {
    const { p, buf } = await zlibProcess();
    const before = heapMiB();
    const out = p.call('crc32', [0, buf, SIZE], { trace: true, filter: { last: 1000 } });
    const after = heapMiB();
    expect(out.events.length).toBe(1000);
    expect(out.events[999]!.index).toBe(out.executed - 1);
    expect(out.events[0]!.index).toBe(out.executed - 1000);
    expect(after - before).toBeLessThan(8);
  }, 120_000);

  it.skipIf(!existsSync(ZLIB))('a kept trace holds its steps compactly (under 160 bytes a step for crc32) and builds each event when read', async () => {
    const { p, buf } = await zlibProcess();
    const before = heapMiB();
    const out = p.call('crc32', [0, buf, SIZE / 4], { trace: true });
    const after = heapMiB();
    expect(out.events.length).toBe(out.executed);
    // (~100 measured: the log's arrays with their room to grow, and the call's and the stop's lists of unbuilt events.)
    expect(((after - before) * 2 ** 20) / out.executed).toBeLessThan(160);
    const last = out.events[out.events.length - 1]!;
    expect(last.asm).toBe('ret');
    expect(last.module).toMatch(/^libz\.so/);
  }, 120_000);
});
