// SSE floating-point exceptions that are unmasked in MXCSR (SIGFPE with the kernel's si_code), and the
// rcp/rsqrt estimates (model-specific on real CPUs: checked against the host within Intel's error bound).
import { describe, expect, it } from 'vitest';
import { assemble, differences, hasBinutilsAndCc, randomState, Rng, runHost, runPicemu, type Case } from './sse-harness.ts';

describe.skipIf(!hasBinutilsAndCc())('unmasked SIMD exceptions: picemu faults where the host CPU faults', () => {
  it('arithmetic, comparisons and conversions with one exception unmasked', () => {
    const single = ['addps xmm1, xmm2', 'mulss xmm1, xmm2', 'divps xmm1, xmm2', 'sqrtss xmm1, xmm2', 'maxps xmm1, xmm2', 'cmpltps xmm1, xmm2', 'comiss xmm1, xmm2', 'ucomiss xmm1, xmm2', 'cvtss2si eax, xmm1', 'cvttps2dq xmm1, xmm2', 'cvtss2sd xmm1, xmm2'];
    const double = ['subpd xmm1, xmm2', 'divsd xmm1, xmm2', 'sqrtpd xmm1, xmm2', 'minsd xmm1, xmm2', 'cmpunordpd xmm1, xmm2', 'cvtsd2ss xmm1, xmm2', 'cvtpd2dq xmm1, xmm2', 'cvtsd2si rax, xmm1'];
    expect(differences(single, 40, 60, { lanes: 'f32', mxcsr: 'unmasked' })).toEqual([]);
    expect(differences(double, 40, 61, { lanes: 'f64', mxcsr: 'unmasked' })).toEqual([]);
    expect(differences(['cvtsi2ss xmm1, rax', 'cvtsi2sd xmm1, rbx', 'cvtdq2ps xmm1, xmm2'], 40, 62, { lanes: 'int', mxcsr: 'unmasked' })).toEqual([]);
  });
});

/** The f32 lanes of an XMM field (32 hex digits, byte 0 first). */
function lanes(hex: string): number[] {
  const b = Buffer.from(hex, 'hex');
  return [0, 1, 2, 3].map((i) => b.readFloatLE(4 * i));
}

describe.skipIf(!hasBinutilsAndCc())('rcp and rsqrt estimates', () => {
  it('agree with the host within 1.5 * 2^-12 relative error; special values and everything else exactly', () => {
    const lines = ['rcpps xmm1, xmm2', 'rsqrtps xmm1, xmm2', 'rcpss xmm1, xmm2', 'rsqrtss xmm1, [rsi+4]', 'rcpps xmm1, [rsi]'];
    const codes = assemble(lines);
    const r = new Rng(63);
    const cases: Case[] = [];
    lines.forEach((text, i) => {
      for (let k = 0; k < 60; k++) cases.push({ text, code: codes[i], state: randomState(r, { lanes: 'f32', mxcsr: 'random' }) });
    });
    const host = runHost(cases);
    const bad: string[] = [];
    cases.forEach((c, i) => {
      const h = host[i].split(' '), m = runPicemu(c).split(' ');
      for (let f = 0; f < h.length; f++) {
        if (h[f] === m[f]) continue;
        if (f !== 19) { // 19: xmm1 (rflags, mxcsr, 16 GPRs, then xmm0)
          bad.push(`${c.text}: field ${f}: host ${h[f]} picemu ${m[f]}`);
          continue;
        }
        // xmm1: each lane equal, or both finite, nonzero, same sign, within the documented bound
        const hl = lanes(h[f]), ml = lanes(m[f]);
        for (let j = 0; j < 4; j++) {
          const a = hl[j], b = ml[j];
          if (Object.is(a, b)) continue;
          if (!(Number.isFinite(a) && a !== 0 && Math.abs(b - a) <= Math.abs(a) * 1.5 * 2 ** -12)) bad.push(`${c.text}: lane ${j}: host ${a} picemu ${b}`);
        }
      }
    });
    expect(bad).toEqual([]);
  });
});
