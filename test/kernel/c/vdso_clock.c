/* vdso_clock: reads the clocks the way programs do (glibc sends them to the vDSO) and prints, one per line:
   time(NULL), CLOCK_REALTIME, CLOCK_REALTIME_COARSE, gettimeofday (whole seconds), and the CLOCK_MONOTONIC
   difference across a 20 ms nanosleep (in microseconds). Integers only, so no floating-point formatting. */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static long long ns(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void) {
  printf("%ld\n", (long)time(NULL));
  printf("%lld\n", ns(CLOCK_REALTIME) / 1000000000LL);
  printf("%lld\n", ns(CLOCK_REALTIME_COARSE) / 1000000000LL);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  printf("%ld\n", (long)tv.tv_sec);
  long long a = ns(CLOCK_MONOTONIC);
  struct timespec d = {0, 20000000};
  nanosleep(&d, NULL);
  printf("%lld\n", (ns(CLOCK_MONOTONIC) - a) / 1000);
  return 0;
}
