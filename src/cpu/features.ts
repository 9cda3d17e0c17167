// CPU profiles: which optional extensions a CPU has (and therefore executes), its identity, and cpuid's
// answers. The kernel's AT_HWCAP/HWCAP2 and /proc/cpuinfo read the same profile (see `cpuFlags`).
import { readFileSync } from 'node:fs';

/** Optional extensions. SSE and SSE2 are always present (x86-64 baseline). */
export type Feature =
  | 'sse3' | 'ssse3' | 'sse4.1' | 'sse4.2' | 'popcnt' | 'cx16'
  | 'lzcnt' | 'bmi1' | 'bmi2' | 'movbe' | 'avx' | 'avx2' | 'fma' | 'f16c' | 'xsave' | 'xsaveopt' | 'xsavec' | 'xgetbv1' | 'erms';

export const ALL_FEATURES: readonly Feature[] = [
  'sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16',
  'lzcnt', 'bmi1', 'bmi2', 'movbe', 'avx', 'avx2', 'fma', 'f16c', 'xsave', 'xsaveopt', 'xsavec', 'xgetbv1', 'erms',
];

export interface CpuProfile {
  /** The profile's name (`x86-64-v3`, ...), when it is one of the named ones. */
  name?: string;
  vendor: string;
  features: ReadonlySet<Feature>;
  /** Display family, model, stepping (cpuid leaf 1 EAX, /proc/cpuinfo). */
  family?: number;
  model?: number;
  stepping?: number;
  /** The brand string (cpuid 0x80000002-4, /proc/cpuinfo "model name"). */
  brand?: string;
}

/** The starting profile: SSE2 only, plus cmpxchg16b (every x86-64 CPU since 2006 has it). */
export const SSE2_PROFILE: CpuProfile = { vendor: 'GenuineIntel', features: new Set<Feature>(['cx16']) };

/** Everything up to SSE4.2 (Nehalem's set), without LAHF (the profile picemu's processes had before profiles existed). */
export const SSE4_2_PROFILE: CpuProfile = {
  vendor: 'GenuineIntel',
  features: new Set<Feature>(['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16']),
};

// The x86-64 psABI micro-architecture levels (x86-64-psABI, "Micro-architecture levels"), as a CPU of that era:
// v2 ~ Nehalem, v3 ~ Haswell (which also has ERMS and XSAVEOPT; XSAVEC and XGETBV with ECX = 1 came with Skylake).
const V2: Feature[] = ['cx16', 'popcnt', 'sse3', 'sse4.1', 'sse4.2', 'ssse3'];
const V3: Feature[] = [...V2, 'avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'lzcnt', 'movbe', 'xsave', 'xsaveopt', 'erms'];

export const PROFILE_NAMES = ['x86-64-v2', 'x86-64-v3', 'host'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];
/**
 * The default: x86-64-v3. Nearly every x86-64 machine a reader runs today (Intel since Haswell, 2013; AMD
 * since Excavator/Zen) has at least v3, so glibc binds the same _avx2 variants a trace shows on theirs,
 * while the trace does not depend on the machine it was made on (`host` does).
 */
export const DEFAULT_PROFILE: ProfileName = 'x86-64-v3';

export const X86_64_V2: CpuProfile = {
  name: 'x86-64-v2', vendor: 'GenuineIntel', family: 6, model: 0x1a, stepping: 5,
  brand: 'picemu x86-64-v2 virtual CPU', features: new Set(V2),
};
export const X86_64_V3: CpuProfile = {
  name: 'x86-64-v3', vendor: 'GenuineIntel', family: 6, model: 0x3c, stepping: 3,
  brand: 'picemu x86-64-v3 virtual CPU', features: new Set(V3),
};

/** /proc/cpuinfo flag names of each feature (what the kernel prints; `host` reads them back). */
const CPUINFO_FLAG: Record<Feature, string> = {
  sse3: 'pni', ssse3: 'ssse3', 'sse4.1': 'sse4_1', 'sse4.2': 'sse4_2', popcnt: 'popcnt', cx16: 'cx16',
  lzcnt: 'abm', bmi1: 'bmi1', bmi2: 'bmi2', movbe: 'movbe', avx: 'avx', avx2: 'avx2', fma: 'fma', f16c: 'f16c',
  xsave: 'xsave', xsaveopt: 'xsaveopt', xsavec: 'xsavec', xgetbv1: 'xgetbv1', erms: 'erms',
};

/** The /proc/cpuinfo flags a profile's features give (baseline flags are the kernel's business). */
export function cpuFlags(profile: CpuProfile): string[] {
  return ALL_FEATURES.filter((f) => profile.features.has(f)).map((f) => CPUINFO_FLAG[f]);
}

let hostProfile: CpuProfile | undefined;
/** The host's identity and those of its features picemu implements (from /proc/cpuinfo). */
export function hostCpuProfile(cpuinfo?: string): CpuProfile {
  if (!cpuinfo && hostProfile) return hostProfile;
  let text = cpuinfo ?? '';
  if (!cpuinfo) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      text = '';
    }
  }
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1].trim();
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const p: CpuProfile = {
    name: 'host',
    vendor: field('vendor_id') ?? 'GenuineIntel',
    family: Number(field('cpu family') ?? 6),
    model: Number(field('model') ?? 0),
    stepping: Number(field('stepping') ?? 0),
    brand: field('model name') ?? 'picemu host CPU',
    features: new Set(ALL_FEATURES.filter((f) => flags.has(CPUINFO_FLAG[f]))),
  };
  if (!cpuinfo) hostProfile = p;
  return p;
}

