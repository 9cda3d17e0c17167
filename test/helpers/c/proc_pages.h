/* What the dlopen_* oracles share: loading a library and looking up an int-returning function in a child,
   walking /proc/PID/smaps VMA by VMA (printing the "Field: N kB" lines of the VMAs a caller selects),
   reading /proc/PID/pagemap one character a page, and letting the paused children go.
   Included by test/helpers/c/dlopen_{smaps,cow}.c and test/loader/c/dlopen_resident.c. */
#ifndef PICEMU_PROC_PAGES_H
#define PICEMU_PROC_PAGES_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
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

/* dlopen(LIB, RTLD_NOW) in a child; on failure prints "dlopen: why" and exits 2. */
static inline void *child_dlopen(const char *lib) {
  void *h = dlopen(lib, RTLD_NOW);
  if (!h) { fprintf(stderr, "dlopen: %s\n", dlerror()); _exit(2); }
  return h;
}

/* dlsym(H, SYMBOL) in a child; on failure prints "dlsym: why" and exits 2. */
static inline void *child_dlsym(void *h, const char *symbol) {
  void *f = dlsym(h, symbol);
  if (!f) { fprintf(stderr, "dlsym: %s\n", dlerror()); _exit(2); }
  return f;
}

/* One VMA header line of /proc/PID/smaps; path is "" for an anonymous mapping. */
struct smaps_vma {
  unsigned long start, end, offset;
  char perms[8];
  char path[PATH_MAX];
};

/* Walks /proc/PID/smaps: at each VMA header calls select(vma, ctx), which may print; when it returns nonzero,
   the VMA's field lines ("Field: N kB" ...) are copied to stdout after it. Exits 1 when smaps cannot be read. */
static inline void walk_smaps(pid_t pid, int (*select)(const struct smaps_vma *, void *), void *ctx) {
  char name[64];
  snprintf(name, sizeof name, "/proc/%d/smaps", (int)pid);
  FILE *f = fopen(name, "r");
  if (!f) { perror(name); exit(1); }
  char line[4096];
  int printing = 0;
  struct smaps_vma vma;
  while (fgets(line, sizeof line, f)) {
    unsigned long inode;
    char dev[16];
    int pos = 0;
    if (sscanf(line, "%lx-%lx %7s %lx %15s %lu %n", &vma.start, &vma.end, vma.perms, &vma.offset, dev, &inode, &pos) == 6) {
      const char *p = line + pos;
      while (*p == ' ') p++;
      snprintf(vma.path, sizeof vma.path, "%s", p);
      vma.path[strcspn(vma.path, "\n")] = 0;
      printing = select(&vma, ctx);
      continue;
    }
    if (printing) fputs(line, stdout);
  }
  fclose(f);
}

/* Opens /proc/PID/pagemap; exits 1 when it cannot. */
static inline int open_pagemap(pid_t pid) {
  char name[64];
  snprintf(name, sizeof name, "/proc/%d/pagemap", (int)pid);
  int fd = open(name, O_RDONLY);
  if (fd < 0) { perror(name); exit(1); }
  return fd;
}

/* Pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst). */
#define PM_PRESENT(e) (((e) >> 63) & 1)
#define PM_FILE(e) (((e) >> 61) & 1)
#define PM_EXCLUSIVE(e) (((e) >> 56) & 1)

/* Prints "pages " and one character a page of [start, end), classify(pagemap entry), then a newline. */
static inline void print_pages(int pagemap, unsigned long start, unsigned long end, char (*classify)(uint64_t)) {
  long page = sysconf(_SC_PAGESIZE);
  fputs("pages ", stdout);
  for (unsigned long va = start; va < end; va += page) {
    uint64_t e = 0;
    if (pread(pagemap, &e, sizeof e, (off_t)(va / page) * 8) != sizeof e) { perror("pagemap"); exit(1); }
    putchar(classify(e));
  }
  putchar('\n');
}

/* Lets each paused child go (one byte on its go pipe; SIGKILL if that fails) and reaps it. */
static inline void release_children(const pid_t pids[2], int go[2][2]) {
  for (int n = 0; n < 2; n++) { if (write(go[n][1], "x", 1) != 1) kill(pids[n], SIGKILL); waitpid(pids[n], NULL, 0); }
}

#endif
