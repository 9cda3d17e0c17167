/* Oracle for src/mm: runs a script of mmap/mprotect/munmap/read/write steps (on stdin) against the
 * real kernel and prints, for every VMA inside the script's arena, its /proc/self/maps line and its
 * /proc/self/smaps block. Addresses in the script are page numbers inside the arena.
 *
 *   file PATH [rw]               file for file mappings (opened O_RDONLY, or O_RDWR with rw)
 *   procs N                      1 (default) or 2: the script runs in two processes in lockstep
 *   arena NPAGES                 reserve NPAGES pages PROT_NONE, anonymous, wherever mmap puts them
 *   map PAGE NPAGES PROT KIND [FILEPAGE]   MAP_FIXED; PROT as r-x or ---; KIND private|shared|anon|shared-anon
 *   unmap PAGE NPAGES
 *   protect PAGE NPAGES PROT
 *   read PAGE | write PAGE       touch one byte of that page; a fault is caught and reported as
 *                                `fault STEP SIGSEGV|SIGBUS` before the VMAs (the step counts from 1)
 *
 * The kernel maps more than the touched page of a file on a read fault: read-around brings
 * neighbouring pages into the page cache (as large folios, mapped whole) and fault-around maps
 * neighbouring cached pages. picemu models pure demand paging, so this helper writes the file back
 * once when it opens it (fsync), drops its cached pages before each touch (POSIX_FADV_DONTNEED
 * page by page, which leaves mapped pages; pages dirtied through a shared mapping are skipped, as
 * DONTNEED would write them back) and touches a file page under MADV_RANDOM (no read-around), then
 * restores MADV_NORMAL (the VMAs merge back). Scripts must not map one file page twice in one
 * process, or fault-around could map it. A page written through a shared mapping does not stay
 * dirty reliably (writeback of its neighbours or of its large folio cleans it): scripts that
 * compare Shared_Dirty/Pss_Dirty of such pages are not reliable. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL
#define MAX_STEPS 512

static char *steps[MAX_STEPS];
static int nsteps;
static int fd = -1;
static char *arena;
static size_t arena_len;
static sigjmp_buf on_fault;
static char faults[8192];
static int current_step;

static void fault_handler(int sig) {
  siglongjmp(on_fault, sig);
}

static void die(const char *what, const char *line) {
  fprintf(stderr, "mm_ops: %s: %s\n", what, line);
  exit(2);
}

static int parse_prot(const char *s) {
  if (strlen(s) != 3) die("bad prot", s);
  return (s[0] == 'r' ? PROT_READ : 0) | (s[1] == 'w' ? PROT_WRITE : 0) | (s[2] == 'x' ? PROT_EXEC : 0);
}

/* The file page behind p and whether its mapping is shared, from /proc/self/maps; -1 if p is not in a file mapping. */
static long file_page_of(char *p, int *shared) {
  char line[512], perms[8];
  FILE *f = fopen("/proc/self/maps", "r");
  long page = -1;
  while (fgets(line, sizeof line, f)) {
    unsigned long s, e, off, ino;
    if (sscanf(line, "%lx-%lx %7s %lx %*s %lu", &s, &e, perms, &off, &ino) == 5 && (unsigned long)p >= s && (unsigned long)p < e) {
      if (ino != 0) page = (long)((off + ((unsigned long)p - s)) / PAGE);
      *shared = perms[3] == 's';
      break;
    }
  }
  fclose(f);
  return page;
}

/* File pages written through a shared mapping: dirty in the page cache; never dropped (fadvise
 * DONTNEED would write them back, and smaps would show them clean). */
static char shared_dirty[1 << 16];

static void drop_unmapped_cache(void) {
  off_t size = lseek(fd, 0, SEEK_END);
  for (long page = 0; page * (off_t)PAGE < size && page < (long)sizeof shared_dirty; page++)
    if (!shared_dirty[page]) posix_fadvise(fd, page * PAGE, PAGE, POSIX_FADV_DONTNEED);
}

static void touch(char *p, int write) {
  int shared = 0;
  long page = file_page_of(p, &shared);
  /* Marked before dropping: in lockstep the other process wrote this page a moment ago. */
  if (write && shared && page >= 0 && page < (long)sizeof shared_dirty) shared_dirty[page] = 1;
  if (fd >= 0) drop_unmapped_cache();
  if (page >= 0) madvise(p, PAGE, MADV_RANDOM);
  int sig = sigsetjmp(on_fault, 1);
  if (sig == 0) {
    if (write) *(volatile char *)p = 0x5a;
    else (void)*(volatile char *)p;
  } else {
    size_t used = strlen(faults);
    snprintf(faults + used, sizeof faults - used, "fault %d %s\n", current_step, sig == SIGBUS ? "SIGBUS" : "SIGSEGV");
  }
  if (page >= 0) madvise(p, PAGE, MADV_NORMAL);
}

