/* Oracle for smaps_rollup: reads this process's /proc/self/smaps and then /proc/self/smaps_rollup into buffers
   touched beforehand (so nothing in the process changes between the two reads), then prints both, the rollup
   after a line "ROLLUP". */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char smaps[1 << 20], rollup[1 << 14];

static size_t slurp(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY);
  size_t n = 0;
  ssize_t r;
  while (fd >= 0 && n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0) n += (size_t)r;
  if (fd >= 0) close(fd);
  buf[n] = 0;
  return n;
}

int main(void) {
  memset(smaps, 1, sizeof smaps);
  memset(rollup, 1, sizeof rollup);
  size_t a = slurp("/proc/self/smaps", smaps, sizeof smaps);
  size_t b = slurp("/proc/self/smaps_rollup", rollup, sizeof rollup);
  fwrite(smaps, 1, a, stdout);
  fputs("ROLLUP\n", stdout);
  fwrite(rollup, 1, b, stdout);
  return 0;
}
