// F16C against the host CPU: singles near the half range's edges (overflow, subnormal halves, ties) rounded by
// each imm8 mode and by MXCSR, with DAZ/FTZ; half bit patterns (subnormals, NaNs) widened.
import { describe, expect, it } from 'vitest';
import { assemble, hasToolchain, rng } from './host-exec.ts';
import { decodeAt, diffAvx, makeYState, runHostAvx, runPicemuAvx, type YState } from './avx-harness.ts';

const hostHasF16c = /^flags\s*:.*\bf16c\b/m.test((await import('node:fs')).readFileSync('/proc/cpuinfo', 'utf8'));
const FORMS = ['vcvtps2ph xmm1, ymm2, 0', 'vcvtps2ph xmm1, xmm2, 1', 'vcvtps2ph xmm1, ymm2, 2', 'vcvtps2ph xmm1, ymm2, 3', 'vcvtps2ph qword ptr [rsi], xmm2, 4', 'vcvtph2ps ymm1, xmm2', 'vcvtph2ps xmm1, qword ptr [rsi]'];

describe.skipIf(!hasToolchain() || !hostHasF16c)('F16C vs the host CPU', () => {
  it('1400 cases over every rounding source, DAZ/FTZ, subnormal and overflowing halves, NaNs', () => {
    const codes = assemble(FORMS);
    const r = rng(77);
    const cases: { code: Uint8Array; state: YState; text: string }[] = [];
    for (let k = 0; k < 1400; k++) {
      const s = makeYState(r(), k % 2);
      const f = new Float32Array(s.ymm[2].buffer), u = new Uint32Array(s.ymm[2].buffer);
      for (let i = 0; i < 8; i++) {
        const sel = r() % 5;
        if (sel === 0) f[i] = (r() / 2 ** 32 - 0.5) * 2 ** ((r() % 40) - 28);
        else if (sel === 1) f[i] = (r() / 2 ** 32) * 70000;
        else if (sel === 2) f[i] = (r() / 2 ** 32) * 2 ** -20;
        else if (sel === 3) u[i] = (r() & 0xffff) | ((r() & 1) << 15); // half patterns in the low lanes
      }
      new Uint8Array(s.mem.buffer).set(new Uint8Array(s.ymm[2].buffer, 0, 8), Number(s.gpr[6]) - 0x20000000);
      s.mxcsr = ((r() % 4) << 13) | 0x1f80 | (r() % 4 === 0 ? 0x8040 : 0);
      cases.push({ code: codes[k % FORMS.length], state: s, text: FORMS[k % FORMS.length] });
    }
    const host = runHostAvx(cases);
    const bad = cases.map((c, i) => ({ c, d: diffAvx(host[i], runPicemuAvx(c.code, c.state), decodeAt(c.code).flagsUndefined) })).filter((x) => x.d.length);
    expect(bad.slice(0, 10).map(({ c, d }) => `${c.text} mxcsr ${c.state.mxcsr.toString(16)}: ${d.join('; ')}`)).toEqual([]);
  });
});
