/* prctl_probe: prctl's thread name (and /proc/self/comm, task/TID/comm, a thread's own name, a fork's), the
   parent-death signal (kept, cleared by fork, delivered when the forking process exits), dumpable, no_new_privs (and
   status NoNewPrivs, kept by fork), the bounding set, unknown options; get_mempolicy and set_mempolicy on one node;
   results and errnos. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <linux/mempolicy.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld\n", what, r);
}

static void cat(const char *label, const char *path) {
  char buf[256];
  FILE *f = fopen(path, "r");
  if (!f) { printf("%s: cannot open\n", label); return; }
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  printf("%s: %s", label, buf);
}

static void status_line(const char *key) {
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  while (fgets(line, sizeof line, f)) if (!strncmp(line, key, strlen(key))) printf("status %s", line);
  fclose(f);
}

static volatile int thread_tid, thread_may_end;
static void *thread_main(void *arg) {
  (void)arg;
  prctl(PR_SET_NAME, "worker-thread");
  thread_tid = gettid();
  while (!thread_may_end) usleep(1000);
  return NULL;
}

static volatile int got;
static void on_signal(int sig) { got = sig; }

static long mempolicy(int *mode, unsigned long *mask, unsigned long maxnode, void *addr, unsigned long flags) {
  return syscall(SYS_get_mempolicy, mode, mask, maxnode, addr, flags);
}

static long setpolicy(int mode, unsigned long *mask, unsigned long maxnode) {
  return syscall(SYS_set_mempolicy, mode, mask, maxnode);
}

static void getpolicy(const char *what) {
  int mode = -1;
  unsigned long mask[16];
  memset(mask, 0xff, sizeof mask);
  long r = mempolicy(&mode, mask, 1025, NULL, 0);
  printf("%s: get_mempolicy %ld, mode %#x, mask %lx %lx\n", what, r, mode, mask[0], mask[1]);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  char name[32] = {0};
  show("PR_GET_NAME", prctl(PR_GET_NAME, name));
  printf("  name %s\n", name);
  show("PR_SET_NAME (cut to 15 bytes)", prctl(PR_SET_NAME, "picemu-probe-name-long"));
  prctl(PR_GET_NAME, name);
  printf("  name %s\n", name);
  cat("/proc/self/comm", "/proc/self/comm");
  status_line("Name:");
  show("PR_SET_NAME bad pointer", prctl(PR_SET_NAME, (char *)8));
  show("PR_GET_NAME bad pointer", prctl(PR_GET_NAME, (char *)8));
  pthread_t th;
  char path0[64];
  pthread_create(&th, NULL, thread_main, NULL);
  while (!thread_tid) usleep(1000);
  snprintf(path0, sizeof path0, "/proc/self/task/%d/comm", thread_tid);
  cat("task/THREAD/comm", path0);
  thread_may_end = 1;
  pthread_join(th, NULL);
  printf("a thread named itself\n");
  cat("/proc/self/comm", "/proc/self/comm");
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/comm", getpid());
  cat("task/LEADER/comm", path);
  snprintf(path, sizeof path, "/proc/self/task/%d/comm", thread_tid);
  cat("task/THREAD/comm (the thread has exited)", path);

  pid_t c = fork();
  if (c == 0) {
    char n2[32] = {0};
    prctl(PR_GET_NAME, n2);
    int sig = -1;
    prctl(PR_GET_PDEATHSIG, &sig);
    printf("fork child: name %s, pdeath %d, no_new_privs %d\n", n2, sig, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    _exit(0);
  }
  waitpid(c, NULL, 0);

  show("PR_SET_PDEATHSIG 65", prctl(PR_SET_PDEATHSIG, 65));
  show("PR_SET_PDEATHSIG SIGUSR1", prctl(PR_SET_PDEATHSIG, SIGUSR1));
  int sig = 0;
  show("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &sig));
  printf("  signal %d\n", sig);
  show("PR_GET_PDEATHSIG bad pointer", prctl(PR_GET_PDEATHSIG, (int *)8));
  prctl(PR_SET_PDEATHSIG, 0);

  /* A grandchild asks for SIGUSR2 when its parent (the child) exits. */
  int report[2], ready[2];
  pipe(report);
  pipe(ready);
  c = fork();
  if (c == 0) {
    pid_t g = fork();
    if (g == 0) {
      signal(SIGUSR2, on_signal);
      prctl(PR_SET_PDEATHSIG, SIGUSR2);
      write(ready[1], "r", 1);
      for (int k = 0; k < 400 && !got; k++) usleep(5000);
      char msg[64];
      int n = snprintf(msg, sizeof msg, "grandchild got signal %d after its parent exited\n", got);
      write(report[1], msg, n);
      _exit(0);
    }
    char b;
    read(ready[0], &b, 1);
    _exit(0);
  }
  close(report[1]);
  waitpid(c, NULL, 0);
  char msg[128] = {0};
  ssize_t n = read(report[0], msg, sizeof msg - 1);
  printf("%s", n > 0 ? msg : "no report\n");

  show("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
  show("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2));
  show("PR_SET_DUMPABLE 0", prctl(PR_SET_DUMPABLE, 0));
  show("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE));
  prctl(PR_SET_DUMPABLE, 1);

  show("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  show("PR_GET_NO_NEW_PRIVS with an argument", prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0));
  show("PR_SET_NO_NEW_PRIVS 2", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0));
  show("PR_SET_NO_NEW_PRIVS 1, 1", prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0));
  show("PR_SET_NO_NEW_PRIVS", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
  show("PR_GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  status_line("NoNewPrivs:");

  show("PR_CAPBSET_READ CAP_CHOWN", prctl(PR_CAPBSET_READ, 0));
  show("PR_CAPBSET_READ CAP_SYS_ADMIN", prctl(PR_CAPBSET_READ, 21));
  show("PR_CAPBSET_READ 40", prctl(PR_CAPBSET_READ, 40));
  show("PR_CAPBSET_READ 41", prctl(PR_CAPBSET_READ, 41));
  show("PR_CAPBSET_READ -1", prctl(PR_CAPBSET_READ, -1L));
  show("prctl 9999", prctl(9999, 0, 0, 0, 0));
  show("prctl -1", prctl(-1, 0, 0, 0, 0));

  int mode = -1;
  unsigned long mask[20];
  show("get_mempolicy nothing", mempolicy(NULL, NULL, 0, NULL, 0));
  memset(mask, 0xff, sizeof mask);
  show("get_mempolicy mode and mask", mempolicy(&mode, mask, 64, NULL, 0));
  printf("  mode %d mask %lx %lx\n", mode, mask[0], mask[1]);
  memset(mask, 0xff, sizeof mask);
  show("get_mempolicy maxnode 1000", mempolicy(&mode, mask, 1000, NULL, 0));
  printf("  mask %lx %lx %lx\n", mask[0], mask[1], mask[15]);
  show("get_mempolicy maxnode 0 with a mask", mempolicy(&mode, mask, 0, NULL, 0));
  show("get_mempolicy maxnode 40000", mempolicy(&mode, mask, 40000, NULL, 0));
  show("get_mempolicy mask bad pointer", mempolicy(&mode, (unsigned long *)8, 64, NULL, 0));
  show("get_mempolicy mode bad pointer", mempolicy((int *)8, NULL, 0, NULL, 0));
  memset(mask, 0, sizeof mask);
  show("get_mempolicy MPOL_F_MEMS_ALLOWED", mempolicy(&mode, mask, 64, NULL, MPOL_F_MEMS_ALLOWED));
  printf("  mode %d mask %lx\n", mode, mask[0]);
  show("get_mempolicy MEMS_ALLOWED|ADDR", mempolicy(&mode, mask, 64, NULL, MPOL_F_MEMS_ALLOWED | MPOL_F_ADDR));
  show("get_mempolicy flags 8", mempolicy(&mode, NULL, 0, NULL, 8));
  show("get_mempolicy MPOL_F_ADDR", mempolicy(&mode, NULL, 0, &mode, MPOL_F_ADDR));
  printf("  mode %d\n", mode);
  show("get_mempolicy MPOL_F_ADDR unmapped", mempolicy(&mode, NULL, 0, (void *)4096, MPOL_F_ADDR));
  show("get_mempolicy an address without MPOL_F_ADDR", mempolicy(&mode, NULL, 0, &mode, 0));
  show("get_mempolicy MPOL_F_NODE", mempolicy(&mode, NULL, 0, NULL, MPOL_F_NODE));
  mode = -1;
  show("get_mempolicy MPOL_F_NODE|MPOL_F_ADDR", mempolicy(&mode, NULL, 0, &mode, MPOL_F_NODE | MPOL_F_ADDR));
  printf("  node %d\n", mode);

  unsigned long want[16] = {0};
  want[0] = 1;
  show("set_mempolicy MPOL_PREFERRED_MANY node 0", setpolicy(MPOL_PREFERRED_MANY, want, 1024));
  getpolicy("  now");
  pid_t c2 = fork();
  if (c2 == 0) { getpolicy("  in a fork child"); _exit(0); }
  waitpid(c2, NULL, 0);
  want[0] = 2;
  show("set_mempolicy MPOL_BIND node 1 (not there)", setpolicy(MPOL_BIND, want, 64));
  want[0] = 3;
  show("set_mempolicy MPOL_BIND nodes 0 and 1", setpolicy(MPOL_BIND, want, 64));
  getpolicy("  now");
  show("set_mempolicy MPOL_BIND|MPOL_F_STATIC_NODES nodes 0 and 1", setpolicy(MPOL_BIND | MPOL_F_STATIC_NODES, want, 64));
  getpolicy("  now");
  show("set_mempolicy MPOL_INTERLEAVE nodes 0 and 1", setpolicy(MPOL_INTERLEAVE, want, 64));
  mode = -1;
  show("get_mempolicy MPOL_F_NODE (interleave's next node)", mempolicy(&mode, NULL, 0, NULL, MPOL_F_NODE));
  printf("  node %d\n", mode);
  show("set_mempolicy MPOL_PREFERRED no nodes (local)", setpolicy(MPOL_PREFERRED, NULL, 0));
  getpolicy("  now");
  want[0] = 1;
  show("set_mempolicy MPOL_LOCAL with a node", setpolicy(MPOL_LOCAL, want, 64));
  show("set_mempolicy mode 7", setpolicy(7, NULL, 0));
  show("set_mempolicy static and relative", setpolicy(MPOL_BIND | MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES, want, 64));
  show("set_mempolicy MPOL_F_NUMA_BALANCING with MPOL_INTERLEAVE", setpolicy(MPOL_INTERLEAVE | MPOL_F_NUMA_BALANCING, want, 64));
  show("set_mempolicy MPOL_BIND no nodes", setpolicy(MPOL_BIND, NULL, 0));
  show("set_mempolicy MPOL_DEFAULT with a node", setpolicy(MPOL_DEFAULT, want, 64));
  show("set_mempolicy maxnode 0 with a mask", setpolicy(MPOL_BIND, want, 0));
  show("set_mempolicy maxnode 40000", setpolicy(MPOL_BIND, want, 40000));
  show("set_mempolicy bad mask pointer", setpolicy(MPOL_BIND, (unsigned long *)8, 64));
  show("set_mempolicy MPOL_DEFAULT", setpolicy(MPOL_DEFAULT, NULL, 0));
  getpolicy("  now");
  return 0;
}
