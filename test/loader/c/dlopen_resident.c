/* Oracle for which pages of a library are present after a native dlopen: forks two children that each
   dlopen(LIB, RTLD_NOW), dlsym SYMBOL and call it (int(void)) CALLS times; while both are alive, prints for
   each child LIB's mappings from /proc/PID/smaps, each followed by a "pages" line built from
   /proc/PID/pagemap (one character a page: '.' not present, 'S' present and mapped by more than one process,
   'P' present and mapped only here) and that VMA's "Field: N kB" smaps lines.
   Output: "child N pid P", then "vma start-end perms offset path", "pages ...", fields; "end" after each. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void child(const char *lib, const char *symbol, int calls, int ready_fd, int go_fd) {
  void *h = dlopen(lib, RTLD_NOW);
  if (!h) { fprintf(stderr, "dlopen: %s\n", dlerror()); _exit(2); }
  int (*f)(void) = (int (*)(void))dlsym(h, symbol);
  if (!f) { fprintf(stderr, "dlsym: %s\n", dlerror()); _exit(2); }
  for (int k = 0; k < calls; k++) (void)f();
  char c = 'r';
  if (write(ready_fd, &c, 1) != 1) _exit(3);
  if (read(go_fd, &c, 1) < 0) _exit(3);
  _exit(0);
}

static void print_pages(int pagemap, unsigned long start, unsigned long end) {
  long page = sysconf(_SC_PAGESIZE);
  fputs("pages ", stdout);
  for (unsigned long va = start; va < end; va += page) {
    uint64_t e = 0;
    if (pread(pagemap, &e, sizeof e, (off_t)(va / page) * 8) != sizeof e) { perror("pagemap"); exit(1); }
    int present = (e >> 63) & 1, exclusive = (e >> 56) & 1;
    putchar(!present ? '.' : exclusive ? 'P' : 'S');
  }
  putchar('\n');
}

static void print_smaps(pid_t pid, const char *path) {
  char name[64];
  snprintf(name, sizeof name, "/proc/%d/smaps", (int)pid);
  FILE *f = fopen(name, "r");
  if (!f) { perror(name); exit(1); }
  snprintf(name, sizeof name, "/proc/%d/pagemap", (int)pid);
  int pagemap = open(name, O_RDONLY);
  if (pagemap < 0) { perror(name); exit(1); }
  char line[4096];
  int printing = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long start, end, offset, inode;
    char perms[8], dev[16];
    int pos = 0;
    if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %n", &start, &end, perms, &offset, dev, &inode, &pos) == 6) {
      const char *p = line + pos;
      while (*p == ' ') p++;
      printing = strncmp(p, path, strlen(path)) == 0 && p[strlen(path)] == '\n';
      if (printing) {
        printf("vma %lx-%lx %s %lx %s\n", start, end, perms, offset, path);
        print_pages(pagemap, start, end);
      }
      continue;
    }
    if (printing) fputs(line, stdout);
  }
  close(pagemap);
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: %s LIB SYMBOL CALLS\n", argv[0]); return 2; }
  char path[PATH_MAX];
  if (!realpath(argv[1], path)) { perror(argv[1]); return 1; }
  int calls = atoi(argv[3]);
  pid_t pids[2];
  int ready[2][2], go[2][2];
  for (int n = 0; n < 2; n++) {
    if (pipe(ready[n]) || pipe(go[n])) { perror("pipe"); return 1; }
    pids[n] = fork();
    if (pids[n] == 0) child(path, argv[2], calls, ready[n][1], go[n][0]);
  }
  for (int n = 0; n < 2; n++) {
    char c;
    if (read(ready[n][0], &c, 1) != 1) { fprintf(stderr, "child %d failed\n", n); return 1; }
  }
  /* Both children have loaded and called: their smaps and pagemaps show what the two share. */
  for (int n = 0; n < 2; n++) {
    printf("child %d pid %d\n", n + 1, (int)pids[n]);
    print_smaps(pids[n], path);
    printf("end\n");
  }
  fflush(stdout);
  for (int n = 0; n < 2; n++) { if (write(go[n][1], "x", 1) != 1) kill(pids[n], SIGKILL); waitpid(pids[n], NULL, 0); }
  return 0;
}
