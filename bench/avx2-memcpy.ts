// AVX2 memcpy benchmark: a 32-byte vmovdqu loop (4 loads, 4 stores per 128 bytes) copying 1 MiB, in picemu's
// CPU (x86-64-v3), against the same loop with 16-byte SSE2 movdqu in picemu and in native unicorn-engine
// (unicorn 2.0.1 has no AVX, so the AVX2 loop has no native figure). Run: npx tsx bench/avx2-memcpy.ts
import { Cpu } from '../src/cpu/cpu.ts';
import { X86_64_V3 } from '../src/cpu/features.ts';
import { loadNativeUnicorn } from '../test/helpers/native-unicorn.ts';
import { assemble } from '../test/cpu/host-exec.ts';
import { FlatMemory } from '../test/cpu/flat-memory.ts';

const CODE = 0x100000, SRC = 0x400000, DST = 0x800000, SIZE = 1 << 20;
const LOOPS: Record<string, string[]> = {
  'AVX2 vmovdqu ymm': ['vmovdqu ymm0, [rsi]', 'vmovdqu ymm1, [rsi + 32]', 'vmovdqu ymm2, [rsi + 64]', 'vmovdqu ymm3, [rsi + 96]',
    'vmovdqu [rdi], ymm0', 'vmovdqu [rdi + 32], ymm1', 'vmovdqu [rdi + 64], ymm2', 'vmovdqu [rdi + 96], ymm3', 'sub rsi, -128', 'sub rdi, -128', 'dec ecx', 'jnz L0', 'vzeroupper', 'hlt'],
  'SSE2 movdqu xmm': ['movdqu xmm0, [rsi]', 'movdqu xmm1, [rsi + 16]', 'movdqu xmm2, [rsi + 32]', 'movdqu xmm3, [rsi + 48]',
    'movdqu [rdi], xmm0', 'movdqu [rdi + 16], xmm1', 'movdqu [rdi + 32], xmm2', 'movdqu [rdi + 48], xmm3', 'add rsi, 64', 'add rdi, 64', 'dec ecx', 'jnz L0', 'hlt'],
};

function program(name: string): Uint8Array {
  const parts = assemble(LOOPS[name]);
  const bytes = Uint8Array.from(parts.flatMap((p) => [...p]));
  return bytes;
}
const chunk = (name: string) => (name.startsWith('AVX2') ? 128 : 64);

function picemu(name: string): { mips: number; gbps: number; instructions: number } {
  const mem = new FlatMemory();
  mem.map(CODE, 4096);
  mem.map(SRC, SIZE);
  mem.map(DST, SIZE);
  mem.load(CODE, [...program(name)]);
  mem.load(SRC, Array.from({ length: SIZE }, (_, i) => (i * 37) & 0xff));
  const cpu = new Cpu(mem, { profile: X86_64_V3 });
  let best = { mips: 0, gbps: 0, instructions: 0 };
  for (let rep = 0; rep < 8; rep++) {
    cpu.rip = CODE;
    cpu.setReg('rsi', SRC);
    cpu.setReg('rdi', DST);
    cpu.setReg('rcx', SIZE / chunk(name));
    const t0 = performance.now();
    const out = cpu.run();
    const ms = performance.now() - t0;
    if (out.kind !== 'halt') throw new Error(`${name}: ${out.kind}`);
    if (rep >= 2 && out.executed / ms / 1000 > best.mips) best = { mips: out.executed / ms / 1000, gbps: SIZE / ms / 1e6, instructions: out.executed };
  }
  return best;
}

function native(name: string): { mips: number; gbps: number } | string {
  const uc = loadNativeUnicorn();
  if (!uc) return 'native unicorn unavailable';
  if (name.startsWith('AVX2')) return 'n/a (unicorn 2.0.1 has no AVX)';
  const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
  e.mem_map(CODE, 4096, uc.PROT_ALL);
  e.mem_map(SRC, SIZE, uc.PROT_ALL);
  e.mem_map(DST, SIZE, uc.PROT_ALL);
  const code = program(name);
  e.mem_write(CODE, code);
  let best = { mips: 0, gbps: 0 };
  for (let rep = 0; rep < 8; rep++) {
    e.reg_write(uc.X86_REG_RSI, BigInt(SRC));
    e.reg_write(uc.X86_REG_RDI, BigInt(DST));
    e.reg_write(uc.X86_REG_RCX, BigInt(SIZE / chunk(name)));
    const t0 = performance.now();
    e.emu_start(CODE, CODE + code.length - 1, 0, 0);
    const ms = performance.now() - t0;
    const instructions = (SIZE / chunk(name)) * 12 + 1; // 12 per iteration, then the final hlt is not reached (until)
    if (rep >= 2 && instructions / ms / 1000 > best.mips) best = { mips: instructions / ms / 1000, gbps: SIZE / ms / 1e6 };
  }
  e.close();
  return best;
}

for (const name of Object.keys(LOOPS)) {
  const p = picemu(name);
  const n = native(name);
  const nat = typeof n === 'string' ? n : `native unicorn ${n.mips.toFixed(1)} MIPS, ${n.gbps.toFixed(2)} GB/s (picemu ${(p.mips / n.mips).toFixed(2)}x)`;
  console.log(`${name.padEnd(18)} 1 MiB: picemu ${p.mips.toFixed(1).padStart(6)} MIPS, ${p.gbps.toFixed(2)} GB/s (${p.instructions} instructions); ${nat}`);
}
