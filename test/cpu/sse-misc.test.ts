// Cache/ordering hints (prefetch*, fences, clflush, movnti) and SSE4.2 crc32 against the host CPU.
import { describe, expect, it } from 'vitest';
import { differences, hasBinutilsAndCc } from './sse-harness.ts';

describe.skipIf(!hasBinutilsAndCc())('cache hints and crc32: picemu equals the host CPU', () => {
  it('prefetch, fences, clflush, movnti', () => {
    const lines = [
      'prefetchnta [rsi]', 'prefetcht0 [rsi+64]', 'prefetcht1 [rax]', 'prefetcht2 [rbx+rcx*8]', // prefetches of any address never fault
      'lfence', 'mfence', 'sfence',
      // every ModRM encoding of the fences (lfence E8-EF, mfence F0-F7, sfence F8-FF)
      ...Array.from({ length: 24 }, (_, i) => `.byte 0x0f, 0xae, ${0xe8 + i}`),
      'clflush [rsi]', 'clflush [rdi+8]',
      'movnti [rsi+4], eax', 'movnti [rsi+8], r11', 'movnti [rdi], rbx',
    ];
    expect(differences(lines, 6, 70)).toEqual([]);
  });
  it('crc32 (CRC-32C) of 1, 2, 4 and 8 bytes into 32- and 64-bit registers', () => {
    const lines = ['crc32 eax, bl', 'crc32 eax, byte ptr [rsi+3]', 'crc32 r9d, cx', 'crc32 edx, word ptr [rsi+1]', 'crc32 ecx, edx', 'crc32 r10d, dword ptr [rsi]', 'crc32 rax, rbx', 'crc32 r15, qword ptr [rsi+8]', 'crc32 rdx, r8b', 'crc32 eax, ah'];
    expect(differences(lines, 16, 71, { lanes: 'int' })).toEqual([]);
  });
});

describe.skipIf(!hasBinutilsAndCc())('SSE4.2 string compares: picemu equals the host CPU', () => {
  // imm8: data format (bits 1:0), aggregation (3:2), polarity (5:4), index/mask selection (6)
  const imms = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x0e, 0x10, 0x14, 0x18, 0x1a, 0x30, 0x34, 0x38, 0x3c, 0x3b, 0x40, 0x44, 0x48, 0x4c, 0x4d, 0x70, 0x7c, 0x7f];
  const lengths = (s: import('./sse-harness.ts').State, r: import('./sse-harness.ts').Rng) => {
    const len = () => BigInt.asUintN(64, BigInt(r.int(4) === 0 ? r.int(41) - 20 : r.int(18)));
    s.gpr[0] = r.int(8) === 0 ? 0x8000000000000005n : len();
    s.gpr[2] = r.int(8) === 0 ? 0xffffffff00000003n : len();
  };
  it('pcmpistri / pcmpistrm', () => {
    const lines = imms.flatMap((k) => [`pcmpistri xmm1, xmm2, ${k}`, `pcmpistri xmm3, [rsi+1], ${k}`, `pcmpistrm xmm1, xmm2, ${k}`, `pcmpistrm xmm5, [rsi], ${k}`]);
    expect(differences(lines, 10, 72, { lanes: 'chars' })).toEqual([]);
  });
  it('pcmpestri / pcmpestrm, 32- and 64-bit lengths', () => {
    const lines = imms.flatMap((k) => [`pcmpestri xmm1, xmm2, ${k}`, `pcmpestri xmm3, [rsi+3], ${k}`, `pcmpestrm xmm1, xmm2, ${k}`, `pcmpestrm xmm5, [rsi], ${k}`, `pcmpestriq xmm1, xmm2, ${k}`, `pcmpestrmq xmm1, [rsi], ${k}`]);
    expect(differences(lines, 10, 73, { lanes: 'chars', tweak: lengths })).toEqual([]);
  });
});
