/* Oracle for the growing [stack]: prints the [stack] VMA as exec left it ("stack START END"), then for each
   argument D (hex bytes) writes one byte D bytes below the VMA's start as it was at exec and prints the VMA again;
   then lowers RLIMIT_STACK to LIMIT (the last argument, "limit:HEX") and writes at END - LIMIT - 1: prints
   "segv" when that write faults (SIGSEGV caught on an alternate stack), "ok" when it does not. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static void stack_vma(unsigned long *start, unsigned long *end) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  while (fgets(line, sizeof line, f)) if (strstr(line, "[stack]")) sscanf(line, "%lx-%lx", start, end);
  fclose(f);
}

static sigjmp_buf back;
static void on_segv(int sig) { (void)sig; siglongjmp(back, 1); }

int main(int argc, char **argv) {
  unsigned long start0, end0, start, end;
  stack_vma(&start0, &end0);
  printf("stack %lx %lx\n", start0, end0);
  int i = 1;
  for (; i < argc && strncmp(argv[i], "limit:", 6) != 0; i++) {
    volatile char *p = (volatile char *)(start0 - strtoul(argv[i], NULL, 16));
    *p = 1;
    stack_vma(&start, &end);
    printf("stack %lx %lx\n", start, end);
  }
  if (i < argc) {
    unsigned long limit = strtoul(argv[i] + 6, NULL, 16);
    static char alt[65536];
    stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt };
    sigaltstack(&ss, NULL);
    struct sigaction sa = { .sa_handler = on_segv, .sa_flags = SA_ONSTACK };
    sigaction(SIGSEGV, &sa, NULL);
    struct rlimit rl;
    getrlimit(RLIMIT_STACK, &rl);
    rl.rlim_cur = limit;
    setrlimit(RLIMIT_STACK, &rl);
    if (sigsetjmp(back, 1) == 0) {
      *(volatile char *)(end0 - limit - 1) = 1;
      printf("ok\n");
    } else {
      printf("segv\n");
    }
  }
  return 0;
}
