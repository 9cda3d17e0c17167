/* Processes and threads for gdb's fork, vfork, exec and thread events: `fork` (the child prints and exits 7, the
   parent waits and prints), `vfork` (the child execs true), `exec` (execs true itself), `thread` (one more thread). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) void *worker(void *arg) {
  printf("worker %s\n", (const char *)arg);
  return arg;
}

__attribute__((noinline)) int in_child(void) {
  printf("child\n");
  return 7;
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "fork";
  if (!strcmp(what, "fork")) {
    pid_t child = fork();
    if (child == 0) return in_child();
    int status = 0;
    waitpid(child, &status, 0);
    printf("parent: child exited with %d\n", WEXITSTATUS(status));
    return 0;
  }
  if (!strcmp(what, "vfork")) {
    pid_t child = vfork();
    if (child == 0) {
      execl("/bin/true", "true", (char *)0);
      _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("parent: true exited with %d\n", WEXITSTATUS(status));
    return 0;
  }
  if (!strcmp(what, "exec")) {
    execl("/bin/true", "true", (char *)0);
    return 127;
  }
  pthread_t t;
  pthread_create(&t, 0, worker, "running");
  pthread_join(t, 0);
  printf("joined\n");
  return 0;
}
