// Registers by name against native unicorn-engine's uc_reg_write/uc_reg_read: every view of every GPR
// (8/16/32/64-bit, high bytes), RIP, RFLAGS, fs/gs base, XMM and MXCSR.
import { describe, expect, it } from 'vitest';
import { Cpu, REGISTER_NAMES } from '../../src/cpu/index.ts';
import { constants as UC } from '../../src/unicorn/constants.ts';
import { NativeUnicorn, nativeUnicornUnavailable } from '../helpers/native-unicorn.ts';
import { requireOracle } from '../helpers/oracles.ts';
import { FlatMemory } from './flat-memory.ts';
import { rng } from './host-exec.ts';

const hasUnicorn = () => requireOracle('native unicorn-engine (libunicorn2)', nativeUnicornUnavailable() === undefined, 'apt-get install libunicorn2');

/** unicorn's id for one of our names (r8l → R8B, rflags → RFLAGS...). */
function ucId(name: string): number | undefined {
  const n = name.toUpperCase().replace(/^R(\d+)L$/, 'R$1B');
  return (UC as Record<string, number>)[`X86_REG_${n}`];
}

describe.skipIf(!hasUnicorn())('registers by name vs unicorn', () => {
  it('every name unicorn also has reads and writes the same bits', () => {
    const r = rng(7);
    const rand64 = () => (BigInt(r()) << 32n) | BigInt(r());
    // x87/MMX names are left out: unicorn 2.0.1 reads its MM registers as 0 after an ST write (no aliasing);
    // the x87 registers are checked against the host CPU in x87-host.test.ts and below.
    const X87 = /^(st|mm)\d$|^f(ctrl|stat|tag|iseg|ioff|oseg|ooff|op)$/;
    const names = REGISTER_NAMES.filter((n) => ucId(n) !== undefined && !X87.test(n) && !['rip', 'eip', 'flags', 'eflags', 'rflags'].includes(n));
    const failures: string[] = [];
    for (const name of names) {
      const uc = new NativeUnicorn(UC.ARCH_X86, UC.MODE_64);
      const cpu = new Cpu(new FlatMemory());
      uc.reg_write(UC.X86_REG_MXCSR, 0x1f80); // unicorn starts with MXCSR 0, a CPU with 0x1f80
      // Same random starting values everywhere, then one write through `name`.
      for (const full of ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', ...Array.from({ length: 8 }, (_, i) => `r${i + 8}`)]) {
        const v = rand64();
        uc.reg_write(ucId(full)!, v);
        cpu.setReg(full, v);
      }
      for (let i = 0; i < 16; i++) {
        const v = (rand64() << 64n) | rand64();
        const bytes = Array.from({ length: 16 }, (_, k) => Number((v >> BigInt(8 * k)) & 0xffn));
        uc.reg_write(ucId(`xmm${i}`)!, bytes);
        cpu.setReg(`xmm${i}`, v);
      }
      let value = (rand64() << 64n) | rand64();
      // fs/gs bases are user addresses (a CPU refuses non-canonical ones): picemu keeps them as numbers.
      if (name.endsWith('_base')) value &= (1n << 47n) - 1n;
      const bits = name.startsWith('xmm') ? 128 : undefined;
      if (bits) uc.reg_write(ucId(name)!, Array.from({ length: 16 }, (_, k) => Number((value >> BigInt(8 * k)) & 0xffn)));
      else uc.reg_write(ucId(name)!, name === 'mxcsr' ? 0x1f80n | (value & 0x3fn) : value & 0xffffffffffffffffn);
      cpu.setReg(name, name === 'mxcsr' ? 0x1f80n | (value & 0x3fn) : bits ? value : value & 0xffffffffffffffffn);
      for (const other of names) {
        const u = uc.reg_value(ucId(other)!);
        const p = cpu.reg(other);
        if (BigInt(u) !== p) failures.push(`after writing ${name}: ${other} unicorn 0x${BigInt(u).toString(16)} picemu 0x${p.toString(16)}`);
      }
      uc.close();
    }
    expect(failures.slice(0, 20)).toEqual([]);
  });

  it('rflags and rip round-trip like unicorn (status flags, DF, bit 1)', () => {
    for (const v of [0x2, 0x202, 0xcd7, 0x8d5, 0x246, 0x45]) {
      const uc = new NativeUnicorn(UC.ARCH_X86, UC.MODE_64);
      const cpu = new Cpu(new FlatMemory());
      uc.reg_write(UC.X86_REG_RFLAGS, v);
      cpu.setReg('rflags', v);
      const mask = 0xcd5 | 0x2;
      expect(Number(cpu.reg('rflags')) & mask, `rflags 0x${v.toString(16)}`).toBe(Number(uc.reg_value(UC.X86_REG_RFLAGS)) & mask);
      uc.reg_write(UC.X86_REG_RIP, 0x401234n);
      cpu.setReg('rip', 0x401234n);
      expect(cpu.reg('rip')).toBe(BigInt(uc.reg_value(UC.X86_REG_RIP)));
      uc.close();
    }
  });
});
