/* Oracle for fault-around: puts FILE in the page cache page by page (order-0 pages: dropped first, then read
   without readahead), reserves 8 MiB, and for each case "OFF:LEN:TOUCH[:w]" (pages, decimal) maps LEN pages of the
   file from its start at 2 MiB-aligned-in-the-reservation + OFF pages (a boundary of 2 MiB at OFF = 512 ...),
   reads one byte of page TOUCH of that mapping (with ":w": writes it, the mapping private and writable), prints "pages ..." from /proc/self/pagemap ('.' absent,
   'P' present) for the mapping, and unmaps it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s FILE OFF:LEN:TOUCH...\n", argv[0]); return 2; }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) { perror(argv[1]); return 1; }
  fdatasync(fd);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
  static char page[4096];
  for (off_t at = 0; pread(fd, page, sizeof page, at) > 0; at += sizeof page) {}
  const unsigned long M2 = 2UL << 20;
  char *res = mmap(NULL, 4 * M2, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (res == MAP_FAILED) { perror("mmap"); return 1; }
  char *base = (char *)(((uintptr_t)res + M2 - 1) & ~(M2 - 1));
  int pm = open("/proc/self/pagemap", O_RDONLY);
  for (int i = 2; i < argc; i++) {
    long off, len, touch;
    char mode = 'r';
    if (sscanf(argv[i], "%ld:%ld:%ld:%c", &off, &len, &touch, &mode) < 3) { fprintf(stderr, "bad case %s\n", argv[i]); return 2; }
    char *at = base + off * 4096;
    if (mmap(at, len * 4096, PROT_READ | (mode == 'w' ? PROT_WRITE : 0), MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) { perror("mmap"); return 1; }
    if (mode == 'w') *(volatile char *)(at + touch * 4096) = 1;
    else (void)*(volatile char *)(at + touch * 4096);
    fputs("pages ", stdout);
    for (long p = 0; p < len; p++) {
      uint64_t e = 0;
      if (pread(pm, &e, 8, ((uintptr_t)at / 4096 + p) * 8) != 8) { perror("pagemap"); return 1; }
      putchar((e >> 63) & 1 ? 'P' : '.');
    }
    putchar('\n');
    mmap(at, len * 4096, PROT_NONE, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  }
  return 0;
}