/** Thrown for an unknown profile name (the CLI turns it into a usage error). */
export class CpuProfileError extends Error {
  constructor(name: string) {
    super(`unknown CPU profile '${name}' (choose ${PROFILE_NAMES.join(', ')})`);
    this.name = 'CpuProfileError';
  }
}

/** The profile for a name or a profile given as is; undefined means the default. */
export function cpuProfile(cpu?: ProfileName | string | CpuProfile): CpuProfile {
  if (cpu !== undefined && typeof cpu !== 'string') return cpu;
  switch (cpu ?? DEFAULT_PROFILE) {
    case 'x86-64-v2':
      return X86_64_V2;
    case 'x86-64-v3':
      return X86_64_V3;
    case 'host':
      return hostCpuProfile();
  }
  throw new CpuProfileError(String(cpu));
}

// ---- XSAVE: the state components picemu has (x87, SSE, AVX) and the area's layout.

/** XCR0: x87 (bit 0, always set), SSE (bit 1) and AVX (bit 2) when the profile has AVX. */
export function xcr0(profile: CpuProfile): number {
  return profile.features.has('avx') ? 7 : 3;
}
/** Standard-form XSAVE area: 512-byte legacy region, 64-byte header, AVX's upper halves at 576 (256 bytes). */
export const XSAVE_AVX_OFFSET = 576;
export const XSAVE_AVX_SIZE = 256;
export function xsaveSize(profile: CpuProfile): number {
  return profile.features.has('avx') ? XSAVE_AVX_OFFSET + XSAVE_AVX_SIZE : 576;
}

const bit = (on: boolean, n: number) => (on ? 1 << n : 0) >>> 0;
const word = (s: string, at: number) => (s.charCodeAt(at) | (s.charCodeAt(at + 1) << 8) | (s.charCodeAt(at + 2) << 16) | (s.charCodeAt(at + 3) << 24)) >>> 0;

/** Deterministic caches (leaf 4 / 0x80000005-6): 32 KiB 8-way L1d and L1i, 256 KiB 4-way L2, 8 MiB 16-way L3, 64-byte lines. */
const CACHES: [type: number, level: number, ways: number, sizeKiB: number][] = [
  [1, 1, 8, 32],
  [2, 1, 8, 32],
  [3, 2, 4, 256],
  [3, 3, 16, 8192],
];

