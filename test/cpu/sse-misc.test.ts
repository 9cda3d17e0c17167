// Cache/ordering hints (prefetch*, fences, clflush, movnti) and SSE4.2 crc32 against the host CPU.
import { describe, expect, it } from 'vitest';
import { differences, hasBinutilsAndCc } from './sse-harness.ts';

describe.skipIf(!hasBinutilsAndCc())('cache hints and crc32: picemu equals the host CPU', () => {
  it('prefetch, fences, clflush, movnti', () => {
    const lines = [
      'prefetchnta [rsi]', 'prefetcht0 [rsi+64]', 'prefetcht1 [rax]', 'prefetcht2 [rbx+rcx*8]', // prefetches of any address never fault
      'lfence', 'mfence', 'sfence',
      '.byte 0x0f, 0xae, 0xe9', '.byte 0x0f, 0xae, 0xf3', '.byte 0x0f, 0xae, 0xff', // the alternative fence encodings
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
