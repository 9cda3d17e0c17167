/* Oracle for the placement of a whole dependency tree: prints this process's /proc/self/maps ("before ..."
   lines), dlopen(LIB, RTLD_NOW), then prints it again ("after ..." lines). Run it under setarch -R, so the
   mmap base is the kernel's fixed one. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static char before[1 << 16], after[1 << 16];

static void slurp(char *buf, size_t size) {
  FILE *f = fopen("/proc/self/maps", "r");
  size_t n = fread(buf, 1, size - 1, f);
  buf[n] = 0;
  fclose(f);
}

static void print(const char *tag, char *buf) {
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) printf("%s %s\n", tag, line);
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s LIB\n", argv[0]); return 2; }
  slurp(before, sizeof before);
  if (!dlopen(argv[1], RTLD_NOW)) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 1; }
  slurp(after, sizeof after);
  print("before", before);
  print("after", after);
  return 0;
}
