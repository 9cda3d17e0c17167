/* signal_wait: sleeping until a signal. sigsuspend with SIGUSR1 pending behind the blocked mask (a child sent
   it): the handler runs on the suspend mask, sigsuspend returns -1 EINTR, and the old mask is back; pause until
   a child's SIGUSR2; a SIGCHLD handler seeing its child's exit while the parent waits in sigsuspend. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got, usr1_blocked_in_handler = -1;

static void handler(int sig) {
  sigset_t now;
  sigprocmask(SIG_SETMASK, NULL, &now);
  if (sig == SIGUSR1) usr1_blocked_in_handler = sigismember(&now, SIGUSR1);
  got = sig;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  pid_t parent = getpid();
  signal(SIGUSR1, handler);
  sigset_t block, none, now;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGCHLD);
  sigprocmask(SIG_BLOCK, &block, NULL);
  if (fork() == 0) { kill(parent, SIGUSR1); _exit(0); }
  wait(NULL);
  sigemptyset(&none);
  int r = sigsuspend(&none);
  sigprocmask(SIG_SETMASK, NULL, &now);
  printf("sigsuspend=%d %s got=%d usr1-blocked-in-handler=%d usr1-blocked-after=%d\n", r, strerror(errno), got, usr1_blocked_in_handler, sigismember(&now, SIGUSR1));

  got = 0;
  signal(SIGUSR2, handler);
  sigprocmask(SIG_UNBLOCK, &block, NULL);
  if (fork() == 0) { usleep(50000); kill(parent, SIGUSR2); _exit(0); }
  r = pause();
  printf("pause=%d %s got=%d\n", r, strerror(errno), got);
  wait(NULL);

  got = 0;
  signal(SIGCHLD, handler);
  sigprocmask(SIG_BLOCK, &block, NULL);
  pid_t c = fork();
  if (c == 0) _exit(5);
  while (!got) sigsuspend(&none);
  int st;
  waitpid(c, &st, 0);
  printf("SIGCHLD while in sigsuspend: got=%d child exit=%d\n", got, WEXITSTATUS(st));
  return 0;
}
