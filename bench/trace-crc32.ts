// Traced-run benchmark (issue 11): steps per second of Process.call(…, { trace: true }) on zlib's crc32 over 8 KiB.
// Run: npx tsx bench/trace-crc32.ts   (prints the load average too: the figure moves with the machine's load)
import { loadavg } from 'node:os';
import { Machine } from '../src/index.ts';

const ZLIB = '/lib/x86_64-linux-gnu/libz.so.1';
const machine = await Machine.create();
const p = machine.spawn();
p.load(ZLIB);
const data = new Uint8Array(8192).map((_, i) => (i * 131 + 7) & 0xff);
const buf = p.place(data);
const reps = Number(process.argv[2] ?? 3);
p.call('crc32', [0n, BigInt(buf), 8192n], { trace: true }); // warm-up: decoding, disassembler, V8's JIT
let best = 0;
let bestCpu = 0;
let steps = 0;
for (let r = 0; r < reps; r++) {
  const t0 = performance.now();
  const u0 = process.cpuUsage();
  const out = p.call('crc32', [0n, BigInt(buf), 8192n], { trace: true });
  const ms = performance.now() - t0;
  const u = process.cpuUsage(u0);
  steps = out.events.length;
  const cpuMs = (u.user + u.system) / 1000;
  best = Math.max(best, steps / (ms / 1000));
  bestCpu = Math.max(bestCpu, steps / (cpuMs / 1000));
  console.log(`run ${r + 1}: ${steps} steps in ${ms.toFixed(0)} ms wall (${cpuMs.toFixed(0)} ms cpu): ${(steps / (ms / 1000)).toFixed(0)} steps/s wall, ${(steps / (cpuMs / 1000)).toFixed(0)} steps/s cpu; heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);
}
console.log(`best ${best.toFixed(0)} steps/s wall, ${bestCpu.toFixed(0)} steps/s per CPU-second (${steps} steps); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${new Date().toISOString()}`);
