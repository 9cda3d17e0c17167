// SSE floating-point arithmetic against the host CPU: every rounding mode, DAZ/FTZ, NaN/infinity/denormal/-0
// operands, exception flags in MXCSR, and unmasked exceptions (SIGFPE with the kernel's si_code).
import { describe, expect, it } from 'vitest';
import { differences, hasBinutilsAndCc } from './sse-harness.ts';

const OPS = ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt'];
const forms = (suffix: string, mem: number): string[] =>
  OPS.flatMap((op) => [`${op}${suffix} xmm1, xmm2`, `${op}${suffix} xmm10, xmm10`, `${op}${suffix} xmm3, [rsi+${mem}]`]);

describe.skipIf(!hasBinutilsAndCc())('SSE floating-point arithmetic: picemu equals the host CPU', () => {
  it('packed single, all MXCSR modes', () => {
    expect(differences(forms('ps', 0), 40, 20, { lanes: 'f32', mxcsr: 'random' })).toEqual([]);
  });
  it('scalar single, all MXCSR modes', () => {
    expect(differences(forms('ss', 4), 60, 21, { lanes: 'f32', mxcsr: 'random' })).toEqual([]);
  });
  it('packed double, all MXCSR modes', () => {
    expect(differences(forms('pd', 16), 40, 22, { lanes: 'f64', mxcsr: 'random' })).toEqual([]);
  });
  it('scalar double, all MXCSR modes', () => {
    expect(differences(forms('sd', 8), 60, 23, { lanes: 'f64', mxcsr: 'random' })).toEqual([]);
  });
  it('results at the underflow and overflow thresholds, ties, denormals: single', () => {
    expect(differences([...forms('ps', 0), ...forms('ss', 4)], 60, 30, { lanes: 'f32-extreme', mxcsr: 'random' })).toEqual([]);
  });
  it('results at the underflow and overflow thresholds, ties, denormals: double', () => {
    expect(differences([...forms('pd', 16), ...forms('sd', 8)], 60, 31, { lanes: 'f64-extreme', mxcsr: 'random' })).toEqual([]);
  });
  it('default MXCSR, ordinary and edge values', () => {
    expect(differences([...forms('ps', 0), ...forms('sd', 8)], 30, 24, { lanes: 'any' })).toEqual([]);
  });
  it('SSE3 addsub and horizontal ops', () => {
    const lines = ['addsubps', 'addsubpd', 'haddps', 'haddpd', 'hsubps', 'hsubpd'].flatMap((m) => [`${m} xmm1, xmm2`, `${m} xmm4, xmm4`, `${m} xmm5, [rsi]`, `${m} xmm5, [rsi+8]`]);
    expect(differences(lines.filter((l) => l.includes('ps')), 30, 25, { lanes: 'f32', mxcsr: 'random' })).toEqual([]);
    expect(differences(lines.filter((l) => l.includes('pd')), 30, 26, { lanes: 'f64', mxcsr: 'random' })).toEqual([]);
  });
  it('SSE4.1 round and dot products', () => {
    const imms = [0, 1, 2, 3, 4, 8, 9, 10, 11, 12];
    const single = [...imms.flatMap((k) => [`roundps xmm1, xmm2, ${k}`, `roundss xmm1, [rsi+4], ${k}`]), ...[0xff, 0x31, 0xf1, 0x7e, 0x00].flatMap((k) => [`dpps xmm1, xmm2, ${k}`, `dpps xmm3, [rsi], ${k}`])];
    const double = [...imms.flatMap((k) => [`roundpd xmm1, xmm2, ${k}`, `roundsd xmm1, [rsi+8], ${k}`]), ...[0x33, 0x31, 0x12, 0x00].flatMap((k) => [`dppd xmm1, xmm2, ${k}`, `dppd xmm3, [rsi], ${k}`])];
    expect(differences(single, 20, 27, { lanes: 'f32', mxcsr: 'random' })).toEqual([]);
    expect(differences(double, 20, 28, { lanes: 'f64', mxcsr: 'random' })).toEqual([]);
  });
});
