/* Oracle for mmap placement (get_unmapped_area): prints this process's /proc/self/maps as it is before
   anything is placed ("vma START END FLAGS" lines, FLAGS "gd" for [stack]), then runs the requests given
   as arguments and prints where each landed ("at ADDR").
   Requests: anon:LEN (MAP_PRIVATE|MAP_ANONYMOUS), shanon:LEN (MAP_SHARED|MAP_ANONYMOUS),
   file:LEN:OFF (MAP_PRIVATE of FILE), hint:ADDR:LEN (anonymous with a hint), fhint:ADDR:LEN:OFF (file with a
   hint), grows:LEN (MAP_GROWSDOWN); numbers in hex. The first argument is FILE. Run it under setarch -R. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s FILE REQUEST...\n", argv[0]); return 2; }
  int fd = open(argv[1], O_RDONLY);
  if (fd < 0) { perror(argv[1]); return 1; }
  /* Read the maps into memory first: printing allocates, and stdio's buffer must not land mid-sequence. */
  static char maps[1 << 16];
  FILE *f = fopen("/proc/self/maps", "r");
  size_t n = fread(maps, 1, sizeof maps - 1, f);
  fclose(f);
  maps[n] = 0;
  static unsigned long results[256];
  int count = 0;
  for (int i = 2; i < argc && count < 256; i++) {
    char kind[16];
    unsigned long a = 0, b = 0, c = 0;
    if (sscanf(argv[i], "%15[a-z]:%lx:%lx:%lx", kind, &a, &b, &c) < 2) { fprintf(stderr, "bad request %s\n", argv[i]); return 2; }
    void *p = MAP_FAILED;
    if (!strcmp(kind, "anon")) p = mmap(0, a, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    else if (!strcmp(kind, "shanon")) p = mmap(0, a, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    else if (!strcmp(kind, "file")) p = mmap(0, a, PROT_READ, MAP_PRIVATE, fd, b);
    else if (!strcmp(kind, "hint")) p = mmap((void *)a, b, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    else if (!strcmp(kind, "fhint")) p = mmap((void *)a, b, PROT_READ, MAP_PRIVATE, fd, c);
    else if (!strcmp(kind, "grows")) p = mmap(0, a, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
    if (p == MAP_FAILED) { perror(argv[i]); return 1; }
    results[count++] = (unsigned long)p;
  }
  for (char *line = strtok(maps, "\n"); line; line = strtok(NULL, "\n")) {
    unsigned long start, end;
    if (sscanf(line, "%lx-%lx", &start, &end) == 2) printf("vma %lx %lx %s\n", start, end, strstr(line, "[stack]") ? "gd" : "-");
  }
  for (int i = 0; i < count; i++) printf("at %lx\n", results[i]);
  return 0;
}
