// SSE packed integer arithmetic, logic, shifts and shuffles against the host CPU, edge values included.
import { describe, expect, it } from 'vitest';
import { differences, hasBinutilsAndCc } from './sse-harness.ts';

/** Register-register, register-memory (aligned) and, for 128-bit memory operands, a misaligned one that must fault. */
const rm = (m: string, aligned = true): string[] => [`${m} xmm1, xmm2`, `${m} xmm9, xmm9`, `${m} xmm3, [rsi]`, ...(aligned ? [`${m} xmm12, [rsi+4]`] : [])];

const LOGIC = ['andps', 'andpd', 'pand', 'andnps', 'andnpd', 'pandn', 'orps', 'orpd', 'por', 'xorps', 'xorpd', 'pxor', 'ptest'];
const ARITH = [
  'paddb', 'paddw', 'paddd', 'paddq', 'psubb', 'psubw', 'psubd', 'psubq', 'paddsb', 'paddsw', 'paddusb', 'paddusw', 'psubsb',
  'psubsw', 'psubusb', 'psubusw', 'pmullw', 'pmulhw', 'pmulhuw', 'pmuludq', 'pmaddwd', 'psadbw', 'pavgb', 'pavgw', 'pminub',
  'pmaxub', 'pminsw', 'pmaxsw', 'pcmpeqb', 'pcmpeqw', 'pcmpeqd', 'pcmpgtb', 'pcmpgtw', 'pcmpgtd',
  // SSSE3
  'pabsb', 'pabsw', 'pabsd', 'psignb', 'psignw', 'psignd', 'pmulhrsw', 'pmaddubsw', 'phaddw', 'phaddd', 'phaddsw', 'phsubw',
  'phsubd', 'phsubsw',
  // SSE4.1, SSE4.2
  'pminsb', 'pmaxsb', 'pminuw', 'pmaxuw', 'pminsd', 'pmaxsd', 'pminud', 'pmaxud', 'pmulld', 'pmuldq', 'pcmpeqq', 'pcmpgtq',
];
const SHIFTS = ['psllw', 'pslld', 'psllq', 'psrlw', 'psrld', 'psrlq', 'psraw', 'psrad'];
const SHIFT_FORMS = SHIFTS.flatMap((m) => [
  ...[0, 1, 7, 15, 16, 31, 32, 33, 63, 64, 200].map((k) => `${m} xmm5, ${k}`),
  `${m} xmm1, xmm2`,
  `${m} xmm6, [rsi]`,
  `${m} xmm6, [rsi+4]`,
]);
const BYTE_SHIFTS = ['pslldq', 'psrldq'].flatMap((m) => [0, 1, 5, 8, 15, 16, 255].map((k) => `${m} xmm7, ${k}`));
const SHUFFLE = [
  'packsswb', 'packuswb', 'packssdw', 'packusdw', 'punpcklbw', 'punpcklwd', 'punpckldq', 'punpcklqdq', 'punpckhbw', 'punpckhwd',
  'punpckhdq', 'punpckhqdq', 'unpcklps', 'unpcklpd', 'unpckhps', 'unpckhpd', 'pshufb', 'pblendvb', 'blendvps', 'blendvpd', 'phminposuw',
];
const IMM_FORMS = [
  ...['pshufd', 'pshuflw', 'pshufhw', 'shufps', 'shufpd', 'pblendw', 'blendps', 'blendpd', 'mpsadbw'].flatMap((m) =>
    [0x00, 0x1b, 0xe4, 0x4e, 0xff, 0x39, 0x05].flatMap((k) => [`${m} xmm1, xmm2, ${k}`, `${m} xmm4, [rsi], ${k}`]),
  ),
  ...[0, 1, 4, 8, 15, 16, 17, 31, 32, 200].flatMap((k) => [`palignr xmm1, xmm2, ${k}`, `palignr xmm1, [rsi], ${k}`]),
  'palignr xmm1, [rsi+1], 3',
];
const INSERT_EXTRACT = [
  ...[0, 3, 7, 9].flatMap((k) => [`pinsrw xmm1, eax, ${k}`, `pinsrw xmm1, [rsi+2], ${k}`, `pextrw eax, xmm2, ${k}`, `pextrw r9d, xmm12, ${k}`]),
  ...[0, 5, 15, 17].flatMap((k) => [`pinsrb xmm1, eax, ${k}`, `pinsrb xmm1, [rsi+3], ${k}`, `pextrb eax, xmm2, ${k}`, `pextrb [rsi+1], xmm2, ${k}`]),
  ...[0, 1, 3, 6].flatMap((k) => [`pinsrd xmm1, ecx, ${k}`, `pinsrd xmm1, [rsi+4], ${k}`, `pextrd edx, xmm2, ${k}`, `pextrd [rsi+4], xmm2, ${k}`, `extractps eax, xmm3, ${k}`, `extractps [rsi], xmm3, ${k}`]),
  ...[0, 1, 2].flatMap((k) => [`pinsrq xmm1, rcx, ${k}`, `pinsrq xmm1, [rsi+8], ${k}`, `pextrq rdx, xmm2, ${k}`, `pextrq [rsi+8], xmm2, ${k}`]),
  'pextrw [rsi+6], xmm5, 3',
  // register forms of the SSE4.1 encodings and the REX.W forms (as picks other encodings for these)
  '.byte 0x66, 0x0f, 0x3a, 0x15, 0xe8, 3', // pextrw eax, xmm5, 3 (0F 3A 15)
  '.byte 0x66, 0x48, 0x0f, 0x3a, 0x15, 0xe8, 3', // pextrw rax, xmm5, 3
  '.byte 0x66, 0x48, 0x0f, 0xc5, 0xc5, 3', // pextrw rax, xmm5, 3 (0F C5)
  '.byte 0x66, 0x48, 0x0f, 0x3a, 0x14, 0xe8, 5', // pextrb rax, xmm5, 5
  '.byte 0x66, 0x48, 0x0f, 0x3a, 0x17, 0xe8, 2', // extractps rax, xmm5, 2
  '.byte 0x66, 0x48, 0x0f, 0xc4, 0xc8, 3', // pinsrw xmm1, rax, 3
  '.byte 0x66, 0x48, 0x0f, 0x3a, 0x20, 0xc8, 5', // pinsrb xmm1, rax, 5
  'pextrw eax, xmm5, 6',
  ...[0x00, 0x1f, 0x50, 0xa6, 0xff, 0x3c].flatMap((k) => [`insertps xmm1, xmm2, ${k}`, `insertps xmm1, [rsi+4], ${k}`]),
];
const EXTEND = ['pmovzxbw', 'pmovzxbd', 'pmovzxbq', 'pmovzxwd', 'pmovzxwq', 'pmovzxdq', 'pmovsxbw', 'pmovsxbd', 'pmovsxbq', 'pmovsxwd', 'pmovsxwq', 'pmovsxdq'].flatMap((m) => [
  `${m} xmm1, xmm2`,
  `${m} xmm3, [rsi+1]`,
]);

describe.skipIf(!hasBinutilsAndCc())('SSE integer instructions: picemu equals the host CPU', () => {
  it('logic and ptest', () => {
    expect(differences(LOGIC.flatMap((m) => rm(m)), 16, 10, { lanes: 'int' })).toEqual([]);
  });
  it('arithmetic, saturation, multiplies, compares, min/max, horizontal ops', () => {
    expect(differences(ARITH.flatMap((m) => rm(m)), 12, 11, { lanes: 'int' })).toEqual([]);
  });
  it('shifts by immediate and by register, byte shifts', () => {
    expect(differences([...SHIFT_FORMS, ...BYTE_SHIFTS], 6, 12, { lanes: 'int' })).toEqual([]);
  });
  it('packs, unpacks, shuffles, blends, alignment', () => {
    expect(differences([...SHUFFLE.flatMap((m) => rm(m)), ...IMM_FORMS], 8, 13, { lanes: 'int' })).toEqual([]);
  });
  it('insert, extract, zero and sign extension', () => {
    expect(differences([...INSERT_EXTRACT, ...EXTEND], 8, 14, { lanes: 'int' })).toEqual([]);
  });
});
