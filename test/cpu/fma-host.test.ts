// FMA3's single rounding against the host CPU: operands chosen so a*b + c cancels (c within a few ulps of
// -a*b), lands on ties, or goes subnormal, in every rounding mode, with DAZ/FTZ and the exceptions unmasked.
import { describe, expect, it } from 'vitest';
import { assemble, hasToolchain, rng } from './host-exec.ts';
import { decodeAt, diffAvx, makeYState, runHostAvx, runPicemuAvx, type YState } from './avx-harness.ts';

const hostHasFma = /^flags\s*:.*\bfma\b/m.test((await import('node:fs')).readFileSync('/proc/cpuinfo', 'utf8'));

const FORMS = [
  'vfmadd231sd xmm1, xmm2, xmm3', 'vfmsub132sd xmm1, xmm2, xmm3', 'vfnmadd213sd xmm1, xmm2, xmm3', 'vfnmsub231sd xmm1, xmm2, xmm3',
  'vfmadd231ss xmm1, xmm2, xmm3', 'vfmsub213ss xmm1, xmm2, xmm3', 'vfmadd213pd ymm1, ymm2, ymm3', 'vfmaddsub231ps ymm1, ymm2, ymm3',
];

function setLanes(s: YState, r: () => number, single: boolean): void {
  const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);
  const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
  const rand = () => (r() / 2 ** 32 - 0.5) * 2 ** ((r() % 80) - 40);
  for (let lane = 0; lane < (single ? 8 : 4); lane++) {
    const a = rand(), b = 1 + (r() / 2 ** 32) * 2 ** -((r() % 20) + 1);
    const kind = r() % 4;
    // c: the negated product give or take a few ulps (cancellation), a tiny value (subnormal results), or random.
    let c = kind <= 1 ? -(a * b) * (1 + ((r() % 9) - 4) * 2 ** (single ? -23 : -52)) : kind === 2 ? a * 2 ** -1060 : rand();
    let av = a, bv = b;
    if (kind === 2) {
      av = a * 2 ** (single ? -70 : -540);
      bv = b * 2 ** (single ? -60 : -500);
    }
    for (const [reg, v] of [[1, c], [2, av], [3, bv]] as const) {
      if (single) {
        f32[0] = v;
        new Uint32Array(s.ymm[reg].buffer)[lane] = u32[0];
      } else {
        f64[0] = v;
        new BigUint64Array(s.ymm[reg].buffer)[lane] = u64[0];
      }
    }
    void c;
  }
}

describe.skipIf(!hasToolchain() || !hostHasFma)('FMA3 single rounding vs the host CPU', () => {
  it('cancellation, ties and subnormal results in every rounding mode, with DAZ/FTZ and unmasked exceptions', () => {
    const codes = assemble(FORMS);
    const r = rng(4242);
    const cases: { code: Uint8Array; state: YState; text: string }[] = [];
    for (let k = 0; k < 1600; k++) {
      const f = k % FORMS.length;
      const s = makeYState(r(), 0);
      setLanes(s, r, /s[sd]?$|ps/.test(FORMS[f].split(' ')[0]) && !FORMS[f].split(' ')[0].endsWith('d'));
      // Rounding control in bits 13-14; sometimes DAZ (6) and FTZ (15); sometimes PE/UE unmasked (a SIGFPE case).
      const rc = (r() % 4) << 13;
      const extra = (r() % 4 === 0 ? 0x8040 : 0) | (r() % 8 === 0 ? 0 : 0x1800 | 0x600 | 0x180);
      s.mxcsr = 0x0000 | rc | extra | (0x1f80 & ~0x1800 & (extra & 0x1800 ? 0x1f80 : 0x0780));
      cases.push({ code: codes[f], state: s, text: FORMS[f] });
    }
    const host = runHostAvx(cases);
    const failures: string[] = [];
    cases.forEach((c, i) => {
      const d = diffAvx(host[i], runPicemuAvx(c.code, c.state), decodeAt(c.code).flagsUndefined);
      if (d.length) failures.push(`${c.text} mxcsr ${c.state.mxcsr.toString(16)}: ${d.slice(0, 3).join('; ')}`);
    });
    expect(failures.slice(0, 20), `${failures.length} of ${cases.length} differ`).toEqual([]);
  });
});
