// Which registers an instruction can change, from iced-x86's own instruction info (the registers it uses, implicit
// ones included, with their access, and its CPUID features): a recorder compares only those after each step.
// Conservative: a feature beyond the general-purpose integer set, or bytes iced cannot decode, say "all of them".
import { Code, CpuidFeature, Decoder, DecoderOptions, InstructionInfoFactory, OpAccess, RegisterExt } from 'iced-x86';

/** Features whose instructions touch only general-purpose registers, flags and memory (as iced lists them). */
const INTEGER_FEATURES = new Set<number>(
  ['INTEL8086', 'INTEL8086_ONLY', 'INTEL186', 'INTEL286', 'INTEL286_ONLY', 'INTEL386', 'INTEL386_ONLY', 'INTEL386_A0_ONLY', 'INTEL486', 'INTEL486_A_ONLY', 'X64', 'ADX', 'BMI1', 'BMI2', 'CMOV', 'CX8', 'CMPXCHG16B', 'LZCNT', 'MOVBE', 'MULTIBYTENOP', 'POPCNT', 'CET_IBT', 'PAUSE', 'TBM', 'ABM']
    .map((name) => (CpuidFeature as unknown as Record<string, number | undefined>)[name])
    .filter((n): n is number => n !== undefined),
);

const WRITES = new Set<number>([OpAccess.Write, OpAccess.CondWrite, OpAccess.ReadWrite, OpAccess.ReadCondWrite]);

/** Registers an instruction may write: GPRs as a mask (bit r for rax, rcx, … r15, picemu's order) and any XMM. */
export interface RegisterWrites {
  gprs: number;
  vectors: boolean;
}

export const ALL_REGISTERS: RegisterWrites = Object.freeze({ gprs: 0xffff, vectors: true });

let infoFactory: InstructionInfoFactory | undefined;

/** What the instruction encoded at the start of `bytes` may write (ALL_REGISTERS when in doubt). */
export function registerWrites(bytes: Uint8Array, bitness: 32 | 64 = 64): RegisterWrites {
  const decoder = new Decoder(bitness, bytes, DecoderOptions.None);
  const ins = decoder.decode();
  try {
    if (ins.code === Code.INVALID) return ALL_REGISTERS;
    for (const feature of ins.cpuidFeatures()) if (!INTEGER_FEATURES.has(feature)) return ALL_REGISTERS;
    infoFactory ??= new InstructionInfoFactory();
    const info = infoFactory.info(ins);
    const used = info.usedRegisters() as { register: number; access: number; free(): void }[];
    let gprs = 0;
    let vectors = false;
    for (const u of used) {
      if (RegisterExt.isVectorRegister(u.register)) vectors = true;
      else if (RegisterExt.isGPR(u.register) && WRITES.has(u.access)) gprs |= 1 << RegisterExt.number(RegisterExt.fullRegister(u.register));
      u.free();
    }
    info.free();
    return { gprs, vectors };
  } finally {
    ins.free();
    decoder.free();
  }
}
