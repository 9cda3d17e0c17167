// Which CPU profiles the unicorn engine can run: the extensions unicorn-engine 2.1.4's x86-64 model executes,
// read from its own cpuid (QEMU's translator decodes an extension only when the model's cpuid has it).
import { ALL_FEATURES, cpuid, cpuProfile, X86_64_V2, type CpuProfile, type Feature, type ProfileName } from '../../cpu/index.ts';
import type { UnicornModule } from './unicorn-module.ts';

/** A profile names extensions unicorn does not execute (AVX and later): one line, with the profile to use instead. */
export class UnicornProfileError extends Error {
  constructor(profile: CpuProfile, missing: Feature[]) {
    super(
      `unicorn engine: CPU profile ${profile.name ?? '(custom)'} has ${missing.join(', ')}, which unicorn-engine 2.1.4 does not execute; ` +
        `use --cpu x86-64-v2 (the unicorn engine's default)`,
    );
    this.name = 'UnicornProfileError';
  }
}

/** The leaves whose bits name the extensions picemu's profiles know. */
const LEAVES: [number, number][] = [[1, 0], [7, 0], [0xd, 1], [0x80000001, 0]];

let probed: ReadonlySet<Feature> | undefined;

/**
 * The extensions unicorn's default x86-64 model executes: a feature counts when every cpuid bit picemu's profile
 * sets for it (features.ts, the one table of those bits) is set in unicorn's own answer.
 */
export function unicornFeatures(m: UnicornModule): ReadonlySet<Feature> {
  if (probed) return probed;
  const answers = LEAVES.map(([leaf, sub]) => unicornCpuid(m, leaf, sub));
  const have = new Set<Feature>();
  for (const f of ALL_FEATURES) {
    // Against a profile with xsave: leaf 0xd (xsaveopt, xsavec) answers only when xsave is there.
    const base: CpuProfile = { vendor: 'GenuineIntel', features: new Set<Feature>(f === 'xsave' ? [] : ['xsave']) };
    const withF: CpuProfile = { vendor: 'GenuineIntel', features: new Set<Feature>([...base.features, f]) };
    let named = false;
    const bitsOk = LEAVES.every(([leaf, sub], k) => {
      const before = cpuid(base, leaf, sub);
      return cpuid(withF, leaf, sub).every((word, r) => {
        const bits = (word & ~before[r]!) >>> 0;
        if (bits) named = true;
        return ((answers[k]![r]! & bits) >>> 0) === bits;
      });
    });
    if (named && bitsOk) have.add(f);
  }
  probed = have;
  return have;
}

/**
 * The profile a unicorn Machine runs with: x86-64-v2 when none is given (unicorn has no AVX, so picemu's default
 * x86-64-v3 cannot be), the one given when unicorn executes all of its extensions, else UnicornProfileError.
 */
export function unicornProfile(m: UnicornModule, cpu: ProfileName | CpuProfile | undefined): CpuProfile {
  const profile = cpu === undefined ? X86_64_V2 : cpuProfile(cpu);
  const have = unicornFeatures(m);
  const missing = ALL_FEATURES.filter((f) => profile.features.has(f) && !have.has(f));
  if (missing.length) throw new UnicornProfileError(profile, missing);
  return profile;
}

/** Executes `cpuid` in a scratch unicorn instance: [eax, ebx, ecx, edx] of unicorn's own model. */
function unicornCpuid(m: UnicornModule, leaf: number, subleaf: number): [number, number, number, number] {
  const handle = m._malloc(8);
  const raw = m._malloc(2 * 4096);
  const slot = m._malloc(8);
  try {
    fail(m._uc_open(4 /* UC_ARCH_X86 */, 8 /* UC_MODE_64 */, handle), 'uc_open');
    const uc = m.HEAP32[handle >> 2]!;
    try {
      const page = Math.ceil(raw / 4096) * 4096;
      m.HEAPU8.fill(0, page, page + 4096);
      m.HEAPU8.set([0x0f, 0xa2], page); // cpuid
      const code = 0x10000n;
      fail(m._uc_mem_map_ptr(uc, code, 4096n, 5 /* READ | EXEC */, page), 'uc_mem_map_ptr');
      const write = (id: unknown, value: number) => {
        m.HEAPU64[slot >> 3] = BigInt(value);
        fail(m._uc_reg_write(uc, id as number, slot), 'uc_reg_write');
      };
      const read = (id: unknown) => {
        fail(m._uc_reg_read(uc, id as number, slot), 'uc_reg_read');
        return Number(m.HEAPU64[slot >> 3]! & 0xffffffffn);
      };
      write(m.X86_REG_RAX, leaf);
      write(m.X86_REG_RCX, subleaf);
      fail(m._uc_emu_start(uc, code, 0n, 0n, 1), 'uc_emu_start');
      return [read(m.X86_REG_RAX), read(m.X86_REG_RBX), read(m.X86_REG_RCX), read(m.X86_REG_RDX)];
    } finally {
      m._uc_close(uc);
    }
  } finally {
    m._free(slot);
    m._free(raw);
    m._free(handle);
  }
}

function fail(err: number, what: string): void {
  if (err !== 0) throw new Error(`unicorn engine: ${what} failed while probing cpuid (${err})`);
}
