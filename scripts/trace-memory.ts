// The long form of test/trace/stream-memory.test.ts (issue 11): a `run --trace --ndjson` of N million steps (zlib's
// crc32 over 1 MiB, called until the steps add up) through the CLI's own streaming path, printing the steps and
// lines written, the time, and picemu's resident memory: the kernel's peak (VmHWM) and samples of VmRSS.
// Run: npx tsx scripts/trace-memory.ts [MILLION_STEPS=100]   (target: peak RSS under 300 MB at 100 million)
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { streamRun } from '../src/cli/run.ts';
import { Machine } from '../src/index.ts';

const ZLIB = '/lib/x86_64-linux-gnu/libz.so.1';
const million = Number(process.argv[2] ?? 100);
const data = new Uint8Array(1 << 20).map((_, i) => (i * 131 + 7) & 0xff);

/** The kernel's figures for this process, in MiB. */
function status(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

// Steps per call: one untraced call counts them.
const machine = await Machine.create();
const probe = machine.spawn();
probe.load(ZLIB);
const perCall = probe.call('crc32', [0n, probe.place(data), BigInt(data.length)]).executed;
const calls = Math.ceil((million * 1e6) / perCall);
console.log(`crc32 over 1 MiB: ${perCall} steps a call; ${calls} calls for ${million} million steps; RSS before ${status('VmRSS').toFixed(0)} MiB`);

let lines = 0;
let bytes = 0;
let maxSampled = 0;
let chunks = 0;
const t0 = Date.now();
const cpu0 = process.cpuUsage();
await streamRun(
  {
    library: ZLIB,
    symbol: 'crc32',
    args: [{ kind: 'int', value: 0n }, { kind: 'hex', bytes: data }, { kind: 'int', value: BigInt(data.length) }],
    procs: 1,
    calls,
    trace: true,
    json: false,
    ndjson: true,
    ret: 'ulong',
    deadlineMs: 3_600_000,
  },
  (text) => {
    bytes += text.length;
    for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) lines++;
    if ((++chunks & 255) === 0) {
      maxSampled = Math.max(maxSampled, status('VmRSS'));
      if ((chunks & 16383) === 0) console.log(`  ${(lines / 1e6).toFixed(1)} M lines, RSS ${status('VmRSS').toFixed(0)} MiB, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  },
);
const seconds = (Date.now() - t0) / 1000;
const u = process.cpuUsage(cpu0);
const steps = lines - calls - 1; // a result line per call, one pages line
console.log(`${steps} steps (${lines} lines, ${(bytes / 2 ** 30).toFixed(1)} GiB of NDJSON) in ${seconds.toFixed(0)} s wall, ${((u.user + u.system) / 1e6).toFixed(0)} s cpu (${(steps / ((u.user + u.system) / 1e6)).toFixed(0)} steps per CPU-second)`);
console.log(`peak RSS (VmHWM) ${status('VmHWM').toFixed(0)} MiB; largest sampled VmRSS ${maxSampled.toFixed(0)} MiB; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${new Date().toISOString()}`);
process.exitCode = status('VmHWM') < 300 * 1e6 / 2 ** 20 ? 0 : 1;
