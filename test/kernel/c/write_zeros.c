/* write_zeros MIB: writes MIB mebibytes of zeros to stdout in 1 MiB writes, without libc (so it runs on any CPU
   profile); exits 0, or 1 on a write error. For checking that output streams instead of piling up. */
typedef unsigned long u64;

static long sys3(long nr, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}

static char chunk[1 << 20];

__attribute__((used)) void zeros_main(u64 *sp) {
  const char *arg = (const char *)sp[2];
  long mib = 0;
  while (*arg >= '0' && *arg <= '9') mib = mib * 10 + (*arg++ - '0');
  for (long k = 0; k < mib; k++) {
    long done = 0;
    while (done < (long)sizeof chunk) {
      long n = sys3(1, 1, (long)chunk + done, (long)sizeof chunk - done);
      if (n <= 0) sys3(60, 1, 0, 0);
      done += n;
    }
  }
  sys3(60, 0, 0, 0);
}

__asm__(".globl _start\n_start:\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call zeros_main\n  hlt\n");
