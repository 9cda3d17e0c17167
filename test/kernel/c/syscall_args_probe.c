/* syscall_args_probe NR [ARG...]: performs raw system call NR and prints what the kernel returned in rax (the
   result or -errno), then the bytes of each buffer argument. An ARG is an integer, `s:TEXT` (a pointer to that
   NUL-terminated string), `buf:N` (a pointer to N zeroed writable bytes), `ro:N` (N zeroed read-only bytes) or
   `bad` (an address with nothing mapped). The kernel is the oracle for argument checks and output structs. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2 || argc > 8) { fprintf(stderr, "usage: syscall_args_probe NR [ARG...]\n"); return 2; }
  long a[6] = {0};
  unsigned char *bufs[6] = {0};
  long sizes[6] = {0};
  for (int k = 2; k < argc; k++) {
    const char *s = argv[k];
    if (strncmp(s, "s:", 2) == 0) a[k - 2] = (long)(s + 2);
    else if (strncmp(s, "buf:", 4) == 0 || strncmp(s, "ro:", 3) == 0) {
      int ro = s[0] == 'r';
      long n = strtol(s + (ro ? 3 : 4), NULL, 0);
      unsigned char *p = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (ro) mprotect(p, n ? n : 1, PROT_READ);
      else { bufs[k - 2] = p; sizes[k - 2] = n; }
      a[k - 2] = (long)p;
    } else if (strcmp(s, "bad") == 0) {
      void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      munmap(p, 4096);
      a[k - 2] = (long)p;
    } else a[k - 2] = (long)strtoull(s, NULL, 0);
  }
  long r = syscall(strtol(argv[1], NULL, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
  printf("%ld\n", r == -1 ? -(long)errno : r);
  for (int k = 0; k < 6; k++) {
    if (!bufs[k]) continue;
    for (long j = 0; j < sizes[k]; j++) printf("%02x", bufs[k][j]);
    printf("\n");
  }
  return 0;
}
