/* fork_family: a process and its children — fork gives the child a copy of memory (globals, heap, stack) whose
   writes the parent never sees; a child's fault kills only the child (wait status); exit codes through wait4 and
   waitid; SIGCHLD's siginfo; getppid; wait with no children (ECHILD); vfork + exec; posix_spawn (clone with
   CLONE_VM|CLONE_VFORK); an orphan's parent. Prints only values comparable across runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
int global = 1;
static volatile sig_atomic_t chld_code, chld_status, chld_pid_ok;
static pid_t expected;

static void on_chld(int sig, siginfo_t *si, void *uc) {
  (void)sig; (void)uc;
  chld_code = si->si_code;
  chld_status = si->si_status;
  chld_pid_ok = si->si_pid == expected;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int *heap = malloc(sizeof *heap);
  *heap = 10;
  int local = 100;
  pid_t parent = getpid();

  pid_t p = fork();
  if (p == 0) {
    global = 2; *heap = 20; local = 200;
    printf("child: global=%d heap=%d local=%d ppid-is-parent=%d\n", global, *heap, local, getppid() == parent);
    *(volatile int *)8 = 1; /* dies of SIGSEGV */
    _exit(3);
  }
  int st = 0;
  pid_t got = waitpid(p, &st, 0);
  printf("parent: global=%d heap=%d local=%d; waitpid=child:%d signaled=%d sig=%d\n", global, *heap, local, got == p, WIFSIGNALED(st), WTERMSIG(st));

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_chld;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGCHLD);
  sigprocmask(SIG_BLOCK, &block, &old);
  pid_t q = fork();
  if (q == 0) _exit(42);
  expected = q;
  siginfo_t si;
  memset(&si, 0, sizeof si);
  waitid(P_PID, q, &si, WEXITED | WNOWAIT);
  printf("waitid WNOWAIT: signo=%d code=%d status=%d pid-ok=%d\n", si.si_signo, si.si_code, si.si_status, si.si_pid == q);
  got = wait4(q, &st, 0, NULL);
  printf("wait4: pid-ok=%d exited=%d code=%d\n", got == q, WIFEXITED(st), WEXITSTATUS(st));
  sigprocmask(SIG_SETMASK, &old, NULL);
  printf("SIGCHLD: code=%d status=%d pid-ok=%d\n", chld_code, chld_status, chld_pid_ok);

  errno = 0;
  got = wait(NULL);
  printf("wait with no children: %d %s\n", got, strerror(errno));
  printf("waitpid WNOHANG, none: %d %s\n", waitpid(-1, NULL, WNOHANG), strerror(errno));

  pid_t v = vfork();
  if (v == 0) {
    execl("/bin/echo", "echo", "vfork child ran echo", (char *)NULL);
    _exit(127);
  }
  waitpid(v, &st, 0);
  printf("vfork: exited=%d code=%d\n", WIFEXITED(st), WEXITSTATUS(st));

  char *args[] = { "sh", "-c", "echo spawned; exit 7", NULL };
  pid_t s;
  int err = posix_spawn(&s, "/bin/sh", NULL, NULL, args, environ);
  waitpid(s, &st, 0);
  printf("posix_spawn: err=%d exited=%d code=%d\n", err, WIFEXITED(st), WEXITSTATUS(st));
  char *bad[] = { "nope", NULL };
  err = posix_spawn(&s, "/nonexistent/nope", NULL, NULL, bad, environ);
  printf("posix_spawn of a missing file: %s\n", strerror(err));

  /* A grandchild whose parent exits first: reparented (its ppid is no longer that parent). */
  int go[2], back[2];
  if (pipe(go) != 0 || pipe(back) != 0) return 1;
  pid_t mid = fork();
  if (mid == 0) {
    pid_t me = getpid();
    if (fork() == 0) {
      char c;
      (void)!read(go[0], &c, 1);
      int orphaned = getppid() != me;
      (void)!write(back[1], &orphaned, sizeof orphaned);
      _exit(0);
    }
    _exit(0);
  }
  waitpid(mid, NULL, 0);
  (void)!write(go[1], "x", 1);
  int orphaned = -1;
  (void)!read(back[0], &orphaned, sizeof orphaned);
  printf("orphan reparented: %d\n", orphaned);
  return 0;
}
