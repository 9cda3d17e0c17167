/* A small program for `picemu gdbserver --exec` against native gdbserver: main calls a function, prints, and
   exits with a status taken from its argument (or dies by the signal an argument names). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) int twice(int x) { return 2 * x; }

int main(int argc, char **argv) {
  int status = argc > 1 ? atoi(argv[1]) : 0;
  if (argc > 2) raise(atoi(argv[2]));
  printf("twice(%d) = %d\n", status, twice(status));
  return status;
}
