/* Native run of swap_libraries (LIBSWAP A B): prints its result and the two bases ld.so gave A and B. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: %s LIBSWAP A B\n", argv[0]); return 2; }
  void *h = dlopen(argv[1], RTLD_NOW);
  if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  int (*swap)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(h, "swap_libraries");
  uintptr_t *bases = (uintptr_t *)dlsym(h, "swap_bases");
  int r = swap(argv[2], argv[3]);
  printf("result %d base_a %lx base_b %lx\n", r, (unsigned long)bases[0], (unsigned long)bases[1]);
  return 0;
}
