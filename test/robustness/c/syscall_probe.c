/* syscall_probe NR [ARG...]: performs raw system call NR with up to 6 integer arguments and prints what
   the kernel returned in rax: the result, or -errno (the kernel as oracle for hostile system calls). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2 || argc > 8) { fprintf(stderr, "usage: syscall_probe NR [ARG...]\n"); return 2; }
  long a[6] = {0};
  for (int k = 2; k < argc; k++) a[k - 2] = (long)strtoull(argv[k], NULL, 0);
  long r = syscall(strtol(argv[1], NULL, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
  printf("%ld\n", r == -1 ? -(long)errno : r);
  return 0;
}
