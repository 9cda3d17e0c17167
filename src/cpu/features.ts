// The CPUID profile: which optional extensions the CPU advertises (and therefore executes), and cpuid's answers.

/** Optional extensions. SSE and SSE2 are always present (x86-64 baseline). */
export type Feature = 'sse3' | 'ssse3' | 'sse4.1' | 'sse4.2' | 'popcnt' | 'lzcnt' | 'bmi1' | 'movbe' | 'cx16';

export const ALL_FEATURES: readonly Feature[] = ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'lzcnt', 'bmi1', 'movbe', 'cx16'];

export interface CpuProfile {
  vendor: string;
  features: ReadonlySet<Feature>;
}

/** The starting profile: SSE2 only, plus cmpxchg16b (every x86-64 CPU since 2006 has it). */
export const SSE2_PROFILE: CpuProfile = { vendor: 'GenuineIntel', features: new Set<Feature>(['cx16']) };

/** What emulated processes advertise: everything up to SSE4.2 (Nehalem's set), each implemented and checked against the host CPU. */
export const SSE4_2_PROFILE: CpuProfile = {
  vendor: 'GenuineIntel',
  features: new Set<Feature>(['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16']),
};

const bit = (on: boolean, n: number) => (on ? 1 << n : 0) >>> 0;

/** cpuid(leaf, subleaf) → [eax, ebx, ecx, edx] for the profile. */
export function cpuid(profile: CpuProfile, leaf: number, subleaf: number): [number, number, number, number] {
  const f = profile.features;
  const v = profile.vendor.padEnd(12, ' ');
  const word = (s: string) => (s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24)) >>> 0;
  switch (leaf >>> 0) {
    case 0:
      return [7, word(v.slice(0, 4)), word(v.slice(8, 12)), word(v.slice(4, 8))];
    case 1: {
      // family 6 model 0x3a-ish; EDX: TSC, CX8, CMOV, SSE, SSE2 (no x87/MMX: not executed here).
      const ecx = bit(f.has('sse3'), 0) | bit(f.has('ssse3'), 9) | bit(f.has('cx16'), 13) | bit(f.has('sse4.1'), 19) | bit(f.has('sse4.2'), 20) | bit(f.has('movbe'), 22) | bit(f.has('popcnt'), 23);
      const edx = 1 | (1 << 4) | (1 << 8) | (1 << 15) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);
      return [0x000306a9, 0x00010800, ecx >>> 0, edx >>> 0];
    }
    case 7:
      return subleaf === 0 ? [0, bit(f.has('bmi1'), 3), 0, 0] : [0, 0, 0, 0];
    case 0x80000000:
      return [0x80000001, 0, 0, 0];
    case 0x80000001:
      // ECX: LAHF/SAHF in 64-bit mode, ABM (lzcnt); EDX: SYSCALL, NX, LM.
      return [0, 0, (1 | bit(f.has('lzcnt'), 5)) >>> 0, ((1 << 11) | (1 << 20) | (1 << 29)) >>> 0];
    default:
      return [0, 0, 0, 0];
  }
}
