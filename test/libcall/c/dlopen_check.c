/* dlopen_check LIB: dlopen(LIB, RTLD_NOW) natively; prints "ok" or "error: <dlerror()>" (exit 0 either way). */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: dlopen_check LIB\n"); return 2; }
  void *h = dlopen(argv[1], RTLD_NOW);
  if (h) printf("ok\n");
  else printf("error: %s\n", dlerror());
  fflush(stdout);
  return 0;
}
