/* Oracle for src/loader: dlopen(RTLD_NOW)s the library named by argv[1] and prints /proc/self/maps.
 * Prints `error: <dlerror>` and exits 1 when dlopen fails. Build with -ldl (harmless on glibc >= 2.34). */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: dlopen_maps LIB\n");
    return 2;
  }
  void *handle = dlopen(argv[1], RTLD_NOW);
  if (!handle) {
    printf("error: %s\n", dlerror());
    return 1;
  }
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[4096];
  while (fgets(line, sizeof line, maps)) fputs(line, stdout);
  fclose(maps);
  return 0;
}
