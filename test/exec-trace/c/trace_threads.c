/* trace_threads: a fork whose child writes a global (copy-on-write; built -z now, so the parent writes no GOT
   entry of that page after the fork), then two threads that each run `worker`;
   prints how many distinct thread ids ran `worker` (what an exec trace must show as the tids of its steps). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 2
long counted = 1;
static pid_t tids[THREADS];

__attribute__((noinline)) void *worker(void *arg) {
  long id = (long)arg;
  tids[id] = gettid();
  return NULL;
}

int main(void) {
  pid_t child = fork();
  if (child == 0) {
    counted = 42; /* the child's copy of the page */
    _exit(0);
  }
  int status;
  waitpid(child, &status, 0);
  pthread_t t[THREADS];
  for (long k = 0; k < THREADS; k++) pthread_create(&t[k], NULL, worker, (void *)k);
  for (long k = 0; k < THREADS; k++) pthread_join(t[k], NULL);
  int distinct = tids[0] != tids[1] && tids[0] != getpid() && tids[1] != getpid() ? THREADS : 0;
  printf("%d %ld %d\n", distinct, counted, WEXITSTATUS(status));
  return 0;
}
