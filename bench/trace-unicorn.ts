// Traced runs against native unicorn-engine (issue 11's target), in one process and run: picemu's own full trace
// (Process.call with trace: every StepEvent field available, built when read) and native unicorn-engine 2 with a JS
// code hook and a memory hook that record the same raw facts (rip; each access's kind, address, size and value)
// into typed arrays, on fixtures/libdemo.so's crc32_bitwise (8 KiB) and fib(19). Best of REPS after a warm-up.
// Run: npx tsx bench/trace-unicorn.ts [REPS=5]   (bench/run.ts runs it after its table)
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Machine } from '../src/index.ts';
import { loadNativeUnicorn, nativeUnicornUnavailable } from '../test/helpers/native-unicorn.ts';
import { Image, LAYOUT, mapLibrary, mapProcessAreas } from '../test/helpers/lockstep-image.ts';
import { repoRoot } from '../test/helpers/oracles.ts';

const LIB = join(repoRoot, 'fixtures', 'libdemo.so');
const reps = Number(process.argv[2] ?? 5);
const data = new Uint8Array(8192).map((_, i) => (i * 131 + 7) & 0xff);
const BUF = 0x7ffe_4000_0000;

interface Workload { name: string; fn: string; picemuArgs: (buf: number) => number[]; nativeArgs: number[] }
const WORKLOADS: Workload[] = [
  { name: 'crc32_bitwise (8 KiB)', fn: 'crc32_bitwise', picemuArgs: (buf) => [buf, data.length], nativeArgs: [BUF, data.length] },
  { name: 'fib(19)', fn: 'fib', picemuArgs: () => [19], nativeArgs: [19] },
];

/** Best (shortest) wall and CPU seconds of `reps` runs of f, after one warm-up. */
function best(f: () => number): { wall: number; cpu: number; count: number } {
  let count = f();
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    count = f();
    const c = process.cpuUsage(c0);
    wall = Math.min(wall, (performance.now() - t0) / 1000);
    cpu = Math.min(cpu, (c.user + c.system) / 1e6);
  }
  return { wall, cpu, count };
}

/** The raw facts the unicorn side records: per instruction its address, per access kind/address/size/value. */
class RawLog {
  rip: Float64Array = new Float64Array(1 << 16);
  steps = 0;
  acc: Float64Array = new Float64Array(4 << 16);
  accesses = 0;
  step(address: bigint): void {
    if (this.steps === this.rip.length) this.rip = grow(this.rip);
    this.rip[this.steps++] = Number(address);
  }
  access(type: number, address: bigint, size: number, value: bigint): void {
    if (this.accesses * 4 + 4 > this.acc.length) this.acc = grow(this.acc);
    const o = this.accesses++ * 4;
    this.acc[o] = type;
    this.acc[o + 1] = Number(address);
    this.acc[o + 2] = size;
    this.acc[o + 3] = Number(BigInt.asUintN(64, value));
  }
}
function grow(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

const native = loadNativeUnicorn();
if (!native) {
  console.error(`bench/trace-unicorn: native unicorn-engine is needed (${nativeUnicornUnavailable()})`);
  process.exit(2);
}
const uc = native as any; // eslint-disable-line @typescript-eslint/no-explicit-any
const image = new Image();
mapProcessAreas(image);
const lib = mapLibrary(image, LIB);
image.map(BUF, BUF + 0x10000, 3);
image.write(BUF, data);
const u = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
const pages = image.list();
for (const p of pages) {
  u.mem_map(p.va, 4096, p.prot);
  u.mem_write(p.va, p.bytes);
}
const raw = new RawLog();
u.hook_add(uc.HOOK_CODE, (_u: unknown, address: bigint) => raw.step(address));
u.hook_add(uc.HOOK_MEM_READ_AFTER | uc.HOOK_MEM_WRITE, (_u: unknown, type: number, address: bigint, size: number, value: bigint) => raw.access(type, address, size, value));
function nativeCall(entry: number, args: number[]): number {
  raw.steps = raw.accesses = 0;
  const rsp = LAYOUT.stackLow + LAYOUT.stackSize - 0x1000 - 8;
  const ret = new Uint8Array(8);
  new DataView(ret.buffer).setBigUint64(0, BigInt(LAYOUT.returnSentinel), true);
  u.mem_write(rsp, ret);
  u.reg_write_i64(uc.X86_REG_RSP, rsp);
  args.forEach((a, k) => u.reg_write_i64(uc[`X86_REG_${['RDI', 'RSI'][k]}`], a));
  u.emu_start(entry, LAYOUT.returnSentinel, 0, 0);
  return raw.steps;
}

const machine = await Machine.create();
const p = machine.spawn();
p.load(LIB);
const buf = p.place(data);

const rows: string[][] = [];
for (const w of WORKLOADS) {
  const n = best(() => nativeCall(lib.exports.get(w.fn)!.address, w.nativeArgs));
  const recorded = best(() => p.call(w.fn, w.picemuArgs(buf), { trace: true, deadlineMs: Infinity }).events.length);
  // The same calls with every event then built (all fields: location, symbol, section, VMA, disassembly, registers).
  const built = best(() => {
    const events = p.call(w.fn, w.picemuArgs(buf), { trace: true, deadlineMs: Infinity }).events;
    let k = 0;
    for (const e of events) k += e.accesses.length >= 0 ? 1 : 0;
    return k;
  });
  if (recorded.count !== n.count) console.warn(`bench/trace-unicorn: ${w.name}: picemu traced ${recorded.count} steps, native unicorn ${n.count}`);
  const mips = (count: number, s: number) => (count / s / 1e6).toFixed(2);
  const ratio = (a: number, b: number) => `${(b / a).toFixed(2)}×`;
  rows.push([w.name, String(n.count), mips(n.count, n.wall), mips(n.count, n.cpu), mips(recorded.count, recorded.wall), mips(recorded.count, recorded.cpu), ratio(recorded.cpu, n.cpu), mips(built.count, built.cpu), ratio(built.cpu, n.cpu)]);
}
const header = ['workload', 'steps', 'unicorn hooks MIPS', '(per CPU-s)', 'picemu trace MIPS', '(per CPU-s)', 'picemu/unicorn', 'trace+built (per CPU-s)', 'built/unicorn'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(line(header));
console.log(widths.map((x) => '-'.repeat(x)).join('  '));
for (const r of rows) console.log(line(r));
console.log(`ratios per CPU-second; best of ${reps}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${new Date().toISOString()}`);
u.close();
