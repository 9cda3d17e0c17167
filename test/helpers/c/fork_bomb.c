/* fork_bomb: forks children (each waits on a pipe) until fork fails, under RLIMIT_NPROC = argv[1]; prints how
   many children it made and the errno, then lets them go and reaps them all. Run as an unprivileged user
   natively: the kernel does not apply RLIMIT_NPROC to root. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  struct rlimit lim = { (rlim_t)atoi(argv[1]), (rlim_t)atoi(argv[1]) };
  if (setrlimit(RLIMIT_NPROC, &lim) != 0) { perror("setrlimit"); return 1; }
  int go[2];
  if (pipe(go) != 0) return 1;
  int made = 0, err = 0;
  for (;;) {
    pid_t p = fork();
    if (p == 0) {
      char c;
      close(go[1]);
      (void)!read(go[0], &c, 1);
      _exit(0);
    }
    if (p < 0) { err = errno; break; }
    made++;
  }
  close(go[1]);
  int reaped = 0;
  while (wait(NULL) > 0) reaped++;
  printf("made %d children, then fork failed: %s; reaped %d\n", made, err == EAGAIN ? "EAGAIN" : strerror(err), reaped);
  return 0;
}
