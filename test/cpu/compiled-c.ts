// Compiles C functions with the host cc (no libc), loads the linked image into a test memory, and calls
// them in picemu with the System V convention; the same source also builds natively for the expected results.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cpu, type CpuProfile, type RunOutcome } from '../../src/cpu/index.ts';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/mm/types.ts';
import { FlatMemory } from './flat-memory.ts';

export interface Image {
  base: number;
  bytes: Uint8Array;
  symbols: Map<string, number>;
}

/** Links `source` (functions only, no libc) at a fixed address and returns its loadable bytes and symbols. */
export function compileImage(source: string, flags: string[] = ['-O2']): Image {
  const dir = mkdtempSync(join(tmpdir(), 'picemu-cc-'));
  try {
    writeFileSync(join(dir, 'f.c'), source);
    const elf = join(dir, 'f.elf');
    execFileSync('cc', [...flags, '-fno-pic', '-no-pie', '-static', '-nostdlib', '-fno-stack-protector', '-fcf-protection=none', '-fno-asynchronous-unwind-tables', '-Wl,-e,0', '-ffreestanding', '-fno-tree-loop-distribute-patterns', '-Wl,--build-id=none', '-o', elf, join(dir, 'f.c'), '-lgcc']);
    execFileSync('objcopy', ['-O', 'binary', '-j', '.text', '-j', '.rodata', '-j', '.data', '-j', '.bss', elf, join(dir, 'f.bin')]);
    const symbols = new Map<string, number>();
    for (const line of execFileSync('nm', [elf], { encoding: 'utf8' }).split('\n')) {
      const m = /^([0-9a-f]+) [TtDdRrBb] (\w+)$/.exec(line.trim());
      if (m) symbols.set(m[2], parseInt(m[1], 16));
    }
    let base = Infinity;
    for (const line of execFileSync('readelf', ['-SW', elf], { encoding: 'utf8' }).split('\n')) {
      const m = /\]\s+(\.text|\.rodata|\.data|\.bss)\s+\w+\s+([0-9a-f]+)/.exec(line);
      if (m) base = Math.min(base, parseInt(m[2], 16));
    }
    return { base, bytes: new Uint8Array(readFileSync(join(dir, 'f.bin'))), symbols };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds and runs a native program (the same functions plus `main`) and returns its stdout. */
export function runNative(source: string, main: string, flags: string[] = ['-O2']): string {
  const dir = mkdtempSync(join(tmpdir(), 'picemu-cc-'));
  try {
    writeFileSync(join(dir, 'm.c'), `#include <stdio.h>\n#include <stdint.h>\n${source}\n${main}\n`);
    execFileSync('cc', [...flags, '-o', join(dir, 'm'), join(dir, 'm.c')]);
    return execFileSync(join(dir, 'm'), { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const STACK_TOP = 0x7fff0000;
export const RETURN_ADDR = 0x5000;
export const DATA_ADDR = 0x60000000;

/** A CPU over a fresh memory holding the image, a 1 MiB stack and a 1 MiB data area. */
export function machine(image: Image, profile?: CpuProfile, jit?: 'auto' | 'always' | 'off'): { cpu: Cpu; mem: FlatMemory } {
  const mem = new FlatMemory();
  const start = Math.floor(image.base / 4096) * 4096;
  mem.map(start, image.base - start + image.bytes.length + 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
  mem.load(image.base, image.bytes);
  mem.map(STACK_TOP - 0x100000, 0x100000, PROT_READ | PROT_WRITE);
  mem.map(DATA_ADDR, 0x100000, PROT_READ | PROT_WRITE);
  mem.map(RETURN_ADDR, 4096, PROT_READ | PROT_EXEC);
  return { cpu: new Cpu(mem, { profile, jit }), mem };
}

const ARG_REGS = ['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'];

/** Calls `fn` with integer arguments; returns rax and the run outcome. */
export function call(cpu: Cpu, fn: number, args: (number | bigint)[], maxInstructions = 1e9): { rax: bigint; out: RunOutcome } {
  args.forEach((a, i) => cpu.setReg(ARG_REGS[i], BigInt.asUintN(64, BigInt(a))));
  const rsp = STACK_TOP - 0x1000 - 8;
  cpu.setReg('rsp', rsp);
  cpu.write64(rsp, RETURN_ADDR, 0);
  cpu.rip = fn;
  const out = cpu.run({ until: RETURN_ADDR, maxInstructions });
  return { rax: cpu.reg('rax'), out };
}
