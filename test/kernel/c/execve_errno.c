/* execve_errno PATH: execve(PATH, {PATH}, {}) and print the errno it failed with (the kernel as oracle for what
   exec refuses). Prints "ran" if it succeeded (then the program runs in this process's place). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  char *args[] = {argv[1], NULL};
  char *env[] = {NULL};
  fflush(stdout);
  execve(argv[1], args, env);
  printf("%d\n", errno);
  return 0;
}
