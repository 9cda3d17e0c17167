/* poll_probe: poll, ppoll, select, pselect6 and epoll over pipes and stdio — readiness (IN, OUT, HUP, ERR, NVAL),
   timeouts (0, relative, -1 woken by a child's write), EINTR from a signal (with and without SA_RESTART), the
   errnos of bad arguments, and epoll's level/edge/one-shot rules; prints results and errnos, one line each. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld\n", what, r);
}

static const char *events(unsigned e) {
  static char buf[128];
  buf[0] = 0;
  const struct { unsigned bit; const char *name; } names[] = {
    {POLLIN, "IN"}, {POLLPRI, "PRI"}, {POLLOUT, "OUT"}, {POLLERR, "ERR"}, {POLLHUP, "HUP"}, {POLLNVAL, "NVAL"},
    {POLLRDNORM, "RDNORM"}, {POLLWRNORM, "WRNORM"}, {EPOLLET, "ET"}, {EPOLLONESHOT, "ONESHOT"},
  };
  for (unsigned k = 0; k < sizeof names / sizeof names[0]; k++)
    if (e & names[k].bit) { strcat(buf, buf[0] ? "|" : ""); strcat(buf, names[k].name); e &= ~names[k].bit; }
  if (e) sprintf(buf + strlen(buf), "%s0x%x", buf[0] ? "|" : "", e);
  return buf[0] ? buf : "0";
}

static long ms_since(struct timespec *t0) {
  struct timespec t1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* A child that sleeps `ms`, then writes one byte to `fd` (or signals the parent when fd < 0), and exits. */
static pid_t later(int ms, int fd, int closefd) {
  pid_t c = fork();
  if (c == 0) {
    if (closefd >= 0) close(closefd);
    usleep(ms * 1000);
    if (fd >= 0) write(fd, "x", 1);
    else kill(getppid(), SIGUSR1);
    _exit(0);
  }
  return c;
}

static volatile int handled;
static void on_usr1(int sig) { (void)sig; handled++; }

static void poll_part(void) {
  int p[2];
  pipe(p);
  struct pollfd f[4] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {-1, POLLIN, 0}, {99, POLLIN, 0}};
  show("poll empty pipe, timeout 0", poll(f, 4, 0));
  for (int k = 0; k < 4; k++) printf("  fd %d revents %s\n", f[k].fd, events(f[k].revents));
  struct pollfd io[3] = {{0, POLLIN | POLLOUT, 0}, {1, POLLIN | POLLOUT, 0}, {2, POLLOUT, 0}};
  show("poll stdio", poll(io, 3, 0));
  for (int k = 0; k < 3; k++) printf("  fd %d revents %s\n", io[k].fd, events(io[k].revents));

  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  show("poll empty pipe, timeout 40 ms", poll(f, 1, 40));
  printf("  waited at least 40 ms: %s\n", ms_since(&t0) >= 39 ? "yes" : "no");

  pid_t c = later(50, p[1], p[0]);
  f[0].revents = 0;
  show("poll -1 until a child writes", poll(f, 1, -1));
  printf("  revents %s\n", events(f[0].revents));
  waitpid(c, NULL, 0);
  char b;
  read(p[0], &b, 1);
  close(p[1]);
  show("poll after the last writer closed", poll(f, 1, 0));
  printf("  revents %s\n", events(f[0].revents));
  close(p[0]);

  int q[2];
  pipe(q);
  close(q[0]);
  struct pollfd w = {q[1], POLLOUT, 0};
  show("poll write end, reader closed", poll(&w, 1, 0));
  printf("  revents %s\n", events(w.revents));
  close(q[1]);

  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  show("poll nfds > RLIMIT_NOFILE", poll(NULL, rl.rlim_cur + 1, 0));
  show("poll bad pointer", syscall(SYS_poll, 8L, 1, 0));
  show("poll nothing, timeout 10 ms", poll(NULL, 0, 10));

  struct timespec ts = {0, 20 * 1000000};
  sigset_t none;
  sigemptyset(&none);
  show("ppoll bad sigsetsize", syscall(SYS_ppoll, f, 0, &ts, &none, 4));
  ts.tv_nsec = 1000000000;
  show("ppoll bad timespec", ppoll(f, 0, &ts, NULL));
}