/** cpuid(leaf, subleaf) → [eax, ebx, ecx, edx] for the profile. */
export function cpuid(profile: CpuProfile, leaf: number, subleaf: number): [number, number, number, number] {
  const f = profile.features;
  const has = (x: Feature) => f.has(x);
  const v = profile.vendor.padEnd(12, ' ');
  switch (leaf >>> 0) {
    case 0:
      return [0xd, word(v, 0), word(v, 8), word(v, 4)];
    case 1: {
      const family = profile.family ?? 6;
      const model = profile.model ?? 0x3a;
      const stepping = profile.stepping ?? 9;
      const baseFamily = family > 15 ? 15 : family;
      const eax = (((family > 15 ? family - 15 : 0) << 20) | ((model >> 4) << 16) | (baseFamily << 8) | ((model & 15) << 4) | (stepping & 15)) >>> 0;
      const ecx =
        bit(has('sse3'), 0) | bit(has('ssse3'), 9) | bit(has('fma'), 12) | bit(has('cx16'), 13) | bit(has('sse4.1'), 19) |
        bit(has('sse4.2'), 20) | bit(has('movbe'), 22) | bit(has('popcnt'), 23) | bit(has('xsave'), 26) |
        // OSXSAVE: the OS (picemu's kernel) has enabled XSAVE and XGETBV.
        bit(has('xsave'), 27) | bit(has('avx'), 28) | bit(has('f16c'), 29);
      // EDX: FPU (x87), TSC, CX8, CMOV, CLFSH, MMX, FXSR, SSE, SSE2.
      const edx = 1 | (1 << 4) | (1 << 8) | (1 << 15) | (1 << 19) | (1 << 23) | (1 << 24) | (1 << 25) | (1 << 26);
      // EBX: CLFLUSH line size 8 (x 8 bytes), one logical processor.
      return [eax, 0x00010800, ecx >>> 0, edx >>> 0];
    }
    case 2:
      // One round; descriptor 0xff: "use leaf 4".
      return [0x0000ff01, 0, 0, 0];
    case 4: {
      const c = CACHES[subleaf >>> 0];
      if (!c) return [0, 0, 0, 0];
      const [type, level, ways, kib] = c;
      const sets = (kib * 1024) / (ways * 64);
      return [(type | (level << 5) | (1 << 8)) >>> 0, (((ways - 1) << 22) | 63) >>> 0, sets - 1, 0];
    }
    case 7:
      if (subleaf !== 0) return [0, 0, 0, 0];
      return [0, (bit(has('bmi1'), 3) | bit(has('avx2'), 5) | bit(has('bmi2'), 8) | bit(has('erms'), 9)) >>> 0, 0, 0];
    case 0xd: {
      if (!has('xsave')) return [0, 0, 0, 0];
      const size = xsaveSize(profile);
      switch (subleaf >>> 0) {
        case 0:
          return [xcr0(profile), size, size, 0];
        case 1:
          return [bit(has('xsaveopt'), 0) | bit(has('xsavec'), 1) | bit(has('xgetbv1'), 2), has('xsavec') ? size : 0, 0, 0];
        case 2:
          return has('avx') ? [XSAVE_AVX_SIZE, XSAVE_AVX_OFFSET, 0, 0] : [0, 0, 0, 0];
        default:
          return [0, 0, 0, 0];
      }
    }
    case 0x80000000:
      return [0x80000006, 0, 0, 0];
    case 0x80000001:
      // ECX: LAHF/SAHF in 64-bit mode (always: picemu executes them), ABM (lzcnt); EDX: SYSCALL, NX, LM.
      return [0, 0, (1 | bit(has('lzcnt'), 5)) >>> 0, ((1 << 11) | (1 << 20) | (1 << 29)) >>> 0];
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: {
      const b = (profile.brand ?? 'picemu virtual CPU').slice(0, 47).padEnd(48, '\0');
      const at = ((leaf >>> 0) - 0x80000002) * 16;
      return [word(b, at), word(b, at + 4), word(b, at + 8), word(b, at + 12)];
    }
    case 0x80000005:
      // AMD's L1 descriptors: size KiB << 24 | ways << 16 | lines per tag << 8 | line size.
      return [0, 0, ((32 << 24) | (8 << 16) | (1 << 8) | 64) >>> 0, ((32 << 24) | (8 << 16) | (1 << 8) | 64) >>> 0];
    case 0x80000006:
      // L2: size KiB << 16 | associativity code (6 = 8-way... 4 = 4-way) << 12 | line; L3: size / 512 KiB << 18.
      return [0, 0, ((256 << 16) | (4 << 12) | 64) >>> 0, (((8192 / 512) << 18) | (8 << 12) | 64) >>> 0];
    default:
      return [0, 0, 0, 0];
  }
}
