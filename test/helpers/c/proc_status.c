/* proc_status: the kernel as oracle for /proc/PID/status, statm and stat figures. dlopens LIB (argv[1]) so a
   library is mapped, then, without allocating (static buffers, raw read), reads its own /proc/self/maps, one
   pagemap entry per page of every VMA below the vsyscall page, and status, statm, stat. Prints sections:
     == maps\n<maps>== pagemap\n<start-hex> <one char per page: . absent, f present file page, a present other>\n...
     == status\n<status>== statm\n<statm>== stat\n<stat>== end */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char maps[1 << 16], status[1 << 14], statm[256], stat_[1024];
static char pages[1 << 20];
static uint64_t entries[1 << 14];

static size_t slurp(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY);
  size_t n = 0;
  ssize_t r;
  while (fd >= 0 && n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0) n += (size_t)r;
  if (fd >= 0) close(fd);
  buf[n] = 0;
  return n;
}

int main(int argc, char **argv) {
  if (argc < 2 || !dlopen(argv[1], RTLD_NOW)) return 2;
  memset(pages, 0, sizeof pages);
  memset(entries, 0, sizeof entries);
  slurp("/proc/self/maps", maps, sizeof maps);
  int pm = open("/proc/self/pagemap", O_RDONLY);
  size_t at = 0;
  for (char *line = maps; *line;) {
    char *nl = strchr(line, '\n');
    unsigned long start = strtoul(line, NULL, 16), end = strtoul(strchr(line, '-') + 1, NULL, 16);
    if (start < 0xffffffffff600000UL) {
      size_t n = (end - start) / 4096;
      at += (size_t)sprintf(pages + at, "%lx ", start);
      for (size_t done = 0; done < n;) {
        size_t chunk = n - done < 16384 ? n - done : 16384;
        pread(pm, entries, chunk * 8, (off_t)((start / 4096 + done) * 8));
        for (size_t i = 0; i < chunk; i++)
          pages[at++] = !(entries[i] >> 63) ? '.' : (entries[i] >> 61) & 1 ? 'f' : 'a';
        done += chunk;
      }
      pages[at++] = '\n';
    }
    line = nl ? nl + 1 : line + strlen(line);
  }
  slurp("/proc/self/status", status, sizeof status);
  slurp("/proc/self/statm", statm, sizeof statm);
  slurp("/proc/self/stat", stat_, sizeof stat_);
  printf("== maps\n%s== pagemap\n%s== status\n%s== statm\n%s== stat\n%s== end\n", maps, pages, status, statm, stat_);
  return 0;
}
