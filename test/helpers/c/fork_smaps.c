/* fork_smaps: the kernel as oracle for fork's copy-on-write. dlopens LIB, calls SYMBOL (int SYMBOL(void))
   CALLS times, forks; the child serves "call" requests from the parent over a pipe. The parent prints, at each
   phase, for itself ("proc parent") and the child ("proc child"), LIB's VMAs ("vma +start +end perms", offsets
   from the load base), a "pages" line ('.' absent, 'S' mapped by more than one process, 'P' mapped only here;
   from pagemap's exclusive bit) and the smaps "Field: N kB" lines. Phases: "fork" (just after), "parent-call"
   (after the parent calls SYMBOL once more), "child-call" (after the child does). "result WHO N" for each call. */
#include "proc_pages.h"

static uintptr_t base;
static const char *lib_path;

static int select_lib(const struct smaps_vma *v, void *ctx) {
  int pm = *(int *)ctx;
  if (strcmp(v->path, lib_path) != 0) return 0;
  printf("vma +%lx +%lx %s\n", v->start - base, v->end - base, v->perms);
  long page = sysconf(_SC_PAGESIZE);
  fputs("pages ", stdout);
  for (unsigned long va = v->start; va < v->end; va += page) {
    uint64_t e = 0;
    if (pread(pm, &e, sizeof e, (off_t)(va / page) * 8) != sizeof e) { perror("pagemap"); exit(1); }
    putchar(!PM_PRESENT(e) ? '.' : PM_EXCLUSIVE(e) ? 'P' : 'S');
  }
  putchar('\n');
  return 1;
}

static void show(const char *phase, pid_t child) {
  printf("phase %s\n", phase);
  pid_t who[2] = { getpid(), child };
  for (int n = 0; n < 2; n++) {
    printf("proc %s\n", n ? "child" : "parent");
    fflush(stdout);
    int pm = open_pagemap(who[n]);
    walk_smaps(who[n], select_lib, &pm);
    close(pm);
  }
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: fork_smaps LIB SYMBOL CALLS\n"); return 2; }
  void *h = child_dlopen(argv[1]);
  int (*f)(void) = (int (*)(void))child_dlsym(h, argv[2]);
  Dl_info info;
  if (!dladdr((void *)f, &info)) return 2;
  base = (uintptr_t)info.dli_fbase;
  static char real[PATH_MAX];
  if (!realpath(argv[1], real)) return 2;
  lib_path = real;
  for (int k = 0; k < atoi(argv[3]); k++) printf("result parent %d\n", f());
  fflush(stdout);
  int req[2], ack[2];
  if (pipe(req) || pipe(ack)) return 1;
  pid_t child = fork();
  if (child == 0) {
    char c;
    while (read(req[0], &c, 1) == 1) {
      if (c == 'q') _exit(0);
      int r = f();
      if (write(ack[1], &r, sizeof r) != sizeof r) _exit(3);
    }
    _exit(0);
  }
  show("fork", child);
  printf("result parent %d\n", f());
  show("parent-call", child);
  int r;
  if (write(req[1], "c", 1) != 1 || read(ack[0], &r, sizeof r) != sizeof r) { kill(child, SIGKILL); return 1; }
  printf("result child %d\n", r);
  show("child-call", child);
  if (write(req[1], "q", 1) != 1) kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  return 0;
}
