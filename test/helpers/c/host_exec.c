/* host_exec: the host CPU as oracle for single x86-64 instructions (picemu's integer ISA tests).
   Reads cases from stdin, one per line, all hex, space-separated:
     CODEHEX RFLAGS MXCSR GPR0..GPR15 XMM0..XMM15 MEMHEX
   GPRs in encoding order (rax rcx rdx rbx rsp rbp rsi rdi r8..r15), RSP included (it may point into the
   data pages); XMMs 32 hex digits, byte 0 first; MEMHEX up to MEM_SIZE bytes at MEM_ADDR (the rest 0).
   The code goes to CODE_ADDR in a page otherwise filled with hlt (0xf4); the instruction runs with that
   state, and the hlt where control lands ends it: SIGSEGV there, and the signal context is the result.
   Prints, per case:
     OK RIP RFLAGS MXCSR GPR0..GPR15 XMM0..XMM15 [OFF:HEX...]  (state after; then each run of changed memory bytes)
     SIG SIGNO SI_CODE SI_ADDR RIP RFLAGS MXCSR GPR.. XMM.. [OFF:HEX...]  (it faulted: the signal, then the state at the fault)
   Only the status flags and DF are loaded into RFLAGS (TF/AC would trap). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define CODE_ADDR 0x10000000UL
#define MEM_ADDR 0x20000000UL
#define MEM_SIZE 4096

struct state {
  uint64_t gpr[16];    /* 0 */
  uint64_t rflags;     /* 128 */
  uint32_t mxcsr, pad; /* 136 */
  uint8_t xmm[16][16]; /* 144 */
};

struct state g_in, g_out;
uint64_t g_code = CODE_ADDR;
uint64_t g_host_rsp;
static sigjmp_buf g_jmp;
static int g_signo, g_code_si;
static uint64_t g_addr, g_rip;

/* Loads XMM, MXCSR, RFLAGS and every GPR (RSP last but one, RAX last, all RIP-relative) and jumps to the code. */
void enter_guest(void);
__asm__(
    ".text\n"
    ".globl enter_guest\n"
    "enter_guest:\n"
    "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
    "  mov %rsp, g_host_rsp(%rip)\n"
    "  lea g_in(%rip), %rax\n"
    "  movdqu 144(%rax), %xmm0\n  movdqu 160(%rax), %xmm1\n  movdqu 176(%rax), %xmm2\n  movdqu 192(%rax), %xmm3\n"
    "  movdqu 208(%rax), %xmm4\n  movdqu 224(%rax), %xmm5\n  movdqu 240(%rax), %xmm6\n  movdqu 256(%rax), %xmm7\n"
    "  movdqu 272(%rax), %xmm8\n  movdqu 288(%rax), %xmm9\n  movdqu 304(%rax), %xmm10\n  movdqu 320(%rax), %xmm11\n"
    "  movdqu 336(%rax), %xmm12\n  movdqu 352(%rax), %xmm13\n  movdqu 368(%rax), %xmm14\n  movdqu 384(%rax), %xmm15\n"
    "  ldmxcsr 136(%rax)\n"
    "  mov 8(%rax), %rcx\n  mov 16(%rax), %rdx\n  mov 24(%rax), %rbx\n"
    "  mov 40(%rax), %rbp\n  mov 48(%rax), %rsi\n  mov 56(%rax), %rdi\n  mov 64(%rax), %r8\n  mov 72(%rax), %r9\n"
    "  mov 80(%rax), %r10\n  mov 88(%rax), %r11\n  mov 96(%rax), %r12\n  mov 104(%rax), %r13\n"
    "  mov 112(%rax), %r14\n  mov 120(%rax), %r15\n"
    "  pushq 128(%rax)\n  popfq\n"
    "  mov g_in+32(%rip), %rsp\n"
    "  mov g_in+0(%rip), %rax\n"
    "  jmp *g_code(%rip)\n");

static const int greg_of[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};

static void on_signal(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  g_signo = sig;
  g_code_si = si->si_code;
  g_addr = (uint64_t)si->si_addr;
  g_rip = uc->uc_mcontext.gregs[REG_RIP];
  for (int i = 0; i < 16; i++) g_out.gpr[i] = uc->uc_mcontext.gregs[greg_of[i]];
  g_out.rflags = uc->uc_mcontext.gregs[REG_EFL];
  g_out.mxcsr = uc->uc_mcontext.fpregs->mxcsr;
  memcpy(g_out.xmm, uc->uc_mcontext.fpregs->_xmm, sizeof g_out.xmm);
  siglongjmp(g_jmp, 1);
}

static int hexval(int c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }
static void hex_to_bytes(const char *h, uint8_t *out, size_t max) {
  size_t n = strlen(h) / 2;
  for (size_t i = 0; i < n && i < max; i++) out[i] = hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]);
}
static void print_bytes(const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
}

int main(void) {
  uint8_t *code = mmap((void *)CODE_ADDR, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  uint8_t *mem = mmap((void *)MEM_ADDR, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (code == MAP_FAILED || mem == MAP_FAILED) return perror("mmap"), 1;
  static uint8_t altstack[65536];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
  sigaltstack(&ss, NULL);
  struct sigaction sa = {0};
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  int sigs[] = {SIGSEGV, SIGILL, SIGFPE, SIGTRAP, SIGBUS};
  for (int i = 0; i < 5; i++) sigaction(sigs[i], &sa, NULL);

  static char line[1 << 16];
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
    for (int i = 0; i < 16; i++) hex_to_bytes(tok[19 + i], g_in.xmm[i], 16);
    memset(mem, 0, MEM_SIZE);
    if (n > 35) hex_to_bytes(tok[35], mem, MEM_SIZE);
    memcpy(before, mem, MEM_SIZE);
    if (sigsetjmp(g_jmp, 1) == 0) enter_guest();
    /* Control reached a hlt we placed (not the instruction itself): the instruction completed. */
    int ended = g_signo == SIGSEGV && g_rip >= CODE_ADDR && g_rip < CODE_ADDR + 4096 && code[g_rip - CODE_ADDR] == 0xf4 &&
                (g_rip >= CODE_ADDR + len || g_rip > CODE_ADDR);
    if (ended && !(len == 1 && code[0] == 0xf4 && g_rip == CODE_ADDR))
      printf("OK %lx", (unsigned long)g_rip);
    else
      printf("SIG %d %d %lx %lx", g_signo, g_code_si, (unsigned long)g_addr, (unsigned long)g_rip);
    {
      printf(" %lx %x", (unsigned long)g_out.rflags, g_out.mxcsr);
      for (int i = 0; i < 16; i++) printf(" %lx", (unsigned long)g_out.gpr[i]);
      for (int i = 0; i < 16; i++) putchar(' '), print_bytes(g_out.xmm[i], 16);
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
    }
    fflush(stdout);
  }
  return 0;
}