static void signal_part(void) {
  int p[2];
  pipe(p);
  for (int restart = 0; restart < 2; restart++) {
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, NULL);
    handled = 0;
    pid_t c = later(50, -1, -1);
    struct pollfd f = {p[0], POLLIN, 0};
    printf("%s", restart ? "SA_RESTART " : "");
    show("poll -1 interrupted by a signal", poll(&f, 1, -1));
    printf("  handler ran: %d\n", handled);
    waitpid(c, NULL, 0);
  }
  /* ppoll with SIGUSR1 blocked outside and let in during the wait */
  sigset_t blocked, during;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGUSR1);
  sigprocmask(SIG_BLOCK, &blocked, NULL);
  sigemptyset(&during);
  handled = 0;
  pid_t c = later(50, -1, -1);
  struct pollfd f = {p[0], POLLIN, 0};
  show("ppoll with a mask that lets SIGUSR1 in", ppoll(&f, 1, NULL, &during));
  printf("  handler ran: %d\n", handled);
  sigset_t now;
  sigprocmask(SIG_SETMASK, NULL, &now);
  printf("  SIGUSR1 blocked again after: %d\n", sigismember(&now, SIGUSR1));
  waitpid(c, NULL, 0);
  sigprocmask(SIG_UNBLOCK, &blocked, NULL);
  close(p[0]);
  close(p[1]);
}

static void select_part(void) {
  int p[2];
  pipe(p);
  fd_set r, w;
  FD_ZERO(&r); FD_ZERO(&w);
  FD_SET(p[0], &r); FD_SET(p[1], &w); FD_SET(p[0], &w);
  struct timeval tv = {0, 0};
  show("select empty pipe, timeout 0", select(p[1] + 1, &r, &w, NULL, &tv));
  printf("  read set has %d: %d, write set has %d: %d, has %d: %d\n", p[0], FD_ISSET(p[0], &r), p[1], FD_ISSET(p[1], &w), p[0], FD_ISSET(p[0], &w));
  write(p[1], "ab", 2);
  FD_ZERO(&r); FD_ZERO(&w);
  FD_SET(p[0], &r); FD_SET(p[1], &w);
  show("select with data", select(p[1] + 1, &r, &w, NULL, NULL));
  printf("  read set has %d: %d, write set has %d: %d\n", p[0], FD_ISSET(p[0], &r), p[1], FD_ISSET(p[1], &w));
  char b[2];
  read(p[0], b, 2);
  FD_ZERO(&r);
  FD_SET(p[0], &r);
  tv.tv_sec = 0; tv.tv_usec = 30000;
  show("select timeout 30 ms", select(p[0] + 1, &r, NULL, NULL, &tv));
  printf("  time left %ld.%06ld, read set has %d: %d\n", (long)tv.tv_sec, (long)tv.tv_usec, p[0], FD_ISSET(p[0], &r));
  FD_ZERO(&r);
  FD_SET(p[1] + 5, &r);
  tv.tv_usec = 0;
  show("select a closed descriptor", select(p[1] + 6, &r, NULL, NULL, &tv));
  FD_ZERO(&r);
 /* beyond the descriptor table's size (64, or more when a parent held more descriptors open): not looked at */
  FD_SET(1023, &r);
  show("select a closed descriptor beyond the table", syscall(SYS_select, 1024, &r, NULL, NULL, &tv));
  show("select n < 0", syscall(SYS_select, -1, NULL, NULL, NULL, &tv));
  tv.tv_usec = -1;
  show("select bad timeval", syscall(SYS_select, 0, NULL, NULL, NULL, &tv));
  tv.tv_sec = 0; tv.tv_usec = 1000001;
  FD_ZERO(&r);
  FD_SET(p[1], &r);
  show("select usec beyond a second (normalized), write end for reading", syscall(SYS_select, p[1] + 1, &r, NULL, NULL, &(struct timeval){0, 0}));
  show("select bad set pointer", syscall(SYS_select, 4, (fd_set *)8, NULL, NULL, &(struct timeval){0, 0}));
  struct timespec ts = {0, 0};
  FD_ZERO(&w);
  FD_SET(p[1], &w);
  show("pselect write end", pselect(p[1] + 1, NULL, &w, NULL, &ts, NULL));
  close(p[0]);
  close(p[1]);
}

static void epoll_events(int ep, const char *what, int timeout) {
  struct epoll_event ev[8];
  int n = epoll_wait(ep, ev, 8, timeout);
  show(what, n);
  for (int k = 0; k < n; k++) printf("  data %llu events %s\n", (unsigned long long)ev[k].data.u64, events(ev[k].events));
}

