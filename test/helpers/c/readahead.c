/* Oracle for readahead on a page fault: for each case "OFF:LEN:TOUCH:PROT" (pages; PROT r or x) drops FILE from
   the page cache (written back first; until none is held), maps LEN pages of it from page OFF with PROT_READ (x: | PROT_EXEC), reads
   one byte of page TOUCH of the mapping, and prints "case ADDR cached RUNS present RUNS": the mapping's address,
   the file pages the page cache holds then (mincore over the whole file) and the mapping's pages present in the
   page table (/proc/self/pagemap), each as runs "FIRST-LAST" (inclusive), comma-separated, "-" when none. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static void print_runs(const char *what, const unsigned char *v, long n) {
  printf(" %s ", what);
  int any = 0;
  for (long i = 0; i < n; i++) {
    if (!v[i]) continue;
    long j = i;
    while (j + 1 < n && v[j + 1]) j++;
    printf("%s%ld-%ld", any ? "," : "", i, j);
    any = 1;
    i = j;
  }
  if (!any) putchar('-');
}

/* The file pages the page cache holds (mincore over a mapping of the whole file) into v[]; returns how many. */
static long held_pages(int fd, long pages, unsigned char *v) {
  char *all = mmap(NULL, pages * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
  if (all == MAP_FAILED || mincore(all, pages * 4096, v) != 0) { perror("mincore"); exit(1); }
  munmap(all, pages * 4096);
  long held = 0;
  for (long p = 0; p < pages; p++) held += (v[p] &= 1);
  return held;
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: %s FILE OFF:LEN:TOUCH:PROT...\n", argv[0]); return 2; }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) { perror(argv[1]); return 1; }
  long pages = (lseek(fd, 0, SEEK_END) + 4095) / 4096;
  int pm = open("/proc/self/pagemap", O_RDONLY);
  unsigned char *cached = malloc(pages), *present = malloc(pages);
  for (int i = 2; i < argc; i++) {
    long off, len, touch;
    char prot;
    if (sscanf(argv[i], "%ld:%ld:%ld:%c", &off, &len, &touch, &prot) != 4) { fprintf(stderr, "bad case %s\n", argv[i]); return 2; }
    /* Start cold: drop the file's pages until none is held twice in a row (readahead of an earlier case may
       still be adding pages). */
    for (int tries = 0, empty = 0; tries < 400 && empty < 2; tries++) {
      fdatasync(fd);
      posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
      empty = held_pages(fd, pages, cached) == 0 ? empty + 1 : 0;
      usleep(10000);
    }
    char *at = mmap(NULL, len * 4096, PROT_READ | (prot == 'x' ? PROT_EXEC : 0), MAP_PRIVATE, fd, off * 4096);
    if (at == MAP_FAILED) { perror("mmap"); return 1; }
    (void)*(volatile char *)(at + touch * 4096);
    /* Readahead goes on after the fault returns: wait until the cache holds the same count twice, 20 ms apart. */
    for (long last = -1, now; (now = held_pages(fd, pages, cached)) != last; last = now) usleep(20000);
    for (long p = 0; p < len; p++) {
      uint64_t e = 0;
      if (pread(pm, &e, 8, ((uintptr_t)at / 4096 + p) * 8) != 8) { perror("pagemap"); return 1; }
      present[p] = (e >> 63) & 1;
    }
    printf("case %lx", (unsigned long)(uintptr_t)at);
    print_runs("cached", cached, pages);
    print_runs("present", present, len);
    putchar('\n');
    munmap(at, len * 4096);
  }
  return 0;
}
