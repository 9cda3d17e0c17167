// Every VEX form picemu registers (AVX, AVX2, BMI1, BMI2), run on the host CPU and in picemu from the same
// random YMM/GPR/memory states, with and without the block compiler; the host decides (test/helpers/c/host_avx.c).
import { Code } from 'iced-x86';
import { describe, expect, it } from 'vitest';
import { implementedCodes } from '../../src/cpu/table.ts';
import { hasToolchain } from './host-exec.ts';
import { decodeAt, diffAvx, gatherState, withoutAgreeingEstimates, makeYState, runHostAvx, runPicemuAvx, variant, vexTemplates } from './avx-harness.ts';
import { rng } from './host-exec.ts';

const hostFlags = (await import('node:fs')).readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].split(' ') ?? [];
const hostHasV3 = ['avx', 'avx2', 'bmi1', 'bmi2', 'fma', 'f16c'].every((f) => hostFlags.includes(f));

const VEX_FILES = /^(avx-|bmi|fma)/;
const vexEntries = implementedCodes().filter((e) => VEX_FILES.test(e.file) && e.name.startsWith('VEX_'));

describe.skipIf(!hasToolchain() || !hostHasV3)('VEX forms against the host CPU', () => {
  const templates = vexTemplates(new Set(vexEntries.map((e) => e.code)));

  it('every registered VEX form has an encoding to test', () => {
    const missing = vexEntries.filter((e) => !templates.has(e.code)).map((e) => e.name);
    expect(missing).toEqual([]);
  });

  for (const jit of ['off', 'always'] as const) {
    it(`agrees with the host on every form, 6 cases each (jit ${jit})`, () => {
      const r = rng(jit === 'off' ? 1234 : 987);
      const cases: { code: Uint8Array; state: ReturnType<typeof makeYState>; name: string }[] = [];
      for (const e of vexEntries) {
        for (const t of templates.get(e.code) ?? []) {
          for (let k = 0; k < 3; k++) {
            const code = variant(t, r);
            cases.push({ code, state: t.vsib ? gatherState(code, makeYState(r(), k), r) : makeYState(r(), k), name: e.name });
          }
        }
      }
      const host = runHostAvx(cases);
      const failures: string[] = [];
      cases.forEach((c, i) => {
        const insn = decodeAt(c.code);
        const emu = runPicemuAvx(c.code, c.state, undefined, jit);
        const d = withoutAgreeingEstimates(c.name, diffAvx(host[i], emu, insn.flagsUndefined), host[i], emu);
        if (d.length) failures.push(`${c.name} ${insn.text} (${Buffer.from(c.code).toString('hex')}): ${d.slice(0, 3).join('; ')}`);
      });
      expect(failures.slice(0, 25), `${failures.length} of ${cases.length} cases differ`).toEqual([]);
    });
  }
});


describe.skipIf(!hasToolchain() || !hostHasV3)('masked moves next to an unmapped page', () => {
  it('masked-out elements past the end of the data pages do not fault; selected ones do', async () => {
    const { assemble } = await import('./host-exec.ts');
    const lines = ['vmaskmovps ymm0, ymm1, [rsi]', 'vpmaskmovq ymm0, ymm1, [rsi]', 'vmaskmovpd [rsi], ymm1, ymm2', 'vpmaskmovd [rsi], xmm1, xmm2'];
    const codes = assemble(lines);
    const cases = [];
    for (let k = 0; k < 64; k++) {
      const s = makeYState(500 + k);
      // rsi 8..24 bytes before the end of the 8 KiB data area: the upper elements lie in the unmapped page after it.
      s.gpr[6] = BigInt(0x20000000 + 8192 - 8 - 4 * (k % 5));
      const mask = new Uint32Array(s.ymm[1].buffer);
      for (let i = 0; i < 8; i++) mask[i] = (k >> (i % 6)) & 1 ? 0x80000000 : 0x7fffffff;
      cases.push({ code: codes[k % lines.length], state: s });
    }
    const host = runHostAvx(cases);
    const bad = cases.map((c, i) => diffAvx(host[i], runPicemuAvx(c.code, c.state), 0)).filter((d) => d.length);
    expect(host.some((h) => h.kind === 'sig') && host.some((h) => h.kind === 'ok')).toBe(true);
    expect(bad).toEqual([]);
  });
});

describe.skipIf(!hasToolchain() || !hostHasV3)('AVX2 gathers against the host CPU', () => {
  it('every gather form: loads under the mask, #UD on overlapping registers, and the partial state a fault leaves', () => {
    const gathers = vexEntries.filter((e) => /gather/.test(e.name));
    expect(gathers).toHaveLength(16);
    const templates = vexTemplates(new Set(gathers.map((e) => e.code)));
    const r = rng(4242);
    const cases: { code: Uint8Array; state: ReturnType<typeof makeYState>; name: string }[] = [];
    for (const e of gathers)
      for (let k = 0; k < 40; k++) {
        const code = variant(templates.get(e.code)![0], r);
        cases.push({ code, state: gatherState(code, makeYState(r(), k % 4), r), name: e.name });
      }
    const host = runHostAvx(cases);
    const failures: string[] = [];
    const outcomes = new Set<string>();
    cases.forEach((c, i) => {
      const h = host[i];
      outcomes.add(h.kind === 'ok' ? 'ok' : `signal ${h.signo} code ${h.code}`);
      const d = diffAvx(h, runPicemuAvx(c.code, c.state, undefined, i % 2 ? 'always' : 'off'), 0);
      if (d.length) failures.push(`${c.name} ${decodeAt(c.code).text}: ${d.slice(0, 2).join('; ')}`);
    });
    // Completed gathers, #UD (SIGILL ILL_ILLOPN), unmapped elements (SEGV_MAPERR) and non-canonical ones (#GP: SI_KERNEL) all occur.
    expect([...outcomes].sort()).toEqual(['ok', 'signal 11 code 1', 'signal 11 code 128', 'signal 4 code 2']);
    expect(failures.slice(0, 10), `${failures.length} of ${cases.length} cases differ`).toEqual([]);
  });
});

describe.skipIf(!hasToolchain() || !hostHasV3)('dot products with an exception unmasked', () => {
  it('dpps/dppd and their VEX forms trap at the step (multiply, add) that raises it, keeping the earlier steps\' flags', async () => {
    const { assemble } = await import('./host-exec.ts');
    const lines = ['dpps xmm1, xmm2, 0xff', 'dpps xmm3, xmm4, 0x71', 'dppd xmm1, xmm2, 0x33', 'vdpps xmm1, xmm2, xmm3, 0xf1', 'vdpps ymm1, ymm2, ymm3, 0xff', 'vdppd xmm1, xmm2, xmm3, 0x31'];
    const codes = assemble(lines);
    const r = rng(77);
    const cases = [];
    for (let k = 0; k < 1200; k++) {
      const s = makeYState(r(), k % 4);
      // one exception unmasked, any rounding mode
      s.mxcsr = (0x1f80 & ~(0x80 << (r() % 6))) | ((r() % 4) << 13);
      cases.push({ code: codes[k % lines.length], state: s });
    }
    const host = runHostAvx(cases);
    const bad = cases.map((c, i) => diffAvx(host[i], runPicemuAvx(c.code, c.state, undefined, i % 2 ? 'always' : 'off'), 0).map((d) => `${decodeAt(c.code).text} mxcsr ${c.state.mxcsr.toString(16)}: ${d}`)).flat();
    expect(host.filter((h) => h.kind === 'sig').length).toBeGreaterThan(100);
    expect(bad.slice(0, 10)).toEqual([]);
  });
});

export { Code };
