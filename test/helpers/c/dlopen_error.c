// Prints, for each argument, "ok" or dlopen(RTLD_NOW)'s dlerror(): the oracle for the loader's open errors.
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    void *h = dlopen(argv[i], RTLD_NOW);
    printf("%s\n", h ? "ok" : dlerror());
  }
  return 0;
}
