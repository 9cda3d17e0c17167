/* signal_xstate: the XSAVE area of a signal frame as the kernel writes it on a CPU with AVX, and what sigreturn
   restores from it. YMM0/YMM1 are loaded and the signal sent in one asm block (no libc code in between can touch
   them); the handler prints what the frame holds (uc_flags' UC_FP_XSTATE, the FP_XSTATE magic words, the features,
   xstate_bv's low bits, the upper halves), what it saw itself at entry (cleared upper halves), then changes the
   frame: a new upper half for YMM1, xstate_bv's AVX bit cleared (YMM comes back in its initial state), MAGIC1
   broken (the legacy fxsave part alone is restored). Sizes depend on the host's XCR0 and are not printed. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#define YMM_OFFSET 576

static int mode;
static uint64_t entry_hi[2];

static void handler(int sig, siginfo_t *si, void *ctx) {
  (void)sig, (void)si;
  __asm__ volatile("vextractf128 $1, %%ymm0, %0" : "=m"(entry_hi));
  ucontext_t *uc = ctx;
  unsigned char *fp = (unsigned char *)uc->uc_mcontext.fpregs;
  uint32_t magic1, ext, xsize, magic2;
  uint64_t xfeatures, bv, y0[2], y1[2], x0[2];
  memcpy(&magic1, fp + 464, 4);
  memcpy(&ext, fp + 468, 4);
  memcpy(&xfeatures, fp + 472, 8);
  memcpy(&xsize, fp + 480, 4);
  memcpy(&magic2, fp + xsize, 4);
  memcpy(&bv, fp + 512, 8);
  memcpy(x0, fp + 160, 16);
  memcpy(y0, fp + YMM_OFFSET, 16);
  memcpy(y1, fp + YMM_OFFSET + 16, 16);
  printf("mode %d: uc_fp_xstate=%d aligned=%d magic1=%d magic2=%d ext=xsize+4:%d features&7=%lx xstate_bv&7=%lx\n", mode,
         (int)(uc->uc_flags & 1), (int)((uintptr_t)fp % 64 == 0), magic1 == FP_XSTATE_MAGIC1, magic2 == FP_XSTATE_MAGIC2,
         ext == xsize + 4, (unsigned long)(xfeatures & 7), (unsigned long)(bv & 7));
  printf("  frame: xmm0=%016lx%016lx ymm0.hi=%016lx%016lx ymm1.hi=%016lx%016lx; at entry ymm0.hi=%016lx%016lx\n",
         (unsigned long)x0[1], (unsigned long)x0[0], (unsigned long)y0[1], (unsigned long)y0[0], (unsigned long)y1[1],
         (unsigned long)y1[0], (unsigned long)entry_hi[1], (unsigned long)entry_hi[0]);
  if (mode == 0) {
    uint64_t v[2] = {0x1122334455667788ULL, 0x99aabbccddeeff00ULL};
    memcpy(fp + YMM_OFFSET + 16, v, 16);
  } else if (mode == 1) {
    bv &= ~4ULL;
    memcpy(fp + 512, &bv, 8);
  } else {
    magic1 = 0;
    memcpy(fp + 464, &magic1, 4);
  }
}

static void signal_with_ymm(uint64_t out0[4], uint64_t out1[4]) {
  static const uint64_t v0[4] = {0x0101010101010101ULL, 0x0202020202020202ULL, 0x0303030303030303ULL, 0x0404040404040404ULL};
  static const uint64_t v1[4] = {0x1111111111111111ULL, 0x2222222222222222ULL, 0x3333333333333333ULL, 0x4444444444444444ULL};
  long pid = getpid();
  __asm__ volatile("vmovdqu (%[v0]), %%ymm0\n"
                   "vmovdqu (%[v1]), %%ymm1\n"
                   "mov $62, %%eax\n" /* kill(pid, SIGUSR1): delivered on the way back */
                   "mov %[pid], %%rdi\n"
                   "mov $10, %%esi\n"
                   "syscall\n"
                   "vmovdqu %%ymm0, (%[o0])\n"
                   "vmovdqu %%ymm1, (%[o1])\n"
                   "vzeroupper\n"
                   :
                   : [v0] "r"(v0), [v1] "r"(v1), [o0] "r"(out0), [o1] "r"(out1), [pid] "r"(pid)
                   : "rax", "rdi", "rsi", "rcx", "r11", "memory", "xmm0", "xmm1");
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  for (mode = 0; mode < 3; mode++) {
    uint64_t y0[4], y1[4];
    signal_with_ymm(y0, y1);
    printf("  after sigreturn: ymm0=%016lx%016lx%016lx%016lx ymm1=%016lx%016lx%016lx%016lx\n", (unsigned long)y0[3],
           (unsigned long)y0[2], (unsigned long)y0[1], (unsigned long)y0[0], (unsigned long)y1[3], (unsigned long)y1[2],
           (unsigned long)y1[1], (unsigned long)y1[0]);
  }
  return 0;
}
