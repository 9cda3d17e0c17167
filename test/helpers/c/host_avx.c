/* host_avx: the host CPU as oracle for single AVX/AVX2/FMA/BMI instructions (picemu's VEX tests): host_exec
   with YMM registers. Reads cases from stdin, one per line, all hex, space-separated:
     CODEHEX RFLAGS MXCSR GPR0..GPR15 YMM0..YMM15 MEMHEX
   YMMs 64 hex digits, byte 0 first. The code goes to CODE_ADDR in a page of hlt; the hlt where control lands
   ends the case (SIGSEGV there), and the signal context is the result: the YMM upper halves come from the
   XSAVE area the kernel writes into the signal frame (zero when XSTATE_BV says AVX is in its initial state).
   Prints, per case:
     OK RIP RFLAGS MXCSR GPR0..GPR15 YMM0..YMM15 [OFF:HEX...]
     SIG SIGNO SI_CODE SI_ADDR RIP RFLAGS MXCSR GPR.. YMM.. [OFF:HEX...] */
#include "host_state.h"
#include <setjmp.h>
#include <sys/mman.h>

#define MEM_SIZE 8192

struct state g_in, g_out;
uint8_t g_ymm[16][32], g_ymm_out[16][32];
uint64_t g_code = CODE_ADDR;
uint64_t g_host_rsp;
static sigjmp_buf g_jmp;
static int g_signo, g_code_si;
static uint64_t g_addr, g_rip;

void enter_guest(void);
__asm__(
    ".text\n"
    ".globl enter_guest\n"
    "enter_guest:\n"
    "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
    "  mov %rsp, g_host_rsp(%rip)\n"
    "  lea g_ymm(%rip), %rax\n"
    "  vmovdqu 0(%rax), %ymm0\n  vmovdqu 32(%rax), %ymm1\n  vmovdqu 64(%rax), %ymm2\n  vmovdqu 96(%rax), %ymm3\n"
    "  vmovdqu 128(%rax), %ymm4\n  vmovdqu 160(%rax), %ymm5\n  vmovdqu 192(%rax), %ymm6\n  vmovdqu 224(%rax), %ymm7\n"
    "  vmovdqu 256(%rax), %ymm8\n  vmovdqu 288(%rax), %ymm9\n  vmovdqu 320(%rax), %ymm10\n  vmovdqu 352(%rax), %ymm11\n"
    "  vmovdqu 384(%rax), %ymm12\n  vmovdqu 416(%rax), %ymm13\n  vmovdqu 448(%rax), %ymm14\n  vmovdqu 480(%rax), %ymm15\n"
    "  lea g_in(%rip), %rax\n"
    "  ldmxcsr 136(%rax)\n"
    "  mov 8(%rax), %rcx\n  mov 16(%rax), %rdx\n  mov 24(%rax), %rbx\n"
    "  mov 40(%rax), %rbp\n  mov 48(%rax), %rsi\n  mov 56(%rax), %rdi\n  mov 64(%rax), %r8\n  mov 72(%rax), %r9\n"
    "  mov 80(%rax), %r10\n  mov 88(%rax), %r11\n  mov 96(%rax), %r12\n  mov 104(%rax), %r13\n"
    "  mov 112(%rax), %r14\n  mov 120(%rax), %r15\n"
    "  pushq 128(%rax)\n  popfq\n"
    "  mov g_in+32(%rip), %rsp\n"
    "  mov g_in+0(%rip), %rax\n"
    "  jmp *g_code(%rip)\n");

static void on_signal(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  g_signo = sig;
  g_code_si = si->si_code;
  g_addr = (uint64_t)si->si_addr;
  g_rip = uc->uc_mcontext.gregs[REG_RIP];
  state_from_context(uc, &g_out);
  const uint8_t *xsave = (const uint8_t *)uc->uc_mcontext.fpregs;
  uint64_t bv;
  memcpy(&bv, xsave + 512, 8);
  for (int r = 0; r < 16; r++) {
    memcpy(g_ymm_out[r], g_out.xmm[r], 16);
    if (bv & 4) memcpy(g_ymm_out[r] + 16, xsave + 576 + 16 * r, 16);
    else memset(g_ymm_out[r] + 16, 0, 16);
  }
  siglongjmp(g_jmp, 1);
}

int main(void) {
  uint8_t *code = mmap((void *)CODE_ADDR, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  uint8_t *mem = mmap((void *)MEM_ADDR, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (code == MAP_FAILED || mem == MAP_FAILED) return perror("mmap"), 1;
  on_faults(on_signal, SA_ONSTACK);

  static char line[1 << 17];
  static uint8_t before[MEM_SIZE];
  char *tok[64];
  while (fgets(line, sizeof line, stdin)) {
    int n = 0;
    for (char *p = strtok(line, " \n"); p && n < 64; p = strtok(NULL, " \n")) tok[n++] = p;
    if (n < 35) {
      printf("ERR bad line\n");
      fflush(stdout);
      continue;
    }
    memset(code, 0xf4, 4096);
    hex_to_bytes(tok[0], code, 4096);
    size_t len = strlen(tok[0]) / 2;
    g_in.rflags = (strtoull(tok[1], NULL, 16) & 0xcd5) | 2;
    g_in.mxcsr = strtoul(tok[2], NULL, 16);
    for (int i = 0; i < 16; i++) g_in.gpr[i] = strtoull(tok[3 + i], NULL, 16);
    for (int i = 0; i < 16; i++) hex_to_bytes(tok[19 + i], g_ymm[i], 32);
    memset(mem, 0, MEM_SIZE);
    if (n > 35) hex_to_bytes(tok[35], mem, MEM_SIZE);
    memcpy(before, mem, MEM_SIZE);
    if (sigsetjmp(g_jmp, 1) == 0) enter_guest();
    int ended = g_signo == SIGSEGV && g_rip >= CODE_ADDR && g_rip < CODE_ADDR + 4096 && code[g_rip - CODE_ADDR] == 0xf4 &&
                (g_rip >= CODE_ADDR + len || g_rip > CODE_ADDR);
    if (ended)
      printf("OK %lx ", (unsigned long)g_rip);
    else
      printf("SIG %d %d %lx %lx ", g_signo, g_code_si, (unsigned long)g_addr, (unsigned long)g_rip);
    printf("%lx %x", (unsigned long)g_out.rflags, g_out.mxcsr);
    for (int r = 0; r < 16; r++) printf(" %lx", (unsigned long)g_out.gpr[r]);
    for (int r = 0; r < 16; r++) {
      putchar(' ');
      print_bytes(g_ymm_out[r], 32);
    }
    for (size_t k = 0; k < MEM_SIZE;) {
      if (mem[k] == before[k]) {
        k++;
        continue;
      }
      size_t e = k;
      while (e < MEM_SIZE && mem[e] != before[e]) e++;
      printf(" %zx:", k);
      print_bytes(mem + k, e - k);
      k = e;
    }
    putchar('\n');
    fflush(stdout);
  }
  return 0;
}
