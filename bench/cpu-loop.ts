// Quick CPU benchmark: million instructions per second on gcc -O2 code (bitwise CRC-32 over 64 KiB, fib(25)),
// untraced and with a code hook. Run: npx tsx bench/cpu-loop.ts
import { C_FUNCTIONS } from '../test/cpu/c-functions.ts';
import { call, compileImage, DATA_ADDR, machine } from '../test/cpu/compiled-c.ts';

const image = compileImage(C_FUNCTIONS, ['-O2']);

type Mode = 'untraced' | 'code hook' | 'code+mem hooks';
function measure(name: string, setup: (m: ReturnType<typeof machine>) => [number, (number | bigint)[]], mode: Mode): void {
  const m = machine(image);
  const [fn, args] = setup(m);
  let n = 0;
  if (mode === 'code hook') m.cpu.setHooks({ code: () => void n++ });
  if (mode === 'code+mem hooks') m.cpu.setHooks({ code: () => void n++, memRead: () => void n++, memWrite: () => void n++ });
  for (let w = 0; w < 3; w++) call(m.cpu, fn, args); // warm-up: decode, block compilation, V8's JIT
  let best = 0;
  let bestCpu = 0;
  let executed = 0;
  for (let rep = 0; rep < 5; rep++) {
    const t0 = performance.now();
    const u0 = process.cpuUsage();
    const r = call(m.cpu, fn, args);
    const ms = performance.now() - t0;
    const u = process.cpuUsage(u0);
    if (r.out.kind !== 'until') throw new Error(`${name}: ${r.out.kind}`);
    executed = r.out.executed;
    best = Math.max(best, executed / ms / 1000);
    bestCpu = Math.max(bestCpu, executed / ((u.user + u.system) / 1000) / 1000);
  }
  // Wall-clock MIPS, and MIPS per CPU-second of this process (fairer on a loaded machine).
  console.log(`${name.padEnd(24)} ${mode.padEnd(15)} ${(executed / 1e6).toFixed(1).padStart(6)} M instructions  ${best.toFixed(1).padStart(7)} MIPS wall  ${bestCpu.toFixed(1).padStart(7)} MIPS cpu-time`);
}

const crc = (m: ReturnType<typeof machine>): [number, (number | bigint)[]] => {
  const data = new Uint8Array(65536).map((_, i) => (i * 131 + 7) & 0xff);
  m.mem.load(DATA_ADDR, data);
  return [image.symbols.get('crc32_bitwise')!, [DATA_ADDR, data.length]];
};
const fib = (): [number, (number | bigint)[]] => [image.symbols.get('fib')!, [25]];

for (const mode of ['untraced', 'code hook', 'code+mem hooks'] as const) {
  measure('crc32_bitwise (64 KiB)', crc, mode);
  measure('fib(25)', () => fib(), mode);
}
