// SSE comparisons and conversions against the host CPU: all predicates, NaN ordering, EFLAGS from
// (u)comis*, every rounding mode, out-of-range and NaN conversions (the integer indefinite), DAZ.
import { describe, expect, it } from 'vitest';
import { differences, hasBinutilsAndCc } from './sse-harness.ts';

// Legacy encodings use imm8[2:0]; the higher bits (AVX's extra predicates) are ignored.
const PREDICATES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0x13, 0x1f, 0xff];

describe.skipIf(!hasBinutilsAndCc())('SSE comparisons: picemu equals the host CPU', () => {
  it('cmpps/cmpss, every predicate', () => {
    const lines = PREDICATES.flatMap((p) => [`cmpps xmm1, xmm2, ${p}`, `cmpps xmm3, [rsi], ${p}`, `cmpss xmm1, xmm2, ${p}`, `cmpss xmm4, [rsi+4], ${p}`]);
    expect(differences(lines, 20, 40, { lanes: 'f32', mxcsr: 'random' })).toEqual([]);
  });
  it('cmppd/cmpsd, every predicate', () => {
    const lines = PREDICATES.flatMap((p) => [`cmppd xmm1, xmm2, ${p}`, `cmppd xmm3, [rsi], ${p}`, `cmpsd xmm1, xmm2, ${p}`, `cmpsd xmm4, [rsi+8], ${p}`]);
    expect(differences(lines, 20, 41, { lanes: 'f64', mxcsr: 'random' })).toEqual([]);
  });
  it('ucomiss/comiss/ucomisd/comisd set ZF, PF, CF and clear OF, SF, AF', () => {
    const lines = ['ucomiss', 'comiss', 'ucomisd', 'comisd'].flatMap((m) => [`${m} xmm1, xmm2`, `${m} xmm5, xmm5`, `${m} xmm3, [rsi+${m.endsWith('d') ? 8 : 4}]`]);
    expect(differences(lines.filter((l) => /ss /.test(l)), 60, 42, { lanes: 'f32', mxcsr: 'random' })).toEqual([]);
    expect(differences(lines.filter((l) => /sd /.test(l)), 60, 43, { lanes: 'f64', mxcsr: 'random' })).toEqual([]);
  });
});

describe.skipIf(!hasBinutilsAndCc())('SSE conversions: picemu equals the host CPU', () => {
  it('integer to float, scalar', () => {
    const lines = ['cvtsi2ss xmm1, eax', 'cvtsi2ss xmm1, rbx', 'cvtsi2ss xmm9, dword ptr [rsi]', 'cvtsi2ss xmm9, qword ptr [rsi+8]', 'cvtsi2sd xmm2, ecx', 'cvtsi2sd xmm2, rdx', 'cvtsi2sd xmm10, dword ptr [rsi+4]', 'cvtsi2sd xmm10, qword ptr [rsi]'];
    expect(differences(lines, 40, 44, { lanes: 'int', mxcsr: 'random' })).toEqual([]);
  });
  it('float to integer, scalar (rounded and truncated, 32 and 64 bits)', () => {
    const single = ['cvtss2si eax, xmm1', 'cvtss2si r9, xmm2', 'cvttss2si ecx, xmm3', 'cvttss2si rdx, dword ptr [rsi+4]', 'cvtss2si r10d, dword ptr [rsi]'];
    const double = ['cvtsd2si eax, xmm1', 'cvtsd2si r9, xmm2', 'cvttsd2si ecx, xmm3', 'cvttsd2si rdx, qword ptr [rsi+8]', 'cvtsd2si r10d, qword ptr [rsi]'];
    expect(differences(single, 40, 45, { lanes: 'f32', mxcsr: 'random' })).toEqual([]);
    expect(differences(double, 40, 46, { lanes: 'f64', mxcsr: 'random' })).toEqual([]);
  });
  it('single and double, both ways', () => {
    expect(differences(['cvtss2sd xmm1, xmm2', 'cvtss2sd xmm3, [rsi+4]', 'cvtps2pd xmm1, xmm2', 'cvtps2pd xmm3, [rsi+8]'], 40, 47, { lanes: 'f32', mxcsr: 'random' })).toEqual([]);
    expect(differences(['cvtsd2ss xmm1, xmm2', 'cvtsd2ss xmm3, [rsi+8]', 'cvtpd2ps xmm1, xmm2', 'cvtpd2ps xmm3, [rsi]', 'cvtpd2ps xmm3, [rsi+8]'], 40, 48, { lanes: 'f64', mxcsr: 'random' })).toEqual([]);
    expect(differences(['cvtsd2ss xmm1, xmm2', 'cvtpd2ps xmm1, xmm2'], 60, 49, { lanes: 'f64-extreme', mxcsr: 'random' })).toEqual([]);
  });
  it('packed integer ↔ float', () => {
    expect(differences(['cvtdq2ps xmm1, xmm2', 'cvtdq2ps xmm3, [rsi]', 'cvtdq2pd xmm1, xmm2', 'cvtdq2pd xmm3, [rsi+8]'], 40, 50, { lanes: 'int', mxcsr: 'random' })).toEqual([]);
    expect(differences(['cvtps2dq xmm1, xmm2', 'cvttps2dq xmm3, [rsi]', 'cvttps2dq xmm4, xmm4'], 40, 51, { lanes: 'f32', mxcsr: 'random' })).toEqual([]);
    expect(differences(['cvtpd2dq xmm1, xmm2', 'cvttpd2dq xmm3, [rsi]', 'cvtpd2dq xmm4, [rsi+8]'], 40, 52, { lanes: 'f64', mxcsr: 'random' })).toEqual([]);
  });
});
