/* xattr_probe: getxattr, lgetxattr, fgetxattr and the listxattr calls on files of several file systems (ext4 or
   whatever / is, proc, sysfs, devtmpfs, tmpfs, devpts, a pipe) for each attribute namespace, and the errnos of bad
   names and paths; prints results and errnos, one line each. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

static void show(const char *what, const char *on, long r) {
  if (r < 0) printf("%s %s: -1 %s\n", what, on, strerrorname_np(errno));
  else printf("%s %s: %ld\n", what, on, r);
}

static const char *NAMES[] = {"security.selinux", "system.posix_acl_access", "system.posix_acl_default", "user.x", "trusted.x", "bogus.x", "system.other"};

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  const char *paths[] = {"/etc/hostname", "/etc", "/proc/self/status", "/proc", "/sys/devices/system/cpu", "/dev/null", "/dev/shm", "/dev/pts", "/dev/pts/ptmx", "/tmp", "/proc/self"};
  char buf[256], list[1024];
  for (unsigned p = 0; p < sizeof paths / sizeof paths[0]; p++) {
    for (unsigned n = 0; n < sizeof NAMES / sizeof NAMES[0]; n++) {
      printf("%s ", NAMES[n]);
      show("getxattr", paths[p], getxattr(paths[p], NAMES[n], buf, sizeof buf));
      printf("%s ", NAMES[n]);
      show("lgetxattr", paths[p], lgetxattr(paths[p], NAMES[n], NULL, 0));
    }
    show("listxattr", paths[p], listxattr(paths[p], list, sizeof list));
    show("llistxattr", paths[p], llistxattr(paths[p], NULL, 0));
  }
  int fd = open("/etc/hostname", O_RDONLY);
  show("fgetxattr security.selinux", "/etc/hostname", fgetxattr(fd, "security.selinux", buf, sizeof buf));
  show("flistxattr", "/etc/hostname", flistxattr(fd, list, sizeof list));
  int p[2];
  pipe(p);
  for (unsigned n = 0; n < sizeof NAMES / sizeof NAMES[0]; n++) {
    printf("%s ", NAMES[n]);
    show("fgetxattr", "a pipe", fgetxattr(p[0], NAMES[n], buf, sizeof buf));
  }
  show("flistxattr", "a pipe", flistxattr(p[0], list, sizeof list));
  int opath = open("/etc/hostname", O_PATH);
  show("fgetxattr", "an O_PATH descriptor", fgetxattr(opath, "user.x", buf, sizeof buf));
  show("fgetxattr", "a closed descriptor", fgetxattr(99, "user.x", buf, sizeof buf));
  show("getxattr", "a missing file", getxattr("/nonexistent", "user.x", buf, sizeof buf));
  show("getxattr empty name", "/etc/hostname", getxattr("/etc/hostname", "", buf, sizeof buf));
  char longname[300];
  memset(longname, 'a', sizeof longname - 1);
  memcpy(longname, "user.", 5);
  longname[255] = 0;
  show("getxattr 255-byte name", "/etc/hostname", getxattr("/etc/hostname", longname, buf, sizeof buf));
  longname[255] = 'a';
  longname[256] = 0;
  show("getxattr 256-byte name", "/etc/hostname", getxattr("/etc/hostname", longname, buf, sizeof buf));
  show("getxattr bad name pointer", "/etc/hostname", getxattr("/etc/hostname", (const char *)8, buf, sizeof buf));
  show("getxattr bad path pointer", "", getxattr((const char *)8, "user.x", buf, sizeof buf));
  show("getxattr empty name, missing file", "", getxattr("/nonexistent", "", buf, sizeof buf));
  show("listxattr", "a missing file", listxattr("/nonexistent", list, sizeof list));
  return 0;
}
