/* signal_probe: the kernel as oracle for faults. dlopens LIB, calls SYMBOL (integer args as native_call)
   with handlers for SIGSEGV/SIGILL/SIGFPE/SIGTRAP/SIGBUS installed, and prints one JSON line:
     {"signal":"SIGSEGV","signo":11,"code":2,"addr":"0x…","addrOffset":"0x…"|null,
      "rip":"0x…","ripOffset":"0x…"|null,"base":"0x…"}
   or, when the function returns, {"returned":"N","base":"0x…"}. Offsets are relative to LIB's load base
   (dladdr's dli_fbase) and null when the address is not inside LIB. Run it as a child process: after a
   signal it prints and _exits(0). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

static uintptr_t lib_base;

static const char *signal_name(int signo) {
  switch (signo) {
    case SIGSEGV: return "SIGSEGV";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGTRAP: return "SIGTRAP";
    case SIGBUS: return "SIGBUS";
    default: return "?";
  }
}

/* Writes "0x…" of addr - lib_base when addr lies in LIB, else null. dladdr is not async-signal-safe in
   general, but this process only ever takes one synchronous fault and then exits. */
static void print_offset(uintptr_t addr) {
  Dl_info info;
  if (addr != 0 && dladdr((void *)addr, &info) && (uintptr_t)info.dli_fbase == lib_base)
    printf("\"0x%lx\"", (unsigned long)(addr - lib_base));
  else
    printf("null");
}

static void on_signal(int signo, siginfo_t *info, void *context) {
  ucontext_t *uc = context;
  uintptr_t addr = (uintptr_t)info->si_addr;
  uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
  printf("{\"signal\":\"%s\",\"signo\":%d,\"code\":%d,\"addr\":\"0x%lx\",\"addrOffset\":", signal_name(signo), signo,
         info->si_code, (unsigned long)addr);
  print_offset(addr);
  printf(",\"rip\":\"0x%lx\",\"ripOffset\":", (unsigned long)rip);
  print_offset(rip);
  printf(",\"base\":\"0x%lx\"}\n", (unsigned long)lib_base);
  fflush(stdout);
  _exit(0);
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 9) {
    fprintf(stderr, "usage: signal_probe LIB SYMBOL [INTEGER...]\n");
    return 2;
  }
  long args[6] = {0};
  for (int k = 3; k < argc; k++) args[k - 3] = strtol(argv[k], NULL, 0);

  void *handle = dlopen(argv[1], RTLD_NOW);
  if (!handle) { fprintf(stderr, "signal_probe: dlopen failed: %s\n", dlerror()); return 2; }
  void *target = dlsym(handle, argv[2]);
  if (!target) { fprintf(stderr, "signal_probe: symbol not found: %s\n", argv[2]); return 2; }
  Dl_info info;
  if (!dladdr(target, &info)) { fprintf(stderr, "signal_probe: dladdr failed\n"); return 2; }
  lib_base = (uintptr_t)info.dli_fbase;

  /* An alternate stack, so even a stack fault is reported. */
  static char alt[1 << 16];
  stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  int signals[] = {SIGSEGV, SIGILL, SIGFPE, SIGTRAP, SIGBUS};
  for (size_t k = 0; k < sizeof signals / sizeof signals[0]; k++) sigaction(signals[k], &sa, NULL);

  long r = ((long (*)(long, long, long, long, long, long))target)(args[0], args[1], args[2], args[3], args[4],
                                                                    args[5]);
  printf("{\"returned\":\"%ld\",\"base\":\"0x%lx\"}\n", r, (unsigned long)lib_base);
  return 0;
}
