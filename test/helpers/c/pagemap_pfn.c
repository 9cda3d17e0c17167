/* Oracle for pagemap's PFN as a privileged reader sees it: two children each map FILE (4 pages, in the page cache)
   privately read-write at ADDR and two anonymous pages at ADDR + 64 KiB, read file page 0 and anonymous page 0
   (the zero page), write anonymous page 1; child 1 also writes file page 1 (a private copy). While both are alive,
   the parent prints each child's pagemap entries for those 6 pages: "child N" then per page "P F X PFN" (present,
   file/shared-anon, exclusively mapped: 0/1; the PFN in hex). Run as root, or the PFNs read 0. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void child(const char *file, char *addr, int n, int ready, int go) {
  int fd = open(file, O_RDONLY);
  if (fd < 0 || mmap(addr, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) _exit(2);
  char *anon = addr + 0x10000;
  if (mmap(anon, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED) _exit(2);
  (void)*(volatile char *)addr;
  (void)*(volatile char *)anon;
  anon[4096] = 1;
  if (n == 1) addr[4096] = 1;
  char c = 'r';
  if (write(ready, &c, 1) != 1 || read(go, &c, 1) < 0) _exit(3);
  _exit(0);
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: %s FILE ADDR\n", argv[0]); return 2; }
  char *addr = (char *)(uintptr_t)strtoull(argv[2], NULL, 16);
  int ready[2], go[2];
  if (pipe(ready) || pipe(go)) return 1;
  pid_t pids[2];
  char c;
  for (int n = 0; n < 2; n++) {
    if ((pids[n] = fork()) == 0) child(argv[1], addr, n + 1, ready[1], go[0]);
    if (read(ready[0], &c, 1) != 1) { fprintf(stderr, "child %d failed\n", n + 1); return 1; }
  }
  for (int n = 0; n < 2; n++) {
    char name[64];
    snprintf(name, sizeof name, "/proc/%d/pagemap", (int)pids[n]);
    int pm = open(name, O_RDONLY);
    printf("child %d\n", n + 1);
    for (int p = 0; p < 6; p++) {
      uintptr_t va = (uintptr_t)addr + (p < 4 ? p * 4096 : 0x10000 + (p - 4) * 4096);
      uint64_t e = 0;
      if (pread(pm, &e, 8, va / 4096 * 8) != 8) { perror(name); return 1; }
      printf("%d %d %d %llx\n", (int)(e >> 63 & 1), (int)(e >> 61 & 1), (int)(e >> 56 & 1), (unsigned long long)(e & ((1ULL << 55) - 1)));
    }
    close(pm);
  }
  if (write(go[1], "gg", 2) != 2) return 1;
  for (int n = 0; n < 2; n++) waitpid(pids[n], NULL, 0);
  return 0;
}
