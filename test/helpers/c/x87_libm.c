/* x87_libm: glibc's long double functions and the libc paths that use the x87 control and environment
   (strtod/sscanf/printf under fesetround, fegetenv/fesetenv, fetestexcept), behind one entry point
   x87_run(fn, in, out) so picemu can call them from a shared library built from this file (-shared -fPIC), and
   the native build (-DNATIVE_MAIN) can run the same calls: stdin lines "FN INHEX", stdout lines "OUTHEX" (64 bytes). */
#define _GNU_SOURCE
#include <fenv.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libc's initializers do not run when picemu loads a library (process/load.ts): set up the thread's ctype
   table pointers, which printf's number formatting reads, as libc's own start-up does (harmless natively). */
extern void __ctype_init(void);

static const int ROUNDING[4] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};

/* in: up to two long doubles at 0 and 16 (or a string, or a rounding mode byte then a string at 16);
   out: 64 bytes. */
int x87_run(int fn, const unsigned char *in, unsigned char *out) {
  static int ready;
  if (!ready) {
    __ctype_init();
    ready = 1;
  }
  const long double *x = (const long double *)in;
  long double a = x[0], b = x[1];
  long double r = 0;
  double d = 0;
  switch (fn) {
    case 0: r = sinl(a); break;
    case 1: r = cosl(a); break;
    case 2: r = tanl(a); break;
    case 3: r = expl(a); break;
    case 4: r = logl(a); break;
    case 5: r = powl(a, b); break;
    case 6: r = sqrtl(a); break;
    case 7: r = atan2l(a, b); break;
    case 8: r = atanl(a); break;
    case 9: r = exp2l(a); break;
    case 10: r = log2l(a); break;
    case 11: r = log1pl(a); break;
    case 12: r = expm1l(a); break;
    case 13: r = fmodl(a, b); break;
    case 14: r = cbrtl(a); break;
    case 15: r = hypotl(a, b); break;
    case 16: r = log10l(a); break;
    case 17: r = remainderl(a, b); break;
    case 18: r = rintl(a); break;
    case 19: r = asinl(a); break;
    /* printf's long double path (__printf_fp) through strfroml, which formats in the C locale */
    case 20: return strfroml((char *)out, 64, "%.25g", a);
    case 21: return strfroml((char *)out, 64, "%.6f", a);
    case 22: r = strtold((const char *)in, NULL); break;
    case 23: /* strtod under a rounding mode (its rounding helper reads the x87 control word) */
      fesetround(ROUNDING[in[0] & 3]);
      d = strtod((const char *)in + 16, NULL);
      fesetround(FE_TONEAREST);
      memcpy(out, &d, 8);
      return 0;
    case 24: { /* sscanf("%lf") */
      int n = sscanf((const char *)in, "%lf", &d);
      memcpy(out, &d, 8);
      return n;
    }
    case 25: { /* an x87 division by zero and an inexact result, seen by fetestexcept (fnstsw) */
      feclearexcept(FE_ALL_EXCEPT);
      volatile long double z = 0, q = a / z, t = a / 3;
      (void)q;
      (void)t;
      return fetestexcept(FE_ALL_EXCEPT);
    }
    case 26: { /* fegetenv (fnstenv) / fesetenv (fldenv) around a directed-rounding long double division */
      fenv_t e;
      fegetenv(&e);
      fesetround(ROUNDING[in[0] & 3]);
      volatile long double n = b, q = n / 3;
      r = q;
      fesetenv(&e);
      break;
    }
    case 27: /* printf of a double under a rounding mode */
      fesetround(ROUNDING[in[0] & 3]);
      memcpy(&d, in + 16, 8);
      strfromd((char *)out, 64, "%.17g", d);
      fesetround(FE_TONEAREST);
      return fegetround();
    /* printf itself (needs libc's start-up: only in the exec'ed program) */
    case 28: return snprintf((char *)out, 64, "%Lf", a);
    case 29: return snprintf((char *)out, 64, "%.25Lg|%La", a, a);
    default:
      return -1;
  }
  memcpy(out, &r, 10);
  return 0;
}

#ifdef NATIVE_MAIN
static int hexval(int c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }
int main(void) {
  static char line[4096];
  while (fgets(line, sizeof line, stdin)) {
    int fn;
    char hex[512] = {0};
    unsigned char in[256] = {0}, out[64] = {0};
    if (sscanf(line, "%d %511s", &fn, hex) < 1) return 2;
    for (size_t i = 0; hex[2 * i] && hex[2 * i + 1] && i < sizeof in; i++) in[i] = (unsigned char)(hexval(hex[2 * i]) * 16 + hexval(hex[2 * i + 1]));
    int ret = x87_run(fn, in, out);
    printf("%d ", ret);
    for (int i = 0; i < 64; i++) printf("%02x", out[i]);
    printf("\n");
    fflush(stdout);
  }
  return 0;
}
#endif
