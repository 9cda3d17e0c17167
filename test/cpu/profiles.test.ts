// CPU profiles: what cpuid answers for x86-64-v2, x86-64-v3 and host (checked against /proc/cpuinfo, the
// kernel's reading of the host's cpuid), and that an instruction of an extension a profile lacks raises #UD
// naming itself, in the handler loop and in compiled blocks alike.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu/cpu.ts';
import { cpuFlags, cpuid, cpuProfile, CpuProfileError, hostCpuProfile, X86_64_V2, X86_64_V3, type CpuProfile } from '../../src/cpu/features.ts';
import { assemble, hasToolchain } from './host-exec.ts';
import { FlatMemory } from './flat-memory.ts';

const word = (v: number) => String.fromCharCode(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24);
const brand = (p: CpuProfile) => [0x80000002, 0x80000003, 0x80000004].map((l) => cpuid(p, l, 0).map(word).join('')).join('').replace(/\0+$/, '');
const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(cpuinfo)?.[1].trim();

describe('cpuid answers from the profile', () => {
  it('vendor, family/model/stepping and brand string round-trip through leaves 0, 1 and 0x80000002-4', () => {
    for (const p of [X86_64_V2, X86_64_V3, hostCpuProfile()]) {
      const [, b, c, d] = cpuid(p, 0, 0);
      expect(word(b) + word(d) + word(c)).toBe(p.vendor);
      const eax = cpuid(p, 1, 0)[0];
      const fam = ((eax >> 8) & 0xf) + (((eax >> 8) & 0xf) === 0xf ? (eax >> 20) & 0xff : 0);
      expect([fam, ((eax >> 12) & 0xf0) | ((eax >> 4) & 0xf), eax & 0xf]).toEqual([p.family, p.model, p.stepping]);
      expect(brand(p)).toBe(p.brand);
    }
  });

  it('host: identity and features as the kernel reads them (/proc/cpuinfo), limited to what picemu implements', () => {
    const host = hostCpuProfile();
    expect([host.vendor, host.family, host.model, host.stepping, host.brand]).toEqual([field('vendor_id'), Number(field('cpu family')), Number(field('model')), Number(field('stepping')), field('model name')]);
    const flags = new Set(field('flags')!.split(/\s+/));
    for (const f of cpuFlags(host)) expect(flags.has(f), f).toBe(true);
  });

  it('x86-64-v3 has the psABI level-3 set; v2 lacks every VEX extension', () => {
    expect(cpuFlags(X86_64_V3)).toEqual(expect.arrayContaining(['avx', 'avx2', 'bmi1', 'bmi2', 'fma', 'f16c', 'abm', 'movbe', 'xsave']));
    expect(cpuFlags(X86_64_V2).filter((f) => ['avx', 'avx2', 'bmi1', 'bmi2', 'fma', 'abm', 'movbe', 'xsave'].includes(f))).toEqual([]);
    expect(cpuProfile()).toBe(X86_64_V3);
    expect(() => cpuProfile('pentium')).toThrow(CpuProfileError);
  });
});

describe.skipIf(!hasToolchain())('#UD for an extension the profile lacks', () => {
  const lines = ['vpaddb ymm0, ymm1, ymm2', 'vfmadd231pd xmm0, xmm1, xmm2', 'andn eax, ebx, ecx', 'shlx rax, rbx, rcx', 'xgetbv', 'vpaddb xmm0, xmm1, xmm2'];
  const needs = ['avx2', 'fma', 'bmi1', 'bmi2', 'xsave', 'avx'];
  const codes = assemble(lines);
  for (const jit of ['off', 'always'] as const)
    it.each(lines.map((l, i) => [l, i] as const))(`%s (jit ${jit})`, (line, i) => {
      for (const [profile, runs] of [[X86_64_V2, false], [X86_64_V3, true]] as const) {
        const mem = new FlatMemory();
        mem.map(0x1000, 4096);
        // mov eax, 7 first: in a compiled block it commits before the #UD.
        mem.load(0x1000, [0xb8, 7, 0, 0, 0, ...codes[i], 0xf4]);
        const cpu = new Cpu(mem, { profile, jit });
        cpu.rip = 0x1000;
        cpu.setReg('ecx', 0);
        const out = cpu.run();
        if (runs) expect(out.kind, `${line} on ${profile.name}`).toBe('halt');
        else {
          expect(out.kind === 'fault' && [out.fault.kind, out.fault.signal, out.fault.code, out.fault.rip], `${line} on ${profile.name}`).toEqual(['invalid-opcode', 4, 2, 0x1005]);
          expect(out.kind === 'fault' && out.fault.message).toContain(`needs ${needs[i]}`);
          expect(out.kind === 'fault' && out.fault.message).toContain(line.split(' ')[0]);
          expect(cpu.reg('rax') & 0xffffffffn).toBe(7n);
        }
      }
    });
});
