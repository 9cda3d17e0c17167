// The native side of the gdb comparisons: dlopen LIB, call SYMBOL (int (void)) N times, print each result.
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  void *h = dlopen(argv[1], RTLD_NOW);
  if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  int (*f)(void) = (int (*)(void))dlsym(h, argv[2]);
  int n = argc > 3 ? atoi(argv[3]) : 1;
  for (int k = 0; k < n; k++) printf("%d\n", f());
  return 0;
}
