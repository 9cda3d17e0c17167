// gcc-compiled functions run end to end in picemu, their results compared with the same source built natively.
import { describe, expect, it } from 'vitest';
import { FULL_PROFILE, hasToolchain } from './host-exec.ts';
import { C_FUNCTIONS } from './c-functions.ts';
import { call, compileImage, DATA_ADDR, machine, runNative } from './compiled-c.ts';

interface Call {
  name: string;
  /** C expression computing the result natively (prints as unsigned long long). */
  native: string;
  /** Prepare guest memory and return the arguments. */
  args: (poke: (addr: number, bytes: Uint8Array) => void) => (number | bigint)[];
}

const text = (s: string) => new TextEncoder().encode(s + '\0');
const ints = (xs: number[]) => new Uint8Array(Int32Array.from(xs).buffer);
const SORT = [5, -3, 99, 0, 12, -3000, 7, 7, 1 << 30, -(1 << 31), 42, 3, 8, -1, 0, 65535];

const CALLS: Call[] = [
  { name: 'crc32_bitwise', native: 'crc32_bitwise((const u8 *)"The quick brown fox jumps over the lazy dog", 43)', args: (poke) => (poke(DATA_ADDR, text('The quick brown fox jumps over the lazy dog')), [DATA_ADDR, 43]) },
  { name: 'fib', native: 'fib(20)', args: () => [20] },
  ...[-5, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1000].map((x) => ({ name: 'classify', native: `(long long)classify(${x})`, args: () => [x] })),
  { name: 'str_len', native: 'str_len("hello, emulated world")', args: (poke) => (poke(DATA_ADDR, text('hello, emulated world')), [DATA_ADDR]) },
  { name: 'reverse_words', native: '({ static char b[] = "  one two  three four five "; reverse_words(b) * 1000003 + (u8)b[3]; })', args: (poke) => (poke(DATA_ADDR, text('  one two  three four five ')), [DATA_ADDR]) },
  ...[[0n, 1n], [12345678901234n, 77n], [0xffffffffffffffffn, 63n], [0x8000000000000000n, 5n], [3n, 64n], [987654321n, 0n]].map(([x, y]) => ({ name: 'mix64', native: `mix64(${x}ull, ${y}ull)`, args: () => [x, y] })),
  { name: 'sum_signed', native: '({ static int a[] = {' + SORT.join(',') + '}; sum_signed(a, 16); })', args: (poke) => (poke(DATA_ADDR, ints(SORT)), [DATA_ADDR, 16]) },
  { name: 'checksum_ints', native: '({ static int a[] = {' + SORT.join(',') + '}; insertion_sort(a, 16); checksum_ints(a, 16); })', args: () => [] },
  ...[0n, 1n, 0x8000000000000000n, 0x123456789abcdef0n, 0xffn].map((x) => ({ name: 'bits_mix', native: `bits_mix(${x}ull)`, args: () => [x] })),
  ...[27n, 97n, 871n].map((x) => ({ name: 'collatz_steps', native: `(long long)collatz_steps(${x})`, args: () => [x] })),
  { name: 'gcd_sum', native: 'gcd_sum(1071, 462)', args: () => [1071, 462] },
];

describe.skipIf(!hasToolchain())('gcc-compiled functions vs native', () => {
  const builds = [['-O2'], ['-O0'], ['-Os'], ['-O3', '-march=x86-64'], ['-O2', '-mpopcnt', '-mlzcnt', '-mbmi', '-mmovbe', '-msse4.2']];
  for (const [flags, jit] of builds.flatMap((f) => (['off', 'always'] as const).map((j) => [f, j] as const))) {
    it(`${flags.join(' ')}, jit ${jit}: every call returns what the native build returns`, { timeout: 30_000 }, () => {
      const image = compileImage(C_FUNCTIONS, flags);
      const main = `int main(void) {\n${CALLS.map((c) => `  printf("%llu\\n", (unsigned long long)(${c.native}));`).join('\n')}\n  return 0;\n}`;
      const expected = runNative(C_FUNCTIONS, main, flags).trim().split('\n').map((l) => BigInt(l));
      const got: bigint[] = [];
      for (const c of CALLS) {
        const { cpu, mem } = machine(image, FULL_PROFILE, jit);
        const args = c.args((addr, bytes) => mem.load(addr, bytes));
        let fn = image.symbols.get(c.name)!;
        let rax: bigint;
        if (c.name === 'checksum_ints') {
          mem.load(DATA_ADDR, ints(SORT));
          const sorted = call(cpu, image.symbols.get('insertion_sort')!, [DATA_ADDR, 16]);
          expect(sorted.out.kind).toBe('until');
          fn = image.symbols.get('checksum_ints')!;
          args.push(DATA_ADDR, 16);
        }
        const r = call(cpu, fn, args);
        expect(r.out.kind, `${c.name}: ${JSON.stringify(r.out, (_, v) => (typeof v === 'bigint' ? v.toString() : v))}`).toBe('until');
        rax = r.rax;
        if (c.name === 'reverse_words') rax = rax * 1000003n + BigInt(mem.peek(DATA_ADDR + 3, 1)![0]);
        // int results come back sign-extended natively; compare in the C type's width.
        const narrow = ['classify', 'collatz_steps'].includes(c.name) ? BigInt.asUintN(64, BigInt.asIntN(32, rax)) : ['crc32_bitwise', 'bits_mix'].includes(c.name) ? rax & 0xffffffffn : rax;
        got.push(narrow);
      }
      expect(got).toEqual(expected);
    });
  }
});
