/* statfs_probe: statfs and fstatfs of paths and descriptors, every field that does not move while it runs
   (free block and inode counts do), or the errno; picemu's run must print what the native run prints. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

static void show(const char *what, int r, const struct statfs *s) {
  if (r != 0) {
    printf("%s: errno %d\n", what, errno);
    return;
  }
  printf("%s: type %lx bsize %ld blocks %lu files %lu fsid %x:%x namelen %ld frsize %ld flags %lx\n", what, (long)s->f_type,
         (long)s->f_bsize, (unsigned long)s->f_blocks, (unsigned long)s->f_files, s->f_fsid.__val[0], s->f_fsid.__val[1],
         (long)s->f_namelen, (long)s->f_frsize, (long)s->f_flags);
}

int main(int argc, char **argv) {
  struct statfs s;
  for (int k = 1; k < argc; k++) {
    memset(&s, 0, sizeof s);
    show(argv[k], statfs(argv[k], &s), &s);
    int fd = open(argv[k], O_RDONLY);
    if (fd >= 0) {
      memset(&s, 0, sizeof s);
      char what[300];
      snprintf(what, sizeof what, "fd of %s", argv[k]);
      show(what, fstatfs(fd, &s), &s);
      close(fd);
    }
  }
  int p[2];
  struct stat st;
  if (pipe(p) == 0 && fstat(p[0], &st) == 0) {
    /* pipefs has no fsid of its own: statfs gives its device number, which differs from boot to boot */
    int r = fstatfs(p[0], &s);
    int same = s.f_fsid.__val[0] == (int)st.st_dev && s.f_fsid.__val[1] == 0;
    s.f_fsid.__val[0] = s.f_fsid.__val[1] = 0;
    show("pipe", r, &s);
    printf("pipe: fsid is st_dev: %d\n", same);
  }
  show("bad fd", fstatfs(99, &s), &s);
  show("bad pointer", statfs("/", (struct statfs *)8), &s);
  return 0;
}
