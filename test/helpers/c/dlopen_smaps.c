/* Oracle for picemu's sharing story: forks two children that each dlopen LIB and call SYMBOL (int(void))
   CALLS times, then, while both are alive, prints each child's results and its /proc/PID/smaps entries for
   LIB's mappings (and the anonymous mapping right after them: the bss), so the kernel's Shared_Clean /
   Private_Dirty figures for two processes can be compared with picemu's.
   Output: "child N pid P base 0x..", "result V" lines, then "vma start-end perms offset path" followed by
   that VMA's "Field: N kB" lines; "end" after each child. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
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
  int results[64];
  if (calls > 64) calls = 64;
  for (int k = 0; k < calls; k++) results[k] = f();
  /* Report results to the parent through the pipe, then wait until it has read our smaps. */
  if (write(ready_fd, &calls, sizeof calls) != sizeof calls) _exit(3);
  if (write(ready_fd, results, sizeof(int) * calls) != (ssize_t)(sizeof(int) * calls)) _exit(3);
  char c;
  if (read(go_fd, &c, 1) < 0) _exit(3);
  _exit(0);
}

static void print_smaps(pid_t pid, const char *path) {
  char name[64];
  snprintf(name, sizeof name, "/proc/%d/smaps", (int)pid);
  FILE *f = fopen(name, "r");
  if (!f) { perror(name); exit(1); }
  char line[4096];
  int in_lib = 0, printing = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long start, end, offset;
    char perms[8], dev[16];
    unsigned long inode;
    int pos = 0;
    if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %n", &start, &end, perms, &offset, dev, &inode, &pos) == 6) {
      const char *p = line + pos;
      while (*p == ' ') p++;
      char vpath[PATH_MAX];
      snprintf(vpath, sizeof vpath, "%s", p);
      vpath[strcspn(vpath, "\n")] = 0;
      int is_lib = strcmp(vpath, path) == 0;
      /* The anonymous mapping right after the library's last mapping is its bss. */
      printing = is_lib || (in_lib && vpath[0] == 0);
      in_lib = is_lib;
      if (printing) printf("vma %lx-%lx %s %lx %s\n", start, end, perms, offset, vpath);
      continue;
    }
    if (printing) fputs(line, stdout);
  }
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: %s LIB SYMBOL CALLS\n", argv[0]); return 2; }
  const char *lib = argv[1], *symbol = argv[2];
  int calls = atoi(argv[3]);
  char path[PATH_MAX];
  if (!realpath(lib, path)) { perror(lib); return 1; }
  pid_t pids[2];
  int ready[2][2], go[2][2];
  for (int n = 0; n < 2; n++) {
    if (pipe(ready[n]) || pipe(go[n])) { perror("pipe"); return 1; }
    pids[n] = fork();
    if (pids[n] == 0) { child(path, symbol, calls, ready[n][1], go[n][0]); }
  }
  int results[2][64], counts[2];
  for (int n = 0; n < 2; n++) {
    if (read(ready[n][0], &counts[n], sizeof(int)) != sizeof(int)) { fprintf(stderr, "child %d failed\n", n); return 1; }
    if (read(ready[n][0], results[n], sizeof(int) * counts[n]) != (ssize_t)(sizeof(int) * counts[n])) return 1;
  }
  /* Both children are alive and have called: now their smaps show what the two share. */
  for (int n = 0; n < 2; n++) {
    printf("child %d pid %d\n", n + 1, (int)pids[n]);
    for (int k = 0; k < counts[n]; k++) printf("result %d\n", results[n][k]);
    print_smaps(pids[n], path);
    printf("end\n");
  }
  fflush(stdout);
  for (int n = 0; n < 2; n++) { if (write(go[n][1], "x", 1) != 1) kill(pids[n], SIGKILL); waitpid(pids[n], NULL, 0); }
  return 0;
}
