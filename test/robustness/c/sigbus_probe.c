/* sigbus_probe FILE LENGTH PROT OFFSET READ|WRITE: mmaps LENGTH bytes of FILE MAP_PRIVATE with PROT ("r" or
   "rw"), then reads (or writes) the byte at OFFSET with a handler for SIGBUS/SIGSEGV installed. Prints one
   JSON line: {"signo":7,"code":2,"addrOffset":"0x…"} (si_addr minus the mapping's start), or
   {"value":"0x.."} when the access succeeds. The kernel as oracle for accesses past the end of a file. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile uintptr_t map_base;

static void on_signal(int signo, siginfo_t *info, void *context) {
  (void)context;
  printf("{\"signo\":%d,\"code\":%d,\"addrOffset\":\"0x%lx\"}\n", signo, info->si_code,
         (unsigned long)((uintptr_t)info->si_addr - map_base));
  fflush(stdout);
  _exit(0);
}

int main(int argc, char **argv) {
  if (argc != 6) { fprintf(stderr, "usage: sigbus_probe FILE LENGTH r|rw OFFSET read|write\n"); return 2; }
  int writable = strcmp(argv[3], "rw") == 0;
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) { perror("open"); return 2; }
  size_t length = strtoul(argv[2], NULL, 0);
  volatile uint8_t *p = mmap(NULL, length, PROT_READ | (writable ? PROT_WRITE : 0), MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) { perror("mmap"); return 2; }
  map_base = (uintptr_t)p;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGBUS, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
  size_t offset = strtoul(argv[4], NULL, 0);
  if (strcmp(argv[5], "write") == 0) {
    p[offset] = 0x5a;
    printf("{\"value\":\"0x%x\"}\n", p[offset]);
  } else {
    printf("{\"value\":\"0x%x\"}\n", p[offset]);
  }
  return 0;
}
