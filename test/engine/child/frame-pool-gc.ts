// Run by frame-pool.test.ts under `node --expose-gc`: 12 unicorn Machines one after the other, each loading and
// calling libcounter.so in a process; prints the frame chunks held before and after garbage collection.
import { join } from 'node:path';
import { Machine } from '../../../src/index.ts';
import { UnicornFramePool } from '../../../src/process/engines/unicorn-module.ts';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const library = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'libcounter.so');
for (let k = 0; k < 12; k++) {
  const m = await Machine.create({ engine: 'unicorn' });
  const p = m.spawn();
  p.load(library);
  p.call('really_really_nonreentrant');
}
const before = UnicornFramePool.chunksHeld;
for (let k = 0; k < 3; k++) {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
}
console.log(JSON.stringify({ before, after: UnicornFramePool.chunksHeld }));
