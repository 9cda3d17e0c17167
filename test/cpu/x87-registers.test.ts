// The x87/MMX registers by name (gdb's names: st0-7, fctrl, fstat, ftag, mm0-7) after real x87 code, with the
// values the manuals define (FLDPI's rounded π, tags per physical register, TOP in the status word).
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu/index.ts';
import { FlatMemory } from './flat-memory.ts';

function run(bytes: number[]): Cpu {
  const mem = new FlatMemory();
  mem.map(0x1000, 0x1000);
  mem.load(0x1000, Uint8Array.from(bytes));
  const cpu = new Cpu(mem);
  cpu.rip = 0x1000;
  cpu.run({ maxInstructions: bytes.length ? 100 : 0, until: 0x1000 + bytes.length });
  return cpu;
}

describe('x87 registers by name', () => {
  it('a fresh CPU is in the FNINIT state: fctrl 0x37f, fstat 0, all tags empty', () => {
    const cpu = run([]);
    expect([cpu.reg('fctrl'), cpu.reg('fstat'), cpu.reg('ftag')]).toEqual([0x37fn, 0n, 0xffffn]);
  });

  it('fld1; fldpi: st0 is π rounded to 64 bits, st1 is 1, TOP = 6, R6 and R7 tagged valid', () => {
    const cpu = run([0xd9, 0xe8, 0xd9, 0xeb]);
    expect(cpu.reg('st0')).toBe(0x4000c90fdaa22168c235n);
    expect(cpu.reg('st1')).toBe(0x3fff8000000000000000n);
    expect(cpu.reg('fstat')).toBe(6n << 11n);
    expect(cpu.reg('ftag')).toBe(0x0fffn);
  });

  it('MMX: movq mm3, rax sets TOP 0, tags valid, R3 = 0xffff:value; mm3 and st3 read it', () => {
    const cpu = run([0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x48, 0x0f, 0x6e, 0xd8]);
    expect(cpu.reg('mm3')).toBe(0x1122334455667788n);
    expect(cpu.reg('st3')).toBe(0xffff1122334455667788n);
    // R3 tagged special (10: exponent all ones), the others hold zeros (01): 0101 0101 1001 0101
    expect([cpu.reg('fstat'), cpu.reg('ftag')]).toEqual([0n, 0x5595n]);
  });
});
