// x87 benchmark: MIPS of a loop of x87 arithmetic (fadd, fld, fmul, fsqrt, fdiv, fistp; 8 instructions an
// iteration) in picemu (through its unicorn facade) and in native unicorn-engine, same bytes, same count.
// Run: npx tsx bench/x87-loop.ts [iterations]
import MUnicorn from '../src/unicorn/index.ts';
import { loadNativeUnicorn, nativeUnicornUnavailable } from '../test/helpers/native-unicorn.ts';

const CODE = 0x400000;
const DATA = 0x600000;
// fld1; fldz; L: fadd st0,st1; fld st0; fmul st0,st0; fsqrt; fdiv st0,st1; fistp dword [rdi]; dec rcx; jnz L
const LOOP = Uint8Array.from([0xd9, 0xe8, 0xd9, 0xee, 0xd8, 0xc1, 0xd9, 0xc0, 0xd8, 0xc8, 0xd9, 0xfa, 0xd8, 0xf1, 0xdb, 0x1f, 0x48, 0xff, 0xc9, 0x75, 0xef]);
const END = CODE + LOOP.length;

/* eslint-disable @typescript-eslint/no-explicit-any */
function run(uc: any, iterations: number): { seconds: number; result: number } {
  let best = Infinity;
  let result = 0;
  for (let rep = 0; rep < 3; rep++) {
    const u = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
    u.mem_map(CODE, 0x1000, uc.PROT_READ | uc.PROT_EXEC);
    u.mem_write(CODE, LOOP);
    u.mem_map(DATA, 0x1000, uc.PROT_READ | uc.PROT_WRITE);
    u.reg_write_i64(uc.X86_REG_RDI, DATA);
    u.reg_write_i64(uc.X86_REG_RCX, iterations);
    const t0 = performance.now();
    u.emu_start(CODE, END, 0, 0);
    best = Math.min(best, (performance.now() - t0) / 1000);
    result = new DataView(Uint8Array.from(u.mem_read(DATA, 4)).buffer).getInt32(0, true);
    u.close();
  }
  return { seconds: best, result };
}

async function main(): Promise<void> {
  const iterations = Number(process.argv[2] ?? 200_000);
  const instructions = 2 + 8 * iterations;
  const picemu = await MUnicorn();
  const p = run(picemu, iterations);
  const line = (name: string, r: { seconds: number; result: number }) =>
    `${name.padEnd(8)} ${(instructions / 1e6).toFixed(2)} M instructions  ${(instructions / r.seconds / 1e6).toFixed(2).padStart(7)} MIPS  (last fistp ${r.result})`;
  console.log(line('picemu', p));
  const native = loadNativeUnicorn();
  if (!native) {
    console.log(`native unicorn: not available (${nativeUnicornUnavailable()})`);
    return;
  }
  const n = run(native, iterations);
  console.log(line('unicorn', n));
  console.log(`picemu / unicorn: ${((n.seconds / p.seconds) * 100).toFixed(1)}%${p.result === n.result ? '' : '  (results differ!)'}`);
}

void main();
