/* Oracle for picemu's sharing story: forks two children that each dlopen LIB and call SYMBOL (int(void))
   CALLS times, then, while both are alive, prints each child's results and its /proc/PID/smaps entries for
   LIB's mappings (and the anonymous mapping right after them: the bss), so the kernel's Shared_Clean /
   Private_Dirty figures for two processes can be compared with picemu's.
   Output: "child N pid P base 0x..", "result V" lines, then "vma start-end perms offset path" followed by
   that VMA's "Field: N kB" lines; "end" after each child. */
#include "proc_pages.h"

static void child(const char *lib, const char *symbol, int calls, int ready_fd, int go_fd) {
  int (*f)(void) = (int (*)(void))child_dlsym(child_dlopen(lib), symbol);
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

struct lib_vmas { const char *path; int in_lib; };

/* LIB's VMAs and the anonymous mapping right after the library's last mapping (its bss). */
static int select_lib(const struct smaps_vma *v, void *ctx) {
  struct lib_vmas *l = ctx;
  int is_lib = strcmp(v->path, l->path) == 0;
  int printing = is_lib || (l->in_lib && v->path[0] == 0);
  l->in_lib = is_lib;
  if (printing) printf("vma %lx-%lx %s %lx %s\n", v->start, v->end, v->perms, v->offset, v->path);
  return printing;
}

static void print_smaps(pid_t pid, const char *path) {
  struct lib_vmas l = { path, 0 };
  walk_smaps(pid, select_lib, &l);
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: %s LIB SYMBOL CALLS\n", argv[0]); return 2; }
  const char *lib = argv[1], *symbol = argv[2];
  int calls = atoi(argv[3]);
  char path[PATH_MAX];
  if (!realpath(lib, path)) { perror(lib); return 1; }
  pid_t pids[2];
  int ready[2][2], go[2][2];
  int results[2][64], counts[2];
  for (int n = 0; n < 2; n++) {
    if (pipe(ready[n]) || pipe(go[n])) { perror("pipe"); return 1; }
    pids[n] = fork();
    if (pids[n] == 0) { child(path, symbol, calls, ready[n][1], go[n][0]); }
    /* One child at a time, as picemu runs its two processes: concurrent faults on the same file pages make
       fault-around skip folios the other child holds locked, so the pages each maps would be a race. */
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
  release_children(pids, go);
  return 0;
}
