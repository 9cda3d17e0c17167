/* socket_probe: AF_UNIX sockets as programs here meet them (nscd's socket that is not there) — creation with its
   flags and argument checks, connect to a missing path, a file that is not a socket, the abstract namespace, bad
   addresses; reads, writes and poll on an unconnected socket; prints results and errnos, one line each. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld\n", what, r);
}

static long connect_to(int fd, const char *path, size_t pathlen, int family, socklen_t len) {
  struct sockaddr_un a;
  memset(&a, 0, sizeof a);
  a.sun_family = family;
  memcpy(a.sun_path, path, pathlen);
  return connect(fd, (struct sockaddr *)&a, len);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  printf("socket stream: %s, nonblock %d, cloexec %d\n", s >= 0 ? "ok" : "failed", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0, (fcntl(s, F_GETFD) & FD_CLOEXEC) != 0);
  struct stat st;
  fstat(s, &st);
  printf("fstat: socket %d, mode %o\n", S_ISSOCK(st.st_mode), st.st_mode & 07777);
  char link[64], proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", s);
  ssize_t n = readlink(proc, link, sizeof link - 1);
  link[n > 0 ? n : 0] = 0;
  printf("fd link starts with socket:[ %d\n", strncmp(link, "socket:[", 8) == 0);
  const char *nscd = "/var/run/nscd/socket";
  show("connect nscd's socket", connect_to(s, nscd, strlen(nscd) + 1, AF_UNIX, offsetof(struct sockaddr_un, sun_path) + strlen(nscd) + 1));
  show("connect a missing path", connect_to(s, "/nonexistent/x", 15, AF_UNIX, sizeof(struct sockaddr_un)));
  show("connect through a file", connect_to(s, "/etc/passwd/x", 14, AF_UNIX, sizeof(struct sockaddr_un)));
  show("connect a directory", connect_to(s, "/tmp", 5, AF_UNIX, sizeof(struct sockaddr_un)));
  show("connect the abstract namespace", connect_to(s, "\0picemu-probe-nobody", 21, AF_UNIX, offsetof(struct sockaddr_un, sun_path) + 21));
  show("connect length 2", connect_to(s, "/tmp", 5, AF_UNIX, 2));
  show("connect length 111", connect_to(s, "/tmp", 5, AF_UNIX, 111));
  show("connect length 200", connect_to(s, "/tmp", 5, AF_UNIX, 200));
  show("connect AF_INET address", connect_to(s, "/tmp", 5, AF_INET, sizeof(struct sockaddr_un)));
  show("connect bad pointer", connect(s, (struct sockaddr *)8, 16));
  show("connect bad fd", connect_to(77, "/tmp", 5, AF_UNIX, sizeof(struct sockaddr_un)));
  show("connect a pipe", connect_to(0, "/tmp", 5, AF_UNIX, sizeof(struct sockaddr_un)));
  char b[4];
  show("read unconnected stream", read(s, b, 4));
  show("write unconnected stream", write(s, "x", 1));
  struct pollfd p = {s, POLLIN | POLLOUT, 0};
  show("poll unconnected stream", poll(&p, 1, 0));
  printf("  revents 0x%x\n", p.revents);
  show("close", close(s));
  int d = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  show("socket dgram", d >= 0 ? 0 : -1);
  struct sockaddr unspec = {AF_UNSPEC, {0}};
  show("connect dgram AF_UNSPEC", connect(d, &unspec, sizeof unspec));
  show("connect dgram missing path", connect_to(d, "/nonexistent/x", 15, AF_UNIX, sizeof(struct sockaddr_un)));
  show("read dgram nonblocking", read(d, b, 4));
  show("write dgram unconnected", write(d, "x", 1));
  p.fd = d;
  show("poll dgram", poll(&p, 1, 0));
  printf("  revents 0x%x\n", p.revents);
  close(d);
  int r = socket(AF_UNIX, SOCK_RAW, 0);
  show("socket SOCK_RAW (a datagram socket)", r >= 0 ? 0 : -1);
  close(r);
  show("socket protocol 2", socket(AF_UNIX, SOCK_STREAM, 2));
  show("socket SOCK_RDM", socket(AF_UNIX, SOCK_RDM, 0));
  show("socket type 12", socket(AF_UNIX, 12, 0));
  show("socket bad flags", socket(AF_UNIX, SOCK_STREAM | 0x100, 0));
  show("socket family 99", socket(99, SOCK_STREAM, 0));
  show("socket family -1", socket(-1, SOCK_STREAM, 0));
  show("socket AF_BLUETOOTH", socket(AF_BLUETOOTH, SOCK_STREAM, 0));
  return 0;
}
