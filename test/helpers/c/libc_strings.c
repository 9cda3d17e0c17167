/* libc_strings: native results of glibc's string and memory functions (the oracle for picemu running the
   same functions' avx2 variants). Reads cases from stdin, one per line:
     FUNC SIZE ALIGN_A ALIGN_B PLACE SEED
   FUNC: strlen memchr memcmp strcmp memcpy memmove memset. The buffers live in 3 read-write pages between two
   PROT_NONE pages; PLACE "end" puts the first buffer's end on the upper guard page, "start" its start at the
   first read-write page (+ALIGN_A). Contents come from xorshift32(SEED), as test/cpu/glibc-avx2.test.ts makes
   them. Prints one line per case: the result (a length, an offset or -1, a sign) and FNV-1a of the 3 pages. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE 4096
static uint32_t s;
static uint32_t next(void) {
  s ^= s << 13;
  s ^= s >> 17;
  s ^= s << 5;
  return s;
}

int main(void) {
  uint8_t *region = mmap(NULL, 5 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uint8_t *rw = region + PAGE;
  mprotect(rw, 3 * PAGE, PROT_READ | PROT_WRITE);
  char func[32], place[16];
  unsigned long size, aa, ab, seed;
  while (scanf("%31s %lu %lu %lu %15s %lu", func, &size, &aa, &ab, place, &seed) == 6) {
    s = (uint32_t)seed ? (uint32_t)seed : 1;
    for (int k = 0; k < 3 * PAGE; k++) rw[k] = (uint8_t)(next() % 255 + 1);
    int isStr = !strcmp(func, "strlen") || !strcmp(func, "strcmp");
    size_t len = size + (isStr ? 1 : 0);
    uint8_t *a = !strcmp(place, "end") ? rw + 3 * PAGE - len : rw + aa;
    /* The second buffer (memcmp/strcmp's other string, memcpy's destination) never overlaps the first. */
    uint8_t *b = !strcmp(place, "end") ? rw + ab : rw + PAGE + 64 + ab;
    uint32_t pick = next();
    long result = 0;
    if (!strcmp(func, "strlen")) {
      a[size] = 0;
      result = (long)strlen((char *)a);
    } else if (!strcmp(func, "memchr")) {
      int c = size && pick % 4 ? a[pick % size] : 0;
      if (!(size && pick % 4)) for (size_t k = 0; k < size; k++) if (a[k] == 0) a[k] = 1;
      void *p = memchr(a, c, size);
      result = p ? (long)((uint8_t *)p - a) : -1;
    } else if (!strcmp(func, "memcmp") || !strcmp(func, "strcmp")) {
      memmove(b, a, len);
      if (isStr) a[size] = b[size] = 0;
      if (size && pick % 3) b[pick % size] = (uint8_t)(next() % 255 + 1);
      int r = isStr ? strcmp((char *)a, (char *)b) : memcmp(a, b, size);
      result = r < 0 ? -1 : r > 0;
    } else if (!strcmp(func, "memcpy")) {
      memcpy(b, a, size);
    } else if (!strcmp(func, "memmove")) {
      long delta = (long)(pick % 141) - 70;
      uint8_t *dst = a + delta;
      if (dst < rw) dst = rw;
      if (dst + size > rw + 3 * PAGE) dst = rw + 3 * PAGE - size;
      memmove(dst, a, size);
    } else if (!strcmp(func, "memset")) {
      memset(a, (int)(pick & 0xff), size);
    }
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int k = 0; k < 3 * PAGE; k++) h = (h ^ rw[k]) * 0x100000001b3ULL;
    printf("%ld %016lx\n", result, (unsigned long)h);
  }
  return 0;
}
