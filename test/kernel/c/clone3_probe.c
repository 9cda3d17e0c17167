/* clone3_probe: clone3 as glibc and programs use it: posix_spawn (CLONE_VM|CLONE_VFORK on a stack given by address
   and size), a raw clone3 fork with CLONE_CLEAR_SIGHAND (caught signals back to SIG_DFL, ignored ones stay ignored)
   and its exit_signal, and pthread_create; prints what each child saw. */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void on_usr1(int sig) { (void)sig; }

static void *thread_main(void *arg) { return (void *)((intptr_t)arg * 2); }

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  pid_t pid;
  char *argv[] = {"/bin/echo", "spawned", NULL};
  int r = posix_spawn(&pid, "/bin/echo", NULL, NULL, argv, environ);
  int status = 0;
  waitpid(pid, &status, 0);
  printf("posix_spawn %d status %d\n", r, WEXITSTATUS(status));

  signal(SIGUSR1, on_usr1);
  signal(SIGUSR2, SIG_IGN);
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = CLONE_CLEAR_SIGHAND;
  args.exit_signal = SIGCHLD;
  long child = syscall(SYS_clone3, &args, sizeof args);
  if (child == 0) {
    struct sigaction a1, a2;
    sigaction(SIGUSR1, NULL, &a1);
    sigaction(SIGUSR2, NULL, &a2);
    _exit((a1.sa_handler == SIG_DFL ? 1 : 0) | (a2.sa_handler == SIG_IGN ? 2 : 0));
  }
  siginfo_t info;
  memset(&info, 0, sizeof info);
  int w = waitid(P_PID, child, &info, WEXITED);
  printf("clone3 fork: waitid %d signo %d code %d status %d\n", w, info.si_signo, info.si_code, info.si_status);

  pthread_t t;
  void *ret = NULL;
  pthread_create(&t, NULL, thread_main, (void *)21);
  pthread_join(t, &ret);
  printf("thread returned %ld\n", (long)(intptr_t)ret);
  return 0;
}
