// picemu/unicorn against native unicorn-engine (the oracle): every scenario's transcript — results, thrown
// failures, regions, registers, hook calls with their arguments — must be identical on both.
import { describe, expect, it } from 'vitest';
import { requireOracle } from '../helpers/oracles.ts';
import MUnicorn from '../../src/unicorn/index.ts';
import { loadNativeUnicorn, nativeUnicornUnavailable } from '../helpers/native-unicorn.ts';
import { scenarios, Transcript, type Uc } from './scenarios.ts';

const hasNative = requireOracle('native unicorn-engine', !nativeUnicornUnavailable(), 'apt-get install libunicorn2 (and npm install koffi)');

function transcript(uc: Uc, run: (uc: Uc, t: Transcript) => void): string[] {
  const t = new Transcript();
  run(uc, t);
  return t.lines;
}

const picemu = await MUnicorn();
const native = hasNative ? loadNativeUnicorn() : undefined;

describe.skipIf(!hasNative)('picemu/unicorn matches native unicorn-engine', () => {
  for (const s of scenarios) {
    it(s.name, () => {
      expect(transcript(picemu, s.run)).toEqual(transcript(native, s.run));
    });
  }

  it("strerror gives unicorn's texts", () => {
    // Codes 0-21 exist in both unicorn 2.0 (native here) and 2.1 (unicorn.js); 22 (ERR_OVERFLOW) is 2.1's.
    for (let code = 0; code <= 21; code++) expect(picemu.strerror(code)).toBe(native!.strerror(code));
  });

  it("ctl_request_cache describes the block native unicorn reports to HOOK_BLOCK (and counts its code hooks)", () => {
    // mov ecx, 3; xor eax, eax; add eax, ecx; dec ecx; jnz -6; nop
    const code = [0xb9, 0x03, 0x00, 0x00, 0x00, 0x31, 0xc0, 0x01, 0xc8, 0xff, 0xc9, 0x75, 0xfa, 0x90];
    const e = new native!.Unicorn(native!.ARCH_X86, native!.MODE_64);
    e.mem_map(0x10000, 0x1000, native!.PROT_ALL);
    e.mem_write(0x10000, code);
    let first: [bigint, number] | undefined;
    let insns = 0;
    e.hook_add(native!.HOOK_BLOCK, (_h: unknown, addr: bigint, size: number) => (first ??= [addr, size]));
    e.hook_add(native!.HOOK_CODE, (_h: unknown, addr: bigint) => {
      if (first && addr < first[0] + BigInt(first[1])) insns++;
    }, null, 0x10000, 0x1000c);
    e.emu_start(0x10000, 0x10000 + code.length, 0, 5);
    const p = new picemu.Unicorn(picemu.ARCH_X86, picemu.MODE_64);
    p.mem_map(0x10000, 0x1000, picemu.PROT_ALL);
    p.mem_write(0x10000, code);
    expect(p.ctl_request_cache(0x10000)).toEqual({ pc: first![0], size: first![1], icount: insns });
  });

  it('HOOK_INSN accepts syscall and refuses an instruction unicorn cannot hook', () => {
    for (const uc of [picemu, native!]) {
      const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
      expect(() => e.hook_add(uc.HOOK_INSN, () => {}, null, 1, 0, uc.X86_INS_SYSCALL)).not.toThrow();
      expect(() => e.hook_add(uc.HOOK_INSN, () => {}, null, 1, 0, uc.X86_INS_MOV)).toThrow(/^Unicorn\.js: Function uc_hook_add failed with code 9:\nInvalid hook type \(UC_ERR_HOOK\)$/);
    }
  });
});

/** picemu/unicorn with its compiler forced on from the first execution (picemu's own `{ jit }` engine option). */
function compilingModule(jit: 'always' | 'off'): Uc {
  const Base = picemu.Unicorn;
  const Unicorn = class extends Base {
    constructor(arch: number, mode: number) {
      super(arch, mode, { jit });
    }
  };
  return new Proxy(picemu, { get: (target, key) => (key === 'Unicorn' ? Unicorn : (target as Record<string | symbol, unknown>)[key]) });
}

describe.skipIf(!hasNative)("picemu/unicorn matches native unicorn-engine with the compiler forced on ('always')", () => {
  for (const jit of ['always'] as const) {
    const module = compilingModule(jit);
    for (const s of scenarios) {
      it(`${jit}: ${s.name}`, () => {
        expect(transcript(module, s.run)).toEqual(transcript(native, s.run));
      });
    }
  }
});
