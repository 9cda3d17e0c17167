// C functions compiled by the host cc for end-to-end tests and the benchmark (no libc; plain integer code).
export const C_FUNCTIONS = String.raw`
typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;

u32 crc32_bitwise(const u8 *p, u64 n) {
  u32 crc = 0xffffffffu;
  for (u64 i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
  }
  return ~crc;
}

long fib(long n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

int classify(int x) {
  switch (x) {
    case 0: return 17;
    case 1: return -4;
    case 2: return 99;
    case 3: return 1234;
    case 4: return x * 7;
    case 5: return -x;
    case 6: return 42;
    case 7: return 3;
    case 9: return 8;
    default: return x ^ 0x55;
  }
}

u64 str_len(const char *s) { u64 n = 0; while (s[n]) n++; return n; }

void fill_pattern(u8 *p, u64 n, u32 seed) {
  for (u64 i = 0; i < n; i++) { seed = seed * 1103515245u + 12345u; p[i] = (u8)(seed >> 16); }
}

u64 reverse_words(char *s) {
  u64 n = str_len(s), words = 0;
  for (u64 i = 0, j = n ? n - 1 : 0; i < j; i++, j--) { char t = s[i]; s[i] = s[j]; s[j] = t; }
  for (u64 i = 0; i < n; i++) if (s[i] != ' ' && (i == 0 || s[i - 1] == ' ')) words++;
  return words;
}

u64 mix64(u64 x, u64 y) {
  u64 h = x * 0x9e3779b97f4a7c15ul ^ (y >> 7);
  h ^= h >> 29; h *= 0xbf58476d1ce4e5b9ul; h ^= h >> 32;
  return h + x / (y | 1) + x % 1000003 + (u64)((long)x / -7) + ((x << (y & 63)) | (x >> (64 - (y & 63) ? 64 - (y & 63) : 1)));
}

long sum_signed(const int *a, long n) { long s = 0; for (long i = 0; i < n; i++) s += a[i] < 0 ? -(long)a[i] * 3 : a[i] / 3; return s; }

void insertion_sort(int *a, long n) {
  for (long i = 1; i < n; i++) { int v = a[i]; long j = i - 1; while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; } a[j + 1] = v; }
}

u64 checksum_ints(const int *a, long n) { u64 h = 1469598103934665603ul; for (long i = 0; i < n; i++) { h ^= (u32)a[i]; h *= 1099511628211ul; } return h; }

u32 bits_mix(u64 x) {
  u32 r = __builtin_popcountll(x) * 3 + (x ? __builtin_ctzll(x) : 64) + (x ? __builtin_clzll(x) : 64);
  return r ^ __builtin_bswap32((u32)x) ^ (u32)__builtin_bswap64(x);
}

int collatz_steps(u64 n) { int s = 0; while (n != 1) { n = n & 1 ? 3 * n + 1 : n / 2; s++; } return s; }

long gcd_sum(long a, long b) { long s = 0; for (int i = 0; i < 50; i++) { long x = a + i, y = b + 3 * i; while (y) { long t = x % y; x = y; y = t; } s += x; } return s; }
`;
