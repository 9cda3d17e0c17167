// The instruction table: unknown and duplicate Code names are rejected, and each entry's CPUID gate is the
// extension iced-x86's instruction tables name for that Code (so a profile without it raises #UD).
import { CpuidFeature, Instruction } from 'iced-x86';
import { describe, expect, it } from 'vitest';
import type { Feature } from '../../src/cpu/features.ts';
import { implementedCodes, register } from '../../src/cpu/table.ts';

/** iced's CpuidFeature → the picemu Feature that gates it. */
const GATE: Record<string, Feature> = {
  SSE3: 'sse3', SSSE3: 'ssse3', SSE4_1: 'sse4.1', SSE4_2: 'sse4.2', POPCNT: 'popcnt', CMPXCHG16B: 'cx16', MOVBE: 'movbe',
  LZCNT: 'lzcnt', BMI1: 'bmi1', BMI2: 'bmi2', AVX: 'avx', AVX2: 'avx2', FMA: 'fma', F16C: 'f16c', XSAVE: 'xsave', XSAVEOPT: 'xsaveopt', XSAVEC: 'xsavec',
};
/** What every x86-64 CPU has: never gated. */
const BASELINE = new Set(['INTEL8086', 'INTEL186', 'INTEL286', 'INTEL386', 'INTEL486', 'X64', 'SSE', 'SSE2', 'CMOV', 'CX8', 'CPUID', 'TSC', 'CLFSH', 'PAUSE', 'MULTIBYTENOP', 'SYSCALL', 'CET_IBT', 'FPU', 'FPU287', 'FPU387', 'MMX', 'FXSR', 'X87']);
/** Gated forms that run anyway on a CPU without the extension, as that CPU decodes them: lzcnt/tzcnt as bsr/bsf. */
const DECODES_AS_OLDER = /^(Lzcnt|Tzcnt)_/;
const FEATURE_NAME = Object.fromEntries(Object.entries(CpuidFeature).filter(([k]) => Number.isNaN(Number(k))).map(([k, v]) => [v, k])) as Record<number, string>;

describe('the handler table', () => {
  const noop = () => () => {};

  it('rejects a Code registered twice, naming the file that has it', () => {
    const taken = implementedCodes().find((e) => e.name === 'Add_rm32_r32')!;
    expect(() => register('extra.ts', [{ codes: ['Add_rm32_r32'], build: noop }])).toThrow(`extra.ts: Add_rm32_r32 is already registered by ${taken.file}`);
  });

  it('rejects a name that is not an iced Code', () => {
    expect(() => register('extra.ts', [{ codes: ['Add_rm32_r33'], build: noop }])).toThrow('unknown iced Code Add_rm32_r33');
  });

  it("gates every entry by the extension iced names for its Code (baseline x86-64 ungated)", () => {
    const wrong: string[] = [];
    for (const e of implementedCodes()) {
      const ins = Instruction.create(e.code);
      const iced = [...ins.cpuidFeatures()].map((f) => FEATURE_NAME[f]);
      ins.free();
      const gates = iced.filter((f) => !BASELINE.has(f));
      const unknown = gates.filter((f) => !GATE[f]);
      if (unknown.length) wrong.push(`${e.name}: iced says ${unknown.join('+')}, which no profile knows`);
      else if (gates.length === 0 && e.feature) wrong.push(`${e.name}: baseline (${iced.join('+')}) but gated by ${e.feature}`);
      else if (gates.length > 0 && !gates.some((f) => GATE[f] === e.feature) && !(e.feature === undefined && DECODES_AS_OLDER.test(e.name)))
        wrong.push(`${e.name}: iced says ${gates.join('+')}, gated by ${e.feature ?? 'nothing'}`);
    }
    expect(wrong).toEqual([]);
  });
});
