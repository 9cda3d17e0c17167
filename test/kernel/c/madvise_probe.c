/* madvise_probe: MADV_DONTNEED on private anonymous, shared anonymous and private file memory — the VMA stays (maps),
   the pages go (smaps Rss/Anonymous, pagemap's present bits), and read back as zero, as the shared object's, or as
   the file's — and madvise's checks (holes: ENOMEM after the mapped parts are done; alignment, advice, length;
   MADV_FREE/MADV_REMOVE on the wrong kind of memory); prints results and errnos, one line each. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld\n", what, r);
}

/* How many VMAs of /proc/self/maps lie in [a, a+len), and the smaps Rss and Anonymous of the one at a. */
static void describe(const char *what, char *a, size_t len) {
  FILE *f = fopen("/proc/self/smaps", "r");
  char line[512];
  int vmas = 0, in = 0;
  long rss = -1, anon = -1;
  while (fgets(line, sizeof line, f)) {
    unsigned long s, e;
    if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' ')) {
      in = s >= (uintptr_t)a && e <= (uintptr_t)a + len;
      if (in) vmas++;
      if (s == (uintptr_t)a) in = 2;
      else if (in) in = 1;
      continue;
    }
    if (in == 2 && !strncmp(line, "Rss:", 4)) rss = atol(line + 4);
    if (in == 2 && !strncmp(line, "Anonymous:", 10)) anon = atol(line + 10);
  }
  fclose(f);
  int pm = open("/proc/self/pagemap", O_RDONLY);
  char present[64] = {0};
  for (size_t k = 0; k < len / PAGE && k < 63; k++) {
    uint64_t e = 0;
    pread(pm, &e, 8, ((uintptr_t)a / PAGE + k) * 8);
    present[k] = (e >> 63) & 1 ? 'P' : '.';
  }
  close(pm);
  printf("  %s: %d VMA, Rss %ld kB, Anonymous %ld kB, pages %s\n", what, vmas, rss, anon, present);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  size_t len = 8 * PAGE;
  /* Eight read-write pages between two PROT_NONE ones: a VMA of its own, merged with nothing. */
  char *g = mmap(NULL, len + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *a = g + PAGE;
  mprotect(a, len, PROT_READ | PROT_WRITE);
  memset(a, 'a', len);
  describe("private anonymous, written", a, len);
  show("MADV_DONTNEED pages 2..4", madvise(a + 2 * PAGE, 3 * PAGE, MADV_DONTNEED));
  describe("after", a, len);
  printf("  page 2 reads %d, page 5 reads %c\n", a[2 * PAGE], a[5 * PAGE]);
  describe("after reading page 2", a, len);

  char *s = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  memset(s, 's', 4 * PAGE);
  show("MADV_DONTNEED shared anonymous", madvise(s, 4 * PAGE, MADV_DONTNEED));
  describe("after", s, 4 * PAGE);
  printf("  page 1 reads %c\n", s[PAGE]);

  int fd = open("/etc/passwd", O_RDONLY);
  char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  char first = p[0];
  p[0] = '#';
  describe("private file, written", p, PAGE);
  show("MADV_DONTNEED private file", madvise(p, PAGE, MADV_DONTNEED));
  describe("after", p, PAGE);
  printf("  byte 0 is the file's again: %d\n", p[0] == first);
  show("MADV_FREE on a file mapping", madvise(p, PAGE, MADV_FREE));
  show("MADV_REMOVE on a private file mapping", madvise(p, PAGE, MADV_REMOVE));

  show("MADV_REMOVE on private anonymous", madvise(a, PAGE, MADV_REMOVE));
  show("MADV_FREE on private anonymous", madvise(a, PAGE, MADV_FREE));
  show("MADV_DONTNEED unaligned", madvise(a + 1, PAGE, MADV_DONTNEED));
  show("madvise advice 99", madvise(a, PAGE, 99));
  show("madvise advice 5", madvise(a, PAGE, 5));
  show("madvise length 0", madvise(a, 0, MADV_DONTNEED));
  show("madvise length -1", madvise(a, (size_t)-1, MADV_DONTNEED));
  show("madvise length wrapping", madvise(a, (size_t)-2 * PAGE, MADV_DONTNEED));

  char *h = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(h, 'h', 3 * PAGE);
  munmap(h + PAGE, PAGE);
  show("MADV_DONTNEED over a hole", madvise(h, 3 * PAGE, MADV_DONTNEED));
  printf("  the parts around the hole were done: %d %d\n", h[0], h[2 * PAGE]);
  show("MADV_NORMAL over a hole", madvise(h, 3 * PAGE, MADV_NORMAL));
  show("MADV_DONTNEED where nothing is mapped", madvise(h + PAGE, PAGE, MADV_DONTNEED));
  return 0;
}
