// picemu/unicorn against native unicorn-engine (the oracle): every scenario's transcript — results, thrown
// failures, regions, registers, hook calls with their arguments — must be identical on both.
import { describe, expect, it } from 'vitest';
import { requireOracle } from '../helpers/oracles.ts';
import MUnicorn from '../../src/unicorn/index.ts';
import { loadNativeUnicorn, nativeUnicornUnavailable } from '../../src/unicorn/native.ts';
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

  it('HOOK_INSN accepts syscall and refuses an instruction unicorn cannot hook', () => {
    for (const uc of [picemu, native!]) {
      const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
      expect(() => e.hook_add(uc.HOOK_INSN, () => {}, null, 1, 0, uc.X86_INS_SYSCALL)).not.toThrow();
      expect(() => e.hook_add(uc.HOOK_INSN, () => {}, null, 1, 0, uc.X86_INS_MOV)).toThrow(/^Unicorn\.js: Function uc_hook_add failed with code 9:\nInvalid hook type \(UC_ERR_HOOK\)$/);
    }
  });
});