static void run_step(const char *line) {
  char op[32], a[256] = "", b[64] = "", c[64] = "", d[64] = "", e[64] = "";
  int n = sscanf(line, "%31s %255s %63s %63s %63s %63s", op, a, b, c, d, e);
  if (n < 1) return;
  if (!strcmp(op, "file") || !strcmp(op, "procs")) return;
  if (!strcmp(op, "arena")) {
    arena_len = strtoul(a, 0, 0) * PAGE;
    arena = mmap(0, arena_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (arena == MAP_FAILED) die("arena mmap failed", line);
    return;
  }
  char *at = arena + strtoul(a, 0, 0) * PAGE;
  if (!strcmp(op, "map")) {
    size_t len = strtoul(b, 0, 0) * PAGE;
    int prot = parse_prot(c);
    int flags = MAP_FIXED;
    int mfd = -1;
    off_t off = 0;
    if (!strcmp(d, "private")) flags |= MAP_PRIVATE, mfd = fd, off = strtoul(e, 0, 0) * PAGE;
    else if (!strcmp(d, "shared")) flags |= MAP_SHARED, mfd = fd, off = strtoul(e, 0, 0) * PAGE;
    else if (!strcmp(d, "anon")) flags |= MAP_PRIVATE | MAP_ANONYMOUS;
    else if (!strcmp(d, "shared-anon")) flags |= MAP_SHARED | MAP_ANONYMOUS;
    else die("bad kind", line);
    if (mmap(at, len, prot, flags, mfd, off) == MAP_FAILED) die("mmap failed", line);
  } else if (!strcmp(op, "unmap")) {
    if (munmap(at, strtoul(b, 0, 0) * PAGE)) die("munmap failed", line);
  } else if (!strcmp(op, "protect")) {
    if (mprotect(at, strtoul(b, 0, 0) * PAGE, parse_prot(c))) die("mprotect failed", line);
  } else if (!strcmp(op, "read")) {
    touch(at, 0);
  } else if (!strcmp(op, "write")) {
    touch(at, 1);
  } else {
    die("unknown step", line);
  }
}

static void report(void) {
  char line[1024];
  FILE *f = fopen("/proc/self/smaps", "r");
  int on = 0;
  printf("arena %lx\n", (unsigned long)arena);
  fputs(faults, stdout);
  while (fgets(line, sizeof line, f)) {
    unsigned long s, e;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s ", &s, &e, perms) == 3 && strlen(perms) == 4) {
      on = s >= (unsigned long)arena && s < (unsigned long)arena + arena_len;
    }
    if (on) fputs(line, stdout);
  }
  fclose(f);
  fflush(stdout);
}

int main(void) {
  char buf[512];
  int procs = 1;
  signal(SIGSEGV, fault_handler);
  signal(SIGBUS, fault_handler);
  while (fgets(buf, sizeof buf, stdin)) {
    buf[strcspn(buf, "\n")] = 0;
    if (!buf[0] || buf[0] == '#') continue;
    if (nsteps == MAX_STEPS) die("too many steps", buf);
    steps[nsteps++] = strdup(buf);
    char path[256], mode[8] = "";
    if (sscanf(buf, "file %255s %7s", path, mode) >= 1) {
      fd = open(path, strcmp(mode, "rw") ? O_RDONLY : O_RDWR);
      if (fd < 0) die("cannot open", path);
      fsync(fd); /* the test just wrote it: clean pages can be dropped, and are not counted dirty */
      posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
    }
    sscanf(buf, "procs %d", &procs);
  }
  if (procs == 1) {
    for (int i = 0; i < nsteps; i++) current_step = i + 1, run_step(steps[i]);
    report();
    return 0;
  }
  int p2c[2], c2p[2];
  char token = 0;
  if (pipe(p2c) || pipe(c2p)) die("pipe", "");
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) die("fork", "");
  if (child == 0) {
    close(p2c[1]);
    close(c2p[0]);
    for (int i = 0; i < nsteps; i++) {
      if (read(p2c[0], &token, 1) != 1) _exit(3);
      current_step = i + 1;
      run_step(steps[i]);
      if (write(c2p[1], &token, 1) != 1) _exit(3);
    }
    if (read(p2c[0], &token, 1) != 1) _exit(3); /* stay mapped until the parent has reported */
    _exit(0);
  }
  close(p2c[0]);
  close(c2p[1]);
  for (int i = 0; i < nsteps; i++) {
    current_step = i + 1;
    run_step(steps[i]);
    if (write(p2c[1], &token, 1) != 1 || read(c2p[0], &token, 1) != 1) die("lockstep", steps[i]);
  }
  report();
  if (write(p2c[1], &token, 1) != 1) die("release", "");
  int status;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
