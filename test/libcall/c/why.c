/* The everyday libc calls that failed before libraries were opened by the real ld.so (issue 9's "Why" list),
   each wrapped to take and return what `picemu run` and native_call pass: integers, strings, doubles. */
#define _GNU_SOURCE
#include <ctype.h>
#include <iconv.h>
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char out[256];

int why_isalpha(int c) { return isalpha(c) != 0; }
int why_toupper(int c) { return toupper(c); }

/* Offset of needle in haystack ignoring case, -1 when absent. */
long why_strcasestr(const char *haystack, const char *needle) {
  const char *p = strcasestr(haystack, needle);
  return p ? p - haystack : -1;
}

/* regcomp(REG_EXTENDED) + regexec: "start,end" of the match, or "nomatch", or "error N". */
const char *why_regex(const char *pattern, const char *text) {
  regex_t re;
  regmatch_t m[1];
  int rc = regcomp(&re, pattern, REG_EXTENDED);
  if (rc != 0) { snprintf(out, sizeof out, "error %d", rc); return out; }
  rc = regexec(&re, text, 1, m, 0);
  if (rc == 0) snprintf(out, sizeof out, "%d,%d", (int)m[0].rm_so, (int)m[0].rm_eo);
  else snprintf(out, sizeof out, "nomatch");
  regfree(&re);
  return out;
}

/* iconv from UTF-8 to `to`: the output bytes in hex, or "error". */
const char *why_iconv(const char *to, const char *text) {
  iconv_t cd = iconv_open(to, "UTF-8");
  if (cd == (iconv_t)-1) return "iconv_open failed";
  char buf[64];
  char *in = (char *)text, *o = buf;
  size_t inleft = strlen(text), outleft = sizeof buf;
  size_t r = iconv(cd, &in, &inleft, &o, &outleft);
  iconv_close(cd);
  if (r == (size_t)-1) return "iconv failed";
  char *w = out;
  for (char *p = buf; p < o; p++) w += sprintf(w, "%02x", (unsigned char)*p);
  *w = 0;
  return out;
}

const char *why_format_f(double x) { snprintf(out, sizeof out, "%f|%.3e|%g", x, x, x); return out; }

double why_strtod(const char *s) { return strtod(s, NULL); }

static int compare_chars(const void *a, const void *b) { return *(const char *)a - *(const char *)b; }
/* The characters of s sorted with qsort (qsort asks sysinfo for the memory size on large inputs; this is small). */
const char *why_qsort(const char *s) {
  size_t n = strlen(s);
  if (n >= sizeof out) n = sizeof out - 1;
  memcpy(out, s, n);
  out[n] = 0;
  qsort(out, n, 1, compare_chars);
  return out;
}

/* localtime of t in time zone tz (read from /usr/share/zoneinfo), as strftime prints it. */
const char *why_localtime(const char *tz, long t) {
  setenv("TZ", tz, 1);
  tzset();
  time_t tt = t;
  struct tm tm;
  localtime_r(&tt, &tm);
  strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S %Z %z", &tm);
  return out;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static void once_init(void) { once_runs++; }
/* pthread_once called n times: the initializer runs once. */
int why_pthread_once(int n) {
  for (int i = 0; i < n; i++) pthread_once(&once, once_init);
  return once_runs;
}

/* malloc a block, realloc it past the mmap threshold many times (mremap moves it): the sum of bytes kept. */
long why_realloc(long mib) {
  size_t size = 1 << 20;
  unsigned char *p = malloc(size);
  if (!p) return -1;
  for (size_t i = 0; i < size; i++) p[i] = (unsigned char)i;
  for (long k = 2; k <= mib; k++) {
    unsigned char *q = realloc(p, (size_t)k << 20);
    if (!q) { free(p); return -2; }
    p = q;
    p[((size_t)k << 20) - 1] = (unsigned char)k;
  }
  long sum = 0;
  for (size_t i = 0; i < size; i++) sum += p[i];
  for (long k = 2; k <= mib; k++) sum += p[((size_t)k << 20) - 1];
  free(p);
  return sum;
}

static sigjmp_buf jump;
static void jump_back(int v) { siglongjmp(jump, v); }
/* sigsetjmp saving the signal mask (rt_sigprocmask), siglongjmp back with v. */
int why_sigsetjmp(int v) {
  int r = sigsetjmp(jump, 1);
  if (r == 0) jump_back(v);
  return r;
}

/* puts and printf to stdout (write), flushed: printf's count. */
int why_printf(const char *s) {
  puts(s);
  int n = printf("%s %d %.2f\n", s, 42, 2.5);
  fflush(stdout);
  return n;
}

/* A counter in .bss, for fork: each process counts on from where the fork left it. */
static int counted;
int why_count(void) { return counted++; }

/* time(NULL): read from the vDSO's data page (no system call). */
long why_time(void) { return (long)time(NULL); }
