// /proc/cpuinfo and /proc/meminfo against the kernel's: the flags picemu derives from cpuid, fed the host
// CPU's own cpuid answers, are the flags the host kernel prints for those cpuid words, in its order; the
// field labels and spacing are the kernel's; and a profile's /proc/cpuinfo advertises what its cpuid does.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuid, SSE4_2_PROFILE } from '../../src/cpu/features.ts';
import { cpuidFlags, renderCpuinfo, renderCpuinfoFrom, renderMeminfo, type CpuidFn } from '../../src/kernel/procfs/index.ts';
import { buildCHelper, hasCc } from '../helpers/oracles.ts';

const LEAVES = ['0', '1', '4.0', '4.1', '4.2', '4.3', '4.4', '7.0', 'd.1', '80000000', '80000001', '80000002', '80000003', '80000004', '80000006', '80000008'];

function hostCpuid(): CpuidFn {
  const out = execFileSync(buildCHelper('host_cpuid'), LEAVES, { encoding: 'utf8' });
  const table = new Map<string, [number, number, number, number]>();
  for (const line of out.trim().split('\n')) {
    const [leaf, sub, ...regs] = line.split(' ').map((h) => parseInt(h, 16));
    table.set(`${leaf}.${sub}`, regs as [number, number, number, number]);
  }
  return (leaf, subleaf) => table.get(`${leaf}.${subleaf}`) ?? [0, 0, 0, 0];
}

const nativeCpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
const firstProcessor = (text: string) => text.split('\n\n')[0]!.split('\n');
const label = (line: string) => line.split(':')[0]!;

describe.skipIf(!hasCc())('/proc/cpuinfo vs the kernel', () => {
  it('derives from the host\'s cpuid the flags the host kernel prints for those words, in its order', () => {
    const ours = cpuidFlags(hostCpuid());
    const nativeFlags = /^flags\t\t: (.*)$/m.exec(nativeCpuinfo)![1]!.split(' ');
    // Every picemu name the kernel knows: the kernel's own list restricted to the cpuid words picemu reads.
    const known = new Set(cpuidFlags(() => [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff]));
    expect(ours).toEqual(nativeFlags.filter((f) => known.has(f)));
    expect(ours.length).toBeGreaterThan(40);
  });

  it('prints the kernel\'s fields in its order and spacing', () => {
    const ours = firstProcessor(renderCpuinfoFrom(hostCpuid(), { cpuCount: 2 }));
    // TLB size (AMD only, from leaves 0x80000005/6's TLB fields) is not derived here.
    const native = firstProcessor(nativeCpuinfo).filter((l) => !/^TLB size/.test(l));
    expect(ours.map(label)).toEqual(native.map(label));
    const nativeByLabel = new Map(native.map((l) => [label(l), l]));
    for (const key of ['cache size\t', 'vendor_id\t', 'cpu family\t', 'model\t\t', 'model name\t', 'stepping\t', 'cpuid level\t', 'clflush size\t', 'address sizes\t', 'fpu\t\t', 'wp\t\t']) {
      expect(ours.find((l) => label(l) === key), key).toBe(nativeByLabel.get(key));
    }
    expect(renderCpuinfoFrom(hostCpuid(), { cpuCount: 2 }).split('\n\n').filter((p) => p.trim())).toHaveLength(2);
  });

  it('a profile\'s cpuinfo advertises exactly what its cpuid advertises', () => {
    const text = renderCpuinfo(SSE4_2_PROFILE, { cpuCount: 1 });
    const flags = /^flags\t\t: (.*)$/m.exec(text)![1]!.split(' ');
    expect(flags).toEqual(expect.arrayContaining(['sse', 'sse2', 'pni', 'ssse3', 'sse4_1', 'sse4_2', 'popcnt', 'cx16', 'syscall', 'nx', 'lm', 'lahf_lm']));
    expect(flags).not.toContain('avx');
    const [, , ecx, edx] = cpuid(SSE4_2_PROFILE, 1, 0);
    expect(flags.includes('sse4_2')).toBe(((ecx >>> 20) & 1) === 1);
    expect(flags.includes('fpu')).toBe((edx & 1) === 1);
    expect(/^fpu\t\t: (yes|no)$/m.exec(text)![1]).toBe(edx & 1 ? 'yes' : 'no');
    expect(text).toMatch(/^vendor_id\t: GenuineIntel$/m);
  });
});

describe('/proc/meminfo vs the kernel', () => {
  it('prints the kernel\'s fields in its order and spacing', () => {
    const native = readFileSync('/proc/meminfo', 'utf8').trimEnd().split('\n');
    const ours = renderMeminfo({ total: 1 << 30, anon: 1 << 20, cached: 2 << 20, mapped: 1 << 20, shmem: 0, committed: 3 << 20 }).trimEnd().split('\n');
    const shape = (l: string) => l.replace(/\d+/g, (d) => 'N'.padStart(d.length, ' ')).replace(/ +N/, (m) => `[${m.length}]`);
    // Balloon appears only with a virtio balloon driver loaded.
    expect(ours.map(shape)).toEqual(native.filter((l) => !l.startsWith('Balloon:')).map(shape));
  });
});
