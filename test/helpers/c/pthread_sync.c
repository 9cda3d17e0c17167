/* pthread_sync: threads as glibc makes them (clone with CLONE_VM|CLONE_THREAD|CLONE_SETTLS|CLONE_PARENT_SETTID|
   CLONE_CHILD_CLEARTID, futexes): create/join with return values, a mutex-protected counter, a condition
   variable hand-off (producer/consumer), thread-local storage, pthread_once, a barrier, distinct thread ids
   in one process. Prints only values that do not depend on scheduling. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define THREADS 4
#define ROUNDS 2000
#define ITEMS 50

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static __thread long mine = 100;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_runs;
static pthread_barrier_t barrier;
static pid_t tids[THREADS];

static void init_once(void) { once_runs++; }

static void *worker(void *arg) {
  long id = (long)(intptr_t)arg;
  tids[id] = gettid();
  pthread_once(&once, init_once);
  for (int k = 0; k < ROUNDS; k++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
    mine++;
  }
  pthread_barrier_wait(&barrier);
  return (void *)(intptr_t)(mine * 10 + id);
}

/* A one-slot queue: the producer waits while it is full, the consumer while it is empty. */
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcond = PTHREAD_COND_INITIALIZER;
static int slot, full;

static void *producer(void *arg) {
  (void)arg;
  for (int i = 1; i <= ITEMS; i++) {
    pthread_mutex_lock(&qlock);
    while (full) pthread_cond_wait(&qcond, &qlock);
    slot = i;
    full = 1;
    pthread_cond_broadcast(&qcond);
    pthread_mutex_unlock(&qlock);
  }
  return NULL;
}

int main(void) {
  pthread_t t[THREADS];
  pthread_barrier_init(&barrier, NULL, THREADS);
  for (long i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
  for (long i = 0; i < THREADS; i++) {
    void *ret;
    pthread_join(t[i], &ret);
    printf("thread %ld returned %ld\n", i, (long)(intptr_t)ret);
  }
  printf("counter=%ld (expected %d) main's tls=%ld once_runs=%d\n", counter, THREADS * ROUNDS, mine, once_runs);
  int distinct = 1;
  for (int i = 0; i < THREADS; i++) {
    if (tids[i] == getpid()) distinct = 0;
    for (int j = 0; j < i; j++) if (tids[i] == tids[j]) distinct = 0;
  }
  printf("thread ids distinct from each other and from the process: %d\n", distinct);

  pthread_t p;
  pthread_create(&p, NULL, producer, NULL);
  long sum = 0;
  for (int i = 0; i < ITEMS; i++) {
    pthread_mutex_lock(&qlock);
    while (!full) pthread_cond_wait(&qcond, &qlock);
    sum += slot;
    full = 0;
    pthread_cond_broadcast(&qcond);
    pthread_mutex_unlock(&qlock);
  }
  pthread_join(p, NULL);
  printf("consumed %d items, sum %ld (expected %d)\n", ITEMS, sum, ITEMS * (ITEMS + 1) / 2);
  return 0;
}
