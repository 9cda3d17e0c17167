/* close_range_probe: close_range over open descriptors — closing [first, last], marking them close-on-exec, and
   CLOSE_RANGE_UNSHARE in a vfork child (which has its own copy of the table: the parent's stay open);
   prints which of descriptors 3..9 are open and which are close-on-exec after each. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what) {
  printf("%s:", what);
  for (int fd = 3; fd < 10; fd++) {
    int f = fcntl(fd, F_GETFD);
    printf(" %d%s", fd, f < 0 ? "-" : (f & FD_CLOEXEC) ? "e" : "o");
  }
  printf("\n");
}

int main(void) {
  for (int k = 0; k < 6; k++) open("/etc/passwd", O_RDONLY);
  show("opened");
  printf("cloexec 5..6: %ld\n", syscall(SYS_close_range, 5, 6, CLOSE_RANGE_CLOEXEC));
  show("after");
  printf("close 7..~0: %ld\n", syscall(SYS_close_range, 7, ~0U, 0));
  show("after");
  pid_t c = vfork();
  if (c == 0) _exit(syscall(SYS_close_range, 3, 4, CLOSE_RANGE_UNSHARE) == 0 && fcntl(3, F_GETFD) < 0 ? 0 : 1);
  int st;
  waitpid(c, &st, 0);
  printf("vfork child closed its own 3..4: status %d\n", WEXITSTATUS(st));
  show("parent");
  return 0;
}