static void epoll_part(void) {
  show("epoll_create1 bad flags", epoll_create1(1));
  show("epoll_create 0", epoll_create(0));
  int ep = epoll_create1(EPOLL_CLOEXEC);
  printf("epoll_create1 cloexec: %d\n", (fcntl(ep, F_GETFD) & FD_CLOEXEC) != 0);
  int p[2], q[2];
  pipe(p);
  pipe(q);
  int file = open("/etc/passwd", O_RDONLY);
  struct epoll_event e = {EPOLLIN, {.u64 = 1}};
  show("ctl add regular file", epoll_ctl(ep, EPOLL_CTL_ADD, file, &e));
  show("ctl add /dev/null", epoll_ctl(ep, EPOLL_CTL_ADD, open("/dev/null", O_RDONLY), &e));
  show("ctl add /dev/urandom", epoll_ctl(ep, EPOLL_CTL_ADD, open("/dev/urandom", O_RDONLY), &e));
  int rnd = open("/dev/random", O_RDWR);
  struct pollfd rp = {rnd, POLLIN | POLLOUT, 0};
  show("poll /dev/random", poll(&rp, 1, 0));
  printf("  revents %s\n", events(rp.revents));
  int ep3 = epoll_create1(0);
  show("ctl add /dev/random", epoll_ctl(ep3, EPOLL_CTL_ADD, rnd, &e));
  close(ep3);
  close(rnd);
  show("ctl add to a pipe", epoll_ctl(p[0], EPOLL_CTL_ADD, q[0], &e));
  show("ctl add itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e));
  show("ctl bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 99, &e));
  show("ctl bad epfd", epoll_ctl(98, EPOLL_CTL_ADD, p[0], &e));
  show("ctl bad event pointer", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (struct epoll_event *)8));
  show("ctl mod not added", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &e));
  show("ctl del not added", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
  show("ctl bad op", epoll_ctl(ep, 7, p[0], &e));
  struct epoll_event x = {EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, {.u64 = 1}};
  show("ctl exclusive with oneshot", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &x));
  show("ctl add read end (level)", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
  show("ctl add again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
  e.events = EPOLLIN | EPOLLET;
  e.data.u64 = 2;
  show("ctl add other read end (edge)", epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &e));
  e.events = EPOLLOUT | EPOLLONESHOT;
  e.data.u64 = 3;
  show("ctl add write end (one-shot)", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &e));
  epoll_events(ep, "wait: only the one-shot write end", 0);
  epoll_events(ep, "wait again: nothing", 0);
  write(q[1], "a", 1);
  write(p[1], "b", 1);
  epoll_events(ep, "wait after writing both (edge first)", 0);
  epoll_events(ep, "wait again: the level one only", 0);
  write(q[1], "c", 1);
  epoll_events(ep, "wait after another write to the edge one", 0);
  e.events = EPOLLOUT;
  show("ctl mod re-arms the one-shot", epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &e));
  epoll_events(ep, "wait", 0);
  show("ctl del write end", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
  char b[4];
  read(p[0], b, 1);
  read(q[0], b, 2);
  struct epoll_event ev[2];
  show("wait maxevents 0", epoll_wait(ep, ev, 0, 0));
  show("wait on a pipe", epoll_wait(p[0], ev, 2, 0));
  show("wait bad epfd", epoll_wait(97, ev, 2, 0));
  show("wait bad events pointer", epoll_wait(ep, (struct epoll_event *)-4096L, 2, 0));
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  epoll_events(ep, "wait 30 ms", 30);
  printf("  waited at least 30 ms: %s\n", ms_since(&t0) >= 29 ? "yes" : "no");
  pid_t c = later(50, p[1], -1);
  epoll_events(ep, "wait -1 until a child writes", -1);
  waitpid(c, NULL, 0);
  read(p[0], b, 1);
  struct sigaction sa = {0};
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  handled = 0;
  c = later(50, -1, -1);
  epoll_events(ep, "wait -1 interrupted by a signal", -1);
  printf("  handler ran: %d\n", handled);
  waitpid(c, NULL, 0);
  close(q[1]);
  epoll_events(ep, "wait after the edge one's writer closed", 0);
  int dup0 = dup(p[0]);
  close(p[0]);
  write(p[1], "d", 1);
  epoll_events(ep, "wait after closing a descriptor whose file is still open (dup)", 0);
  close(dup0);
  epoll_events(ep, "wait after the file's last descriptor closed", 0);
  int ep2 = epoll_create1(0);
  e.events = EPOLLIN;
  e.data.u64 = 9;
  show("ctl add an epoll fd to another", epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &e));
  struct pollfd pf = {ep, POLLIN, 0};
  show("poll an epoll fd", poll(&pf, 1, 0));
  printf("  revents %s\n", events(pf.revents));
  e.data.u64 = 5;
  show("ctl add stdin", epoll_ctl(ep, EPOLL_CTL_ADD, 0, &e));
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  syscall(SYS_close_range, 3, ~0U, 0); /* descriptors a parent left open would shift every number below */
  poll_part();
  signal_part();
  select_part();
  epoll_part();
  return 0;
}
