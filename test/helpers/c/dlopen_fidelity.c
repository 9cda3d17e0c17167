/* Oracle for page-for-page fidelity: forks two children that each dlopen(LIB, RTLD_NOW), one after the other; phase "load": while
   both are paused, prints for each child LIB's VMAs (and the anonymous VMA right after its last one: the bss)
   from /proc/PID/smaps with every field line, each VMA followed by a "pages" line from /proc/PID/pagemap, one
   character a page: '.' not present, 'F'/'f' a file page mapped by more than one process / only here (exclusive),
   'A'/'a' the same for anonymous pages. Then, when SYMBOL is given, each child calls it (int(void)) CALLS times
   and phase "call" prints the same again. The library file is read first, so it is in the page cache (below).
   Output: "phase NAME", "child N pid P", "vma start-end perms offset path", field lines, "pages ...". */
#include "proc_pages.h"

static void child(const char *lib, const char *symbol, int calls, int ready_fd, int go_fd) {
  void *h = child_dlopen(lib);
  char c = 'l';
  if (write(ready_fd, &c, 1) != 1) _exit(3);
  if (read(go_fd, &c, 1) != 1 || !symbol) _exit(0);
  int (*f)(void) = (int (*)(void))child_dlsym(h, symbol);
  for (int k = 0; k < calls; k++) (void)f();
  if (write(ready_fd, &c, 1) != 1) _exit(3);
  if (read(go_fd, &c, 1) < 0) _exit(3);
  _exit(0);
}

static char page_char(uint64_t e) {
  if (!PM_PRESENT(e)) return '.';
  return PM_FILE(e) ? (PM_EXCLUSIVE(e) ? 'f' : 'F') : (PM_EXCLUSIVE(e) ? 'a' : 'A');
}

struct lib_pages { const char *path; int pagemap; unsigned long last_end; };

static int select_lib(const struct smaps_vma *v, void *ctx) {
  struct lib_pages *l = ctx;
  int is_lib = strcmp(v->path, l->path) == 0;
  int bss = !is_lib && v->path[0] == 0 && v->start == l->last_end;
  l->last_end = is_lib ? v->end : 0;
  if (!is_lib && !bss) return 0;
  printf("vma %lx-%lx %s %lx %s\n", v->start, v->end, v->perms, v->offset, v->path);
  print_pages(l->pagemap, v->start, v->end, page_char);
  return 1;
}

static void snapshot(const char *phase, const pid_t pids[2], const char *path) {
  printf("phase %s\n", phase);
  for (int n = 0; n < 2; n++) {
    printf("child %d pid %d\n", n + 1, (int)pids[n]);
    struct lib_pages l = { path, open_pagemap(pids[n]), 0 };
    walk_smaps(pids[n], select_lib, &l);
    close(l.pagemap);
  }
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s LIB [SYMBOL CALLS]\n", argv[0]); return 2; }
  char path[PATH_MAX];
  if (!realpath(argv[1], path)) { perror(argv[1]); return 1; }
  const char *symbol = argc > 2 ? argv[2] : NULL;
  int calls = argc > 3 ? atoi(argv[3]) : 1;
  /* Put the file in the page cache, every page its own (order-0) folio, as the system's libraries are here:
     drop its cached pages (written back first), then read it page by page without readahead. (Large folios,
     which ext4 makes on readahead and writes since 6.16, are mapped whole by fault-around.) */
  int fd = open(path, O_RDONLY);
  if (fd < 0) { perror(path); return 1; }
  fdatasync(fd);
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
  static char page[4096];
  for (off_t at = 0; pread(fd, page, sizeof page, at) > 0; at += sizeof page) {}
  close(fd);
  pid_t pids[2];
  int ready[2][2], go[2][2];
  char c;
  for (int n = 0; n < 2; n++) {
    if (pipe(ready[n]) || pipe(go[n])) { perror("pipe"); return 1; }
    fflush(stdout);
    pids[n] = fork();
    if (pids[n] == 0) child(path, symbol, calls, ready[n][1], go[n][0]);
    /* One child at a time: two children faulting the same file pages at once make fault-around skip the folios
       the other holds locked (filemap_map_pages' trylock), so which pages each maps would be a race. */
    if (read(ready[n][0], &c, 1) != 1) { fprintf(stderr, "child %d failed\n", n + 1); return 1; }
  }
  snapshot("load", pids, path);
  if (symbol) {
    for (int n = 0; n < 2; n++) {
      if (write(go[n][1], "c", 1) != 1) return 1;
      if (read(ready[n][0], &c, 1) != 1) { fprintf(stderr, "child %d failed\n", n + 1); return 1; }
    }
    snapshot("call", pids, path);
  }
  release_children(pids, go);
  return 0;
}
