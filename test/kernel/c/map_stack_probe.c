/* MAP_STACK between two plain anonymous mappings: the kernel (since 6.7) gives it VM_NOHUGEPAGE, so the three do
   not merge (glibc's thread stacks are such mappings). Prints, relative to the first mapping, each VMA of the
   range and its smaps VmFlags; then after MADV_DONTNEED of the stack page (glibc frees thread stacks so). */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static void show(const char *phase, char *a) {
  printf("%s\n", phase);
  FILE *f = fopen("/proc/self/smaps", "r");
  char line[512];
  int in = 0;
  while (fgets(line, sizeof line, f)) {
    unsigned long s, e;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) == 3 && strchr(line, ':') && line[8] != ':') {
      in = s >= (unsigned long)a && s < (unsigned long)a + 3 * 4096;
      if (in) printf("vma +%lx +%lx %s\n", s - (unsigned long)a, e - (unsigned long)a, perms);
    } else if (in && strncmp(line, "VmFlags:", 8) == 0) fputs(line, stdout);
  }
  fclose(f);
}

int main(void) {
  char *a = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (a == MAP_FAILED) return 1;
  munmap(a + 4096, 4096);
  char *b = mmap(a + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_FIXED, -1, 0);
  if (b != a + 4096) return 1;
  b[0] = 1;
  show("mapped", a);
  madvise(b, 4096, MADV_DONTNEED);
  show("dontneed", a);
  return 0;
}
