/* Signals for gdb's signal-delivery stops: a SIGUSR1 sent by kill to a handler, a SIGSEGV from a fault, abort(). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int handled;

__attribute__((noinline)) void on_usr1(int sig) { handled = sig; }

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "usr1";
  signal(SIGUSR1, on_usr1);
  if (!strcmp(what, "usr1")) {
    kill(getpid(), SIGUSR1);
    printf("handled %d\n", handled);
    return 0;
  }
  if (!strcmp(what, "segv")) *(volatile int *)16 = 1;
  abort();
}
