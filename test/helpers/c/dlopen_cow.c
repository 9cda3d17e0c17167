/* Oracle for a copy-on-write break in a library's data page (fixtures/libcowdata.so): forks two children that
   each dlopen LIB and serve commands from the parent: "get K" calls cow_get(K), "set K V" calls cow_set(K, V).
   The parent runs: both get K; phase "read"; child 1 sets K to V, then gets K; child 2 gets K; phase "write".
   At each phase, for each child, it prints LIB's VMAs from /proc/PID/smaps (offsets relative to the load
   base), each with a "pages" line from /proc/PID/pagemap, one character a page: '.' not present, 'S' a file
   (page-cache) page mapped by more than one process, 'F' a file page mapped only here, 'A' an anonymous page
   (a private copy made by a write), then that VMA's "Field: N kB" lines.
   Output: "child N pid P", "result N V" for each call's return value, then per phase "phase NAME",
   "child N", "vma +start +end perms", "pages ...", fields, "end". */
#include "proc_pages.h"

struct cmd { char op; int k, v; };

static void child(const char *lib, int in_fd, int out_fd) {
  void *h = child_dlopen(lib);
  int (*get)(int) = (int (*)(int))child_dlsym(h, "cow_get");
  int (*set)(int, int) = (int (*)(int, int))child_dlsym(h, "cow_set");
  Dl_info info;
  if (!dladdr((void *)get, &info)) _exit(2);
  uintptr_t base = (uintptr_t)info.dli_fbase;
  if (write(out_fd, &base, sizeof base) != sizeof base) _exit(3);
  struct cmd c;
  while (read(in_fd, &c, sizeof c) == sizeof c) {
    int r = c.op == 'g' ? get(c.k) : c.op == 's' ? set(c.k, c.v) : 0;
    if (c.op == 'q') _exit(0);
    if (write(out_fd, &r, sizeof r) != sizeof r) _exit(3);
  }
  _exit(0);
}

static char page_char(uint64_t e) { return !PM_PRESENT(e) ? '.' : !PM_FILE(e) ? 'A' : PM_EXCLUSIVE(e) ? 'F' : 'S'; }

struct lib_pages { const char *path; uintptr_t base; int pagemap; };

static int select_lib(const struct smaps_vma *v, void *ctx) {
  struct lib_pages *l = ctx;
  if (strcmp(v->path, l->path) != 0) return 0;
  printf("vma %lx %lx %s\n", v->start - l->base, v->end - l->base, v->perms);
  print_pages(l->pagemap, v->start, v->end, page_char);
  return 1;
}

static void print_smaps(pid_t pid, const char *path, uintptr_t base) {
  struct lib_pages l = { path, base, open_pagemap(pid) };
  walk_smaps(pid, select_lib, &l);
  close(l.pagemap);
}

static int to[2][2], from[2][2];

static int send(int n, char op, int k, int v) {
  struct cmd c = { op, k, v };
  int r;
  if (write(to[n][1], &c, sizeof c) != sizeof c || read(from[n][0], &r, sizeof r) != sizeof r) {
    fprintf(stderr, "child %d failed\n", n + 1);
    exit(1);
  }
  printf("result %d %d\n", n + 1, r);
  return r;
}

int main(int argc, char **argv) {
  if (argc < 4) { fprintf(stderr, "usage: %s LIB K V\n", argv[0]); return 2; }
  char path[PATH_MAX];
  if (!realpath(argv[1], path)) { perror(argv[1]); return 1; }
  int k = atoi(argv[2]), v = atoi(argv[3]);
  pid_t pids[2];
  uintptr_t bases[2];
  for (int n = 0; n < 2; n++) {
    if (pipe(to[n]) || pipe(from[n])) { perror("pipe"); return 1; }
    pids[n] = fork();
    if (pids[n] == 0) child(path, to[n][0], from[n][1]);
    if (read(from[n][0], &bases[n], sizeof bases[n]) != sizeof bases[n]) { fprintf(stderr, "child %d failed\n", n + 1); return 1; }
    printf("child %d pid %d\n", n + 1, (int)pids[n]);
  }
  send(0, 'g', k, 0);
  send(1, 'g', k, 0);
  printf("phase read\n");
  for (int n = 0; n < 2; n++) { printf("child %d\n", n + 1); print_smaps(pids[n], path, bases[n]); }
  send(0, 's', k, v);
  send(0, 'g', k, 0);
  send(1, 'g', k, 0);
  printf("phase write\n");
  for (int n = 0; n < 2; n++) { printf("child %d\n", n + 1); print_smaps(pids[n], path, bases[n]); }
  printf("end\n");
  fflush(stdout);
  for (int n = 0; n < 2; n++) {
    struct cmd c = { 'q', 0, 0 };
    if (write(to[n][1], &c, sizeof c) != sizeof c) kill(pids[n], SIGKILL);
    waitpid(pids[n], NULL, 0);
  }
  return 0;
}
