// Real compiled functions (fixtures/libdemo.so, libsse.so) run through picemu/unicorn and native unicorn-engine with
// code, block and memory hooks: every hook call (address, size, value), the result and the registers agree.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, requireOracle } from '../helpers/oracles.ts';
import MUnicorn from '../../src/unicorn/index.ts';
import { loadNativeUnicorn, nativeUnicornUnavailable } from '../helpers/native-unicorn.ts';
import { logRegs, Transcript, type Uc } from './scenarios.ts';

const hasNative = requireOracle('native unicorn-engine', !nativeUnicornUnavailable(), 'apt-get install libunicorn2 (and npm install koffi)');

const BASE = 0x400000;
const STACK = 0x7ff000;
const RETURN = 0x900000; // a mapped page holding nothing: the run ends when `ret` reaches it
const DATA = 0x600000;

/** The PT_LOAD segments of an ELF64 file: [vaddr, offset, filesz, memsz]. */
function loads(file: Uint8Array): [number, number, number, number][] {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const phoff = Number(v.getBigUint64(32, true));
  const out: [number, number, number, number][] = [];
  for (let i = 0; i < v.getUint16(56, true); i++) {
    const p = phoff + i * v.getUint16(54, true);
    if (v.getUint32(p, true) !== 1) continue;
    out.push([Number(v.getBigUint64(p + 16, true)), Number(v.getBigUint64(p + 8, true)), Number(v.getBigUint64(p + 32, true)), Number(v.getBigUint64(p + 40, true))]);
  }
  return out;
}

/** Symbol addresses from the dynamic symbol table, by name. */
function symbols(file: Uint8Array): Map<string, number> {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const shoff = Number(v.getBigUint64(40, true));
  const shentsize = v.getUint16(58, true);
  const out = new Map<string, number>();
  for (let i = 0; i < v.getUint16(60, true); i++) {
    const sh = shoff + i * shentsize;
    if (v.getUint32(sh + 4, true) !== 11) continue; // SHT_DYNSYM
    const off = Number(v.getBigUint64(sh + 24, true));
    const size = Number(v.getBigUint64(sh + 32, true));
    const strtab = shoff + v.getUint32(sh + 40, true) * shentsize;
    const stroff = Number(v.getBigUint64(strtab + 24, true));
    for (let s = off; s < off + size; s += 24) {
      let end = stroff + v.getUint32(s, true);
      const start = end;
      while (file[end] !== 0) end++;
      out.set(Buffer.from(file.subarray(start, end)).toString(), Number(v.getBigUint64(s + 8, true)));
    }
  }
  return out;
}

const libs = new Map(['libdemo.so', 'libsse.so'].map((name) => {
  const file = new Uint8Array(readFileSync(join(repoRoot, 'fixtures', name)));
  return [name, { file, syms: symbols(file) }];
}));

/** Calls `name` in `libName` with integer arguments (RDI, RSI, RDX) and a float in XMM0. */
function call(uc: Uc, libName: string, name: string, args: number[], xmm0: number, t: Transcript): void {
  const { file: lib, syms } = libs.get(libName)!;
  const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
  for (const [vaddr, offset, filesz, memsz] of loads(lib)) {
    const start = Math.floor(vaddr / 0x1000) * 0x1000;
    const end = Math.ceil((vaddr + memsz) / 0x1000) * 0x1000;
    e.mem_map(BASE + start, end - start, uc.PROT_ALL);
    e.mem_write(BASE + vaddr, lib.subarray(offset, offset + filesz));
  }
  e.mem_map(STACK - 0x10000, 0x11000, uc.PROT_READ | uc.PROT_WRITE);
  e.mem_map(RETURN, 0x1000, uc.PROT_ALL);
  e.mem_map(DATA, 0x1000, uc.PROT_READ | uc.PROT_WRITE);
  e.mem_write(DATA, Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff));
  e.mem_write(STACK - 8, [0, 0, 0x90, 0, 0, 0, 0, 0]); // return address RETURN
  e.reg_write_i64(uc.X86_REG_RSP, STACK - 8);
  ['RDI', 'RSI', 'RDX'].forEach((r, i) => e.reg_write_i64(uc[`X86_REG_${r}`], args[i] ?? 0));
  e.reg_write_float(uc.X86_REG_XMM0, xmm0);
  e.reg_write_i32(uc.X86_REG_MXCSR, 0x1f80); // unicorn resets it to 0, picemu to the ABI's 0x1f80
  let codeCalls = 0;
  let codeDigest = 0;
  e.hook_add(uc.HOOK_CODE, (_h: Uc, addr: bigint, size: number) => {
    codeCalls++;
    codeDigest = (Math.imul(codeDigest, 31) + Number(addr) + size) | 0;
  });
  e.hook_add(uc.HOOK_BLOCK, (_h: Uc, addr: bigint, size: number) => t.log('block', [addr - BigInt(BASE), size]));
  e.hook_add(uc.HOOK_MEM_READ | uc.HOOK_MEM_WRITE, (_h: Uc, type: number, addr: bigint, size: number, value: bigint) => t.log('mem', [type, addr, size, value]));
  t.attempt(name, () => e.emu_start(BASE + syms.get(name)!, RETURN, 0, 0));
  t.log('code hook calls', [codeCalls, codeDigest]);
  logRegs(t, e, uc, 64, 'regs', ['RCX', 'R11']);
  for (let x = 0; x < 16; x++) t.log(`xmm${x}`, e.reg_read(uc[`X86_REG_XMM${x}`], 16));
  t.log('data', e.mem_read(DATA, 0x300));
}

const picemu = await MUnicorn();
const native = hasNative ? loadNativeUnicorn() : undefined;

const cases: [string, string, number[], number][] = [
  ['libdemo.so', 'fib', [7], 0],
  ['libdemo.so', 'crc32_bitwise', [DATA, 13], 0],
  ['libdemo.so', 'byte_copy', [DATA + 0x100, DATA, 21], 0],
  ['libdemo.so', 'my_strlen', [DATA + 0x200], 0],
  ['libdemo.so', 'classify', [5, -3], 0],
  ['libdemo.so', 'classify', [-5, 3], 0],
  ['libsse.so', 'brighten', [DATA, 45], 0],
  ['libsse.so', 'count_less', [DATA, 12], 0.5],
  ['libsse.so', 'saxpy', [DATA, DATA + 0x100, 9], 2.5],
];

describe.skipIf(!hasNative)('fixture functions with hooks, picemu/unicorn against native unicorn-engine', () => {
  it.each(cases)('%s %s(%j)', (libName, name, args, xmm0) => {
    const run = (uc: Uc) => {
      const t = new Transcript();
      call(uc, libName, name, args, xmm0, t);
      return t.lines;
    };
    expect(run(picemu)).toEqual(run(native));
  });
});
