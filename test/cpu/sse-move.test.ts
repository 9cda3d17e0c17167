// SSE data movement against the host CPU: every form, register and memory operands, aligned-access faults.
import { describe, expect, it } from 'vitest';
import { differences, hasBinutilsAndCc } from './sse-harness.ts';

const FORMS: string[] = [
  // full-register moves; the aligned ones fault on [rsi+8]
  ...['movaps', 'movapd', 'movdqa', 'movups', 'movupd', 'movdqu'].flatMap((m) => [
    `${m} xmm1, xmm14`,
    `${m} xmm9, [rsi]`,
    `${m} xmm2, [rsi+8]`,
    `${m} [rsi], xmm3`,
    `${m} [rsi+24], xmm11`,
    `${m} xmm15, xmm0`,
  ]),
  // register-to-register moves in their store encodings (as picks the load encodings for these)
  '.byte 0x0f, 0x11, 0xca', // movups xmm2, xmm1
  '.byte 0x66, 0x0f, 0x11, 0xd3', // movupd xmm3, xmm2
  '.byte 0x0f, 0x29, 0xe5', // movaps xmm5, xmm4
  '.byte 0x66, 0x0f, 0x29, 0xf7', // movapd xmm7, xmm6
  '.byte 0x66, 0x0f, 0x7f, 0xc1', // movdqa xmm1, xmm0
  '.byte 0xf3, 0x44, 0x0f, 0x7f, 0xc1', // movdqu xmm1, xmm8
  '.byte 0xf3, 0x0f, 0x11, 0xca', // movss xmm2, xmm1
  '.byte 0xf2, 0x41, 0x0f, 0x11, 0xca', // movsd xmm10, xmm1
  'lddqu xmm5, [rsi+3]',
  'movntdqa xmm5, [rsi]',
  'movntdqa xmm5, [rsi+4]',
  'movntps [rsi], xmm2',
  'movntpd [rsi+16], xmm12',
  'movntdq [rsi+32], xmm7',
  'movntdq [rsi+8], xmm7',
  // scalar moves: reg-reg merges, loads zero-extend, stores write only the lane
  'movss xmm1, xmm2',
  'movss xmm1, [rsi+4]',
  'movss [rsi+12], xmm13',
  'movsd xmm8, xmm3',
  'movsd xmm8, [rsi+4]',
  'movsd [rsi+20], xmm6',
  // halves
  'movlps xmm1, [rsi+4]',
  'movlpd xmm10, [rsi]',
  'movhps xmm1, [rsi+4]',
  'movhpd xmm10, [rsi+8]',
  'movlps [rsi+4], xmm2',
  'movlpd [rsi], xmm2',
  'movhps [rsi+4], xmm9',
  'movhpd [rsi+40], xmm9',
  'movhlps xmm3, xmm4',
  'movlhps xmm12, xmm5',
  // movd/movq
  'movd xmm1, eax',
  'movd xmm9, r11d',
  'movd xmm2, [rsi+4]',
  'movq xmm3, rbx',
  'movq xmm13, r15',
  'movd eax, xmm4',
  'movd r10d, xmm12',
  'movd [rsi+8], xmm5',
  'movq rcx, xmm6',
  'movq r9, xmm15',
  'movq xmm7, xmm8',
  'movq xmm7, [rsi+8]',
  'movq [rsi+8], xmm9',
  '.byte 0x66, 0x0f, 0xd6, 0xca', // movq xmm2, xmm1 (the store form's register encoding)
  'movq [rsi], xmm0',
  // sign masks
  'movmskps eax, xmm1',
  'movmskps r12, xmm9',
  'movmskpd edx, xmm2',
  'movmskpd r8, xmm14',
  'pmovmskb ecx, xmm3',
  'pmovmskb r13, xmm11',
  '.byte 0x48, 0x0f, 0x50, 0xc1', // movmskps rax, xmm1 (REX.W form)
  '.byte 0x66, 0x48, 0x0f, 0x50, 0xc1', // movmskpd rax, xmm1
  '.byte 0x66, 0x48, 0x0f, 0xd7, 0xc1', // pmovmskb rax, xmm1
  // byte-masked store at [rdi]
  'maskmovdqu xmm1, xmm2',
  'maskmovdqu xmm10, xmm11',
  // MXCSR
  'stmxcsr [rsi+4]',
  'ldmxcsr [rsi]',
  // SSE3 duplicates
  'movddup xmm1, xmm2',
  'movddup xmm1, [rsi+8]',
  'movshdup xmm3, xmm4',
  'movshdup xmm3, [rsi]',
  'movsldup xmm13, xmm5',
  'movsldup xmm13, [rsi+16]',
  'movsldup xmm13, [rsi+8]',
];

describe.skipIf(!hasBinutilsAndCc())('SSE moves: picemu equals the host CPU', () => {
  it('every form, 24 random states each', () => {
    expect(differences(FORMS, 24, 1)).toEqual([]);
  });

  it('ldmxcsr with every MXCSR field (rounding, DAZ, FTZ, masks, flags) and a reserved bit', () => {
    // [rsi] holds random words; the host faults exactly where a reserved bit is set
    expect(differences(['ldmxcsr [rsi]', 'ldmxcsr [rsi+4]', 'ldmxcsr [rdi]'], 64, 2, { lanes: 'int' })).toEqual([]);
  });
});
