/* native_call: the native-call oracle. dlopens LIB (RTLD_NOW) and calls SYMBOL CALLS times in this process,
   printing one line per call, so tests can compare picemu's results with what the real machine computes.

   usage: native_call LIB SYMBOL CALLS RET [ARG...]
     RET: int | uint | long | ulong | ptr (0x hex) | f64 (the bits, "f64:0x" + 16 hex digits; the TS side
          formats them) | cstr (the NUL-terminated string at the returned address, "(null)" for 0) | void
          (an empty line)
     ARG: an integer (decimal, negative, 0x hex), str:TEXT (a pointer to a NUL-terminated copy), hex:BYTES
          (a pointer to a buffer of those bytes), f64:NUMBER (a double, in the next xmm register).
   The copies behind str:/hex: are made once, so every call sees the same buffer (as picemu's `run` does).

   Calling convention: integer/pointer arguments and doubles go in separate register sequences under the
   System V AMD64 ABI (rdi, rsi, rdx, rcx, r8, r9; xmm0-7), each in order, whatever their interleaving in
   the prototype. So calling any function of up to 6 integer and 8 double parameters through one pointer
   type taking 6 longs and then doubles passes every argument where the callee looks for it; extra
   registers are ignored. The pointer type is variadic after the 6 longs so that the compiler sets al (the
   number of vector registers used) as a variadic callee requires. float parameters are not supported
   (a double is passed; the callee would read its low half). */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef long (*int_fn)(long, long, long, long, long, long, ...);
typedef double (*f64_fn)(long, long, long, long, long, long, ...);

static void die(const char *what, const char *detail) {
  fprintf(stderr, "native_call: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(2);
}

static long parse_integer(const char *text) {
  errno = 0;
  char *end = NULL;
  long value;
  if (text[0] == '-') value = strtol(text, &end, 0);
  else value = (long)strtoul(text, &end, 0);
  if (errno != 0 || end == text || *end != 0) die("bad integer argument", text);
  return value;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int main(int argc, char **argv) {
  if (argc < 5) die("usage: native_call LIB SYMBOL CALLS RET [ARG...]", NULL);
  const char *lib = argv[1], *symbol = argv[2], *ret = argv[4];
  long calls = parse_integer(argv[3]);

  long ints[6] = {0};
  double f64s[8] = {0};
  int nints = 0, nf64 = 0;
  for (int k = 5; k < argc; k++) {
    const char *arg = argv[k];
    if (strncmp(arg, "f64:", 4) == 0) {
      if (nf64 == 8) die("more than 8 double arguments", arg);
      char *end = NULL;
      f64s[nf64++] = strtod(arg + 4, &end);
      if (end == arg + 4 || *end != 0) die("bad f64 argument", arg);
      continue;
    }
    if (nints == 6) die("more than 6 integer/pointer arguments", arg);
    if (strncmp(arg, "str:", 4) == 0) {
      ints[nints++] = (long)strdup(arg + 4);
    } else if (strncmp(arg, "hex:", 4) == 0) {
      const char *hex = arg + 4;
      size_t n = strlen(hex);
      if (n % 2 != 0) die("hex argument has an odd number of digits", arg);
      unsigned char *buf = malloc(n / 2 + 1);
      for (size_t j = 0; j < n / 2; j++) {
        int hi = hex_digit(hex[2 * j]), lo = hex_digit(hex[2 * j + 1]);
        if (hi < 0 || lo < 0) die("bad hex argument", arg);
        buf[j] = (unsigned char)(hi * 16 + lo);
      }
      ints[nints++] = (long)buf;
    } else {
      ints[nints++] = parse_integer(arg);
    }
  }

  void *handle = dlopen(lib, RTLD_NOW);
  if (!handle) die("dlopen failed", dlerror());
  void *target = dlsym(handle, symbol);
  if (!target) die("symbol not found", symbol);

  for (long c = 0; c < calls; c++) {
    if (strcmp(ret, "f64") == 0) {
      double r = ((f64_fn)target)(ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], f64s[0], f64s[1],
                                  f64s[2], f64s[3], f64s[4], f64s[5], f64s[6], f64s[7]);
      uint64_t bits;
      memcpy(&bits, &r, sizeof bits);
      printf("f64:0x%016" PRIx64 "\n", bits);
      fflush(stdout);
      continue;
    }
    long r = ((int_fn)target)(ints[0], ints[1], ints[2], ints[3], ints[4], ints[5], f64s[0], f64s[1], f64s[2],
                              f64s[3], f64s[4], f64s[5], f64s[6], f64s[7]);
    if (strcmp(ret, "int") == 0) printf("%d\n", (int)r);
    else if (strcmp(ret, "uint") == 0) printf("%u\n", (unsigned)r);
    else if (strcmp(ret, "long") == 0) printf("%ld\n", r);
    else if (strcmp(ret, "ulong") == 0) printf("%lu\n", (unsigned long)r);
    else if (strcmp(ret, "ptr") == 0) printf("0x%lx\n", (unsigned long)r);
    else if (strcmp(ret, "cstr") == 0) printf("%s\n", r ? (const char *)r : "(null)");
    else if (strcmp(ret, "void") == 0) printf("\n");
    else die("unknown return type", ret);
    fflush(stdout);
  }
  return 0;
}
