// Processes advertise SSE4.2 (with POPCNT) through cpuid and execute what gcc emits for it: a library built
// with -msse4.2 -mpopcnt -O2 returns in picemu what the same library returns when called natively.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { resultText } from '../../src/process/call-args.ts';
import { hasCc, repoRoot } from '../helpers/oracles.ts';
import { nativeCall } from '../helpers/native.ts';

const dir = `${repoRoot}/.cache/oracles/sse42`;
const lib = `${dir}/libsse42.so`;

const SOURCE = `#include <nmmintrin.h>
#include <cpuid.h>
static const unsigned char text[] = "the quick brown fox jumps over the lazy dog, 0123456789";
unsigned hw_crc32c(unsigned n) {
  unsigned c = ~0u;
  for (unsigned k = 0; k < n && k < sizeof text; k++) c = _mm_crc32_u8(c, text[k]);
  return ~c;
}
int bits_set(unsigned long x) { return __builtin_popcountl(x); }
int first_vowel(void) {
  __m128i set = _mm_setr_epi8('a','e','i','o','u',0,0,0,0,0,0,0,0,0,0,0);
  __m128i s = _mm_loadu_si128((const __m128i *)(text + 4));
  return _mm_cmpistri(set, s, _SIDD_UBYTE_OPS | _SIDD_CMP_EQUAL_ANY | _SIDD_LEAST_SIGNIFICANT);
}
/* What cpuid says, as a mask: sse3 ssse3 sse4.1 sse4.2 popcnt (bits 0-4), masked by what the host has. */
int cpuid_sse_bits(void) {
  unsigned a, b, c, d; __cpuid(1, a, b, c, d);
  return ((c >> 0) & 1) | ((c >> 9) & 1) << 1 | ((c >> 19) & 1) << 2 | ((c >> 20) & 1) << 3 | ((c >> 23) & 1) << 4;
}
`;

const hostFlags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].split(' ') ?? [];
const hostHasSse42 = ['pni', 'ssse3', 'sse4_1', 'sse4_2', 'popcnt'].every((f) => hostFlags.includes(f));

describe.skipIf(!hasCc() || !hostHasSse42)('the processes\' cpuid profile', () => {
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/sse42.c`, SOURCE);
    execFileSync('cc', ['-O2', '-msse4.2', '-mpopcnt', '-fPIC', '-shared', '-o', lib, `${dir}/sse42.c`]);
  });

  it.each([
    ['hw_crc32c', [0], 'uint'],
    ['hw_crc32c', [9], 'uint'],
    ['hw_crc32c', [100], 'uint'],
    ['bits_set', [0], 'int'],
    ['bits_set', ['0xf0f0f0f0f0f0f0f0'], 'int'],
    ['bits_set', [-1], 'int'],
    ['first_vowel', [], 'int'],
    ['cpuid_sse_bits', [], 'int'],
  ] as const)('%s(%j) equals the native call', async (symbol, args, ret) => {
    const [expected] = nativeCall(lib, symbol, [...args], { ret });
    const machine = await Machine.create();
    const p = machine.spawn();
    p.load(lib);
    const callArgs = args.map((a) => BigInt(a));
    expect(resultText(p.call(symbol, callArgs, { ret }).result)).toBe(expected);
  });
});
