/* robust_mutex: robust mutexes whose owner dies holding them — a thread that exits (with and without a waiter
   blocked on the lock), a child process (shared memory) that exits, and one killed by SIGKILL: the next lock
   returns EOWNERDEAD (the kernel walked the owner's robust list), pthread_mutex_consistent makes it usable again. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t *m;
static volatile int locked;

static void init(pthread_mutex_t *mu, int shared) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  if (shared) pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(mu, &a);
}

static void *hold_and_exit(void *arg) {
  pthread_mutex_lock(m);
  locked = 1;
  if (arg) {
    struct timespec ts = {0, 100 * 1000 * 1000}; /* long enough for main to block on the lock */
    nanosleep(&ts, NULL);
  }
  return NULL; /* exits holding the lock */
}

static void report(const char *what, int r) {
  printf("%s: lock %s", what, r == EOWNERDEAD ? "EOWNERDEAD" : r == 0 ? "0" : "other");
  if (r == EOWNERDEAD) printf(", consistent %d", pthread_mutex_consistent(m));
  printf(", unlock %d, relock %d, unlock %d\n", pthread_mutex_unlock(m), pthread_mutex_lock(m), pthread_mutex_unlock(m));
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pthread_t t;

  init(m, 0);
  pthread_create(&t, NULL, hold_and_exit, NULL);
  pthread_join(t, NULL);
  report("thread exited", pthread_mutex_lock(m));

  init(m, 0);
  locked = 0;
  pthread_create(&t, NULL, hold_and_exit, (void *)1);
  while (!locked) sched_yield();
  report("thread exited while main waited", pthread_mutex_lock(m));
  pthread_join(t, NULL);

  init(m, 1);
  pid_t c = fork();
  if (c == 0) {
    pthread_mutex_lock(m);
    _exit(0);
  }
  waitpid(c, NULL, 0);
  report("process exited", pthread_mutex_lock(m));

  init(m, 1);
  c = fork();
  if (c == 0) {
    pthread_mutex_lock(m);
    raise(SIGKILL);
  }
  int st;
  waitpid(c, &st, 0);
  report(WIFSIGNALED(st) ? "process killed" : "process not killed", pthread_mutex_lock(m));
  return 0;
}
