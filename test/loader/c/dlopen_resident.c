/* Oracle for which pages of a library are present after a native dlopen: forks two children that each
   dlopen(LIB, RTLD_NOW), dlsym SYMBOL and call it (int(void)) CALLS times; while both are alive, prints for
   each child LIB's mappings from /proc/PID/smaps, each followed by a "pages" line built from
   /proc/PID/pagemap (one character a page: '.' not present, 'S' present and mapped by more than one process,
   'P' present and mapped only here) and that VMA's "Field: N kB" smaps lines.
   Output: "child N pid P", then "vma start-end perms offset path", "pages ...", fields; "end" after each. */
#include "../../helpers/c/proc_pages.h"

static void child(const char *lib, const char *symbol, int calls, int ready_fd, int go_fd) {
  int (*f)(void) = (int (*)(void))child_dlsym(child_dlopen(lib), symbol);
  for (int k = 0; k < calls; k++) (void)f();
  char c = 'r';
  if (write(ready_fd, &c, 1) != 1) _exit(3);
  if (read(go_fd, &c, 1) < 0) _exit(3);
  _exit(0);
}

static char page_char(uint64_t e) { return !PM_PRESENT(e) ? '.' : PM_EXCLUSIVE(e) ? 'P' : 'S'; }

struct lib_pages { const char *path; int pagemap; };

static int select_lib(const struct smaps_vma *v, void *ctx) {
  struct lib_pages *l = ctx;
  if (strcmp(v->path, l->path) != 0) return 0;
  printf("vma %lx-%lx %s %lx %s\n", v->start, v->end, v->perms, v->offset, l->path);
  print_pages(l->pagemap, v->start, v->end, page_char);
  return 1;
}

static void print_smaps(pid_t pid, const char *path) {
  struct lib_pages l = { path, open_pagemap(pid) };
  walk_smaps(pid, select_lib, &l);
  close(l.pagemap);
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
    /* One child at a time, as picemu runs its two processes: concurrent faults on the same file pages make
       fault-around skip folios the other child holds locked, so the pages each maps would be a race. */
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
  release_children(pids, go);
  return 0;
}
