// unicorn 2's x86 CPU models (UC_CPU_X86_*, include/unicorn/x86.h) and what each executes: the model's features
// (qemu/target/i386/cpu.c builtin_x86_defs) that unicorn's TCG implements (TCG_*_FEATURES there), as picemu profiles.
// Transcribed from unicorn 2.1.4's sources; only the features picemu knows are listed.
import type { CpuProfile, Feature } from '../cpu/features.ts';

/** [constant suffix, QEMU name, vendor, family, model, stepping, brand, features] in UC_CPU_X86_* order. */
const MODELS: [string, string, string, number, number, number, string, Feature[]][] = [
  ['QEMU64', 'qemu64', 'AuthenticAMD', 6, 6, 3, 'QEMU Virtual CPU version 2.5+', ['sse3', 'cx16']],
  ['PHENOM', 'phenom', 'AuthenticAMD', 16, 2, 3, 'AMD Phenom(tm) 9550 Quad-Core Processor', ['sse3', 'popcnt', 'cx16', 'lzcnt']],
  ['CORE2DUO', 'core2duo', 'GenuineIntel', 6, 15, 11, 'Intel(R) Core(TM)2 Duo CPU     T7700  @ 2.40GHz', ['sse3', 'ssse3', 'cx16']],
  ['KVM64', 'kvm64', 'GenuineIntel', 15, 6, 1, 'Common KVM processor', ['sse3', 'cx16']],
  ['QEMU32', 'qemu32', 'GenuineIntel', 6, 6, 3, 'QEMU Virtual CPU version 2.5+', ['sse3']],
  ['KVM32', 'kvm32', 'GenuineIntel', 15, 6, 1, 'Common 32-bit KVM processor', ['sse3']],
  ['COREDUO', 'coreduo', 'GenuineIntel', 6, 14, 8, 'Genuine Intel(R) CPU           T2600  @ 2.16GHz', ['sse3']],
  ['486', '486', 'GenuineIntel', 4, 8, 0, '', []],
  ['PENTIUM', 'pentium', 'GenuineIntel', 5, 4, 3, '', []],
  ['PENTIUM2', 'pentium2', 'GenuineIntel', 6, 5, 2, '', []],
  ['PENTIUM3', 'pentium3', 'GenuineIntel', 6, 7, 3, '', []],
  ['ATHLON', 'athlon', 'AuthenticAMD', 6, 2, 3, 'QEMU Virtual CPU version 2.5+', []],
  ['N270', 'n270', 'GenuineIntel', 6, 28, 2, 'Intel(R) Atom(TM) CPU N270   @ 1.60GHz', ['sse3', 'ssse3', 'movbe']],
  ['CONROE', 'Conroe', 'GenuineIntel', 6, 15, 3, 'Intel Celeron_4x0 (Conroe/Merom Class Core 2)', ['sse3', 'ssse3']],
  ['PENRYN', 'Penryn', 'GenuineIntel', 6, 23, 3, 'Intel Core 2 Duo P9xxx (Penryn Class Core 2)', ['sse3', 'ssse3', 'sse4.1', 'cx16']],
  ['NEHALEM', 'Nehalem', 'GenuineIntel', 6, 26, 3, 'Intel Core i7 9xx (Nehalem Class Core i7)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16']],
  ['WESTMERE', 'Westmere', 'GenuineIntel', 6, 44, 1, 'Westmere E56xx/L56xx/X56xx (Nehalem-C)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16']],
  ['SANDYBRIDGE', 'SandyBridge', 'GenuineIntel', 6, 42, 1, 'Intel Xeon E312xx (Sandy Bridge)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'xsave', 'xsaveopt']],
  ['IVYBRIDGE', 'IvyBridge', 'GenuineIntel', 6, 58, 9, 'Intel Xeon E3-12xx v2 (Ivy Bridge)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'xsave', 'erms', 'xsaveopt']],
  ['HASWELL', 'Haswell', 'GenuineIntel', 6, 60, 4, 'Intel Core Processor (Haswell)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'movbe', 'xsave', 'bmi1', 'bmi2', 'erms', 'lzcnt', 'xsaveopt']],
  ['BROADWELL', 'Broadwell', 'GenuineIntel', 6, 61, 2, 'Intel Core Processor (Broadwell)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'movbe', 'xsave', 'bmi1', 'bmi2', 'erms', 'lzcnt', 'xsaveopt']],
  ['SKYLAKE_CLIENT', 'Skylake-Client', 'GenuineIntel', 6, 94, 3, 'Intel Core Processor (Skylake)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'movbe', 'xsave', 'bmi1', 'bmi2', 'erms', 'lzcnt', 'xsaveopt']],
  ['SKYLAKE_SERVER', 'Skylake-Server', 'GenuineIntel', 6, 85, 4, 'Intel Xeon Processor (Skylake)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'movbe', 'xsave', 'bmi1', 'bmi2', 'erms', 'lzcnt', 'xsaveopt']],
  ['CASCADELAKE_SERVER', 'Cascadelake-Server', 'GenuineIntel', 6, 85, 6, 'Intel Xeon Processor (Cascadelake)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'movbe', 'xsave', 'bmi1', 'bmi2', 'erms', 'lzcnt', 'xsaveopt']],
  ['COOPERLAKE', 'Cooperlake', 'GenuineIntel', 6, 85, 10, 'Intel Xeon Processor (Cooperlake)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'movbe', 'xsave', 'bmi1', 'bmi2', 'erms', 'lzcnt', 'xsaveopt']],
  ['ICELAKE_CLIENT', 'Icelake-Client', 'GenuineIntel', 6, 126, 0, 'Intel Core Processor (Icelake)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'movbe', 'xsave', 'bmi1', 'bmi2', 'erms', 'lzcnt', 'xsaveopt']],
  ['ICELAKE_SERVER', 'Icelake-Server', 'GenuineIntel', 6, 134, 0, 'Intel Xeon Processor (Icelake)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'movbe', 'xsave', 'bmi1', 'bmi2', 'erms', 'lzcnt', 'xsaveopt']],
  ['DENVERTON', 'Denverton', 'GenuineIntel', 6, 95, 1, 'Intel Atom Processor (Denverton)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'movbe', 'xsave', 'erms', 'xsaveopt']],
  ['SNOWRIDGE', 'Snowridge', 'GenuineIntel', 6, 134, 1, 'Intel Atom Processor (SnowRidge)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'movbe', 'xsave', 'erms', 'xsaveopt']],
  ['KNIGHTSMILL', 'KnightsMill', 'GenuineIntel', 6, 133, 0, 'Intel Xeon Phi Processor (Knights Mill)', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'movbe', 'xsave', 'bmi1', 'bmi2', 'erms', 'lzcnt', 'xsaveopt']],
  ['OPTERON_G1', 'Opteron_G1', 'AuthenticAMD', 15, 6, 1, 'AMD Opteron 240 (Gen 1 Class Opteron)', ['sse3']],
  ['OPTERON_G2', 'Opteron_G2', 'AuthenticAMD', 15, 6, 1, 'AMD Opteron 22xx (Gen 2 Class Opteron)', ['sse3', 'cx16']],
  ['OPTERON_G3', 'Opteron_G3', 'AuthenticAMD', 16, 2, 3, 'AMD Opteron 23xx (Gen 3 Class Opteron)', ['sse3', 'popcnt', 'cx16', 'lzcnt']],
  ['OPTERON_G4', 'Opteron_G4', 'AuthenticAMD', 21, 1, 2, 'AMD Opteron 62xx class CPU', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'xsave', 'lzcnt']],
  ['OPTERON_G5', 'Opteron_G5', 'AuthenticAMD', 21, 2, 0, 'AMD Opteron 63xx class CPU', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'xsave', 'lzcnt']],
  ['EPYC', 'EPYC', 'AuthenticAMD', 23, 1, 2, 'AMD EPYC Processor', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'movbe', 'xsave', 'bmi1', 'bmi2', 'lzcnt', 'xsaveopt']],
  ['DHYANA', 'Dhyana', 'HygonGenuine', 24, 0, 1, 'Hygon Dhyana Processor', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'movbe', 'xsave', 'bmi1', 'bmi2', 'lzcnt', 'xsaveopt']],
  ['EPYC_ROME', 'EPYC-Rome', 'AuthenticAMD', 23, 49, 0, 'AMD EPYC-Rome Processor', ['sse3', 'ssse3', 'sse4.1', 'sse4.2', 'popcnt', 'cx16', 'movbe', 'xsave', 'bmi1', 'bmi2', 'lzcnt', 'xsaveopt']],
];

/** uc.CPU_X86_QEMU64 = 0 … uc.CPU_X86_EPYC_ROME = 37 (unicorn 2's numbering). */
export const CPU_X86 = {
  CPU_X86_QEMU64: 0,
  CPU_X86_PHENOM: 1,
  CPU_X86_CORE2DUO: 2,
  CPU_X86_KVM64: 3,
  CPU_X86_QEMU32: 4,
  CPU_X86_KVM32: 5,
  CPU_X86_COREDUO: 6,
  CPU_X86_486: 7,
  CPU_X86_PENTIUM: 8,
  CPU_X86_PENTIUM2: 9,
  CPU_X86_PENTIUM3: 10,
  CPU_X86_ATHLON: 11,
  CPU_X86_N270: 12,
  CPU_X86_CONROE: 13,
  CPU_X86_PENRYN: 14,
  CPU_X86_NEHALEM: 15,
  CPU_X86_WESTMERE: 16,
  CPU_X86_SANDYBRIDGE: 17,
  CPU_X86_IVYBRIDGE: 18,
  CPU_X86_HASWELL: 19,
  CPU_X86_BROADWELL: 20,
  CPU_X86_SKYLAKE_CLIENT: 21,
  CPU_X86_SKYLAKE_SERVER: 22,
  CPU_X86_CASCADELAKE_SERVER: 23,
  CPU_X86_COOPERLAKE: 24,
  CPU_X86_ICELAKE_CLIENT: 25,
  CPU_X86_ICELAKE_SERVER: 26,
  CPU_X86_DENVERTON: 27,
  CPU_X86_SNOWRIDGE: 28,
  CPU_X86_KNIGHTSMILL: 29,
  CPU_X86_OPTERON_G1: 30,
  CPU_X86_OPTERON_G2: 31,
  CPU_X86_OPTERON_G3: 32,
  CPU_X86_OPTERON_G4: 33,
  CPU_X86_OPTERON_G5: 34,
  CPU_X86_EPYC: 35,
  CPU_X86_DHYANA: 36,
  CPU_X86_EPYC_ROME: 37,
} as const;

/** The model unicorn picks when none is set (qemu/target/i386/cpu.c: Haswell, in 64- and 32-bit mode). */
export const DEFAULT_CPU_X86 = CPU_X86.CPU_X86_HASWELL;

/** The profile a model gives the facade's CPU: its identity, and the features TCG executes. */
export function modelProfile(model: number): CpuProfile | undefined {
  const m = MODELS[model];
  if (!m) return undefined;
  const [, name, vendor, family, modelNo, stepping, brand, features] = m;
  return { name, vendor, family, model: modelNo, stepping, brand, features: new Set(features) };
}
