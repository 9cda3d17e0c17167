/* host_cpuid: the host CPU's cpuid answers, one line per leaf asked on the command line as LEAF[.SUBLEAF]
   (hex): "leaf subleaf eax ebx ecx edx", all hex. */
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    char *dot = strchr(argv[i], '.');
    unsigned leaf = (unsigned)strtoul(argv[i], NULL, 16), sub = dot ? (unsigned)strtoul(dot + 1, NULL, 16) : 0;
    unsigned a, b, c, d;
    __cpuid_count(leaf, sub, a, b, c, d);
    printf("%x %x %x %x %x %x\n", leaf, sub, a, b, c, d);
  }
  return 0;
}
