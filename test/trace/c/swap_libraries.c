/* dlopen(A) and call swap_a, dlclose it, dlopen(B) at the address A left free and call swap_b: a trace across an
   munmap and an mmap of a different library at the same address. The bases (l_addr) are kept in swap_bases. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>

uintptr_t swap_bases[2];

static int call_one(const char *path, const char *symbol, int arg, uintptr_t *base) {
  void *h = dlopen(path, RTLD_NOW);
  if (!h) return -1000;
  int (*f)(int) = (int (*)(int))dlsym(h, symbol);
  struct link_map *map = 0;
  if (!f || dlinfo(h, RTLD_DI_LINKMAP, &map) != 0) return -2000;
  *base = map->l_addr;
  int r = f(arg);
  dlclose(h);
  return r;
}

int swap_libraries(const char *a, const char *b) {
  int ra = call_one(a, "swap_a", 1, &swap_bases[0]);
  int rb = call_one(b, "swap_b", 2, &swap_bases[1]);
  return ra * 1000 + rb;
}
