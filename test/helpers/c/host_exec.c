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
#include "host_state.h"
#include <setjmp.h>
#include <sys/mman.h>

#define MEM_SIZE 4096

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
    STATE_LOAD_XMM("%rax")
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
  siglongjmp(g_jmp, 1);
}

int main(void) {
  uint8_t *code = mmap((void *)CODE_ADDR, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  uint8_t *mem = mmap((void *)MEM_ADDR, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (code == MAP_FAILED || mem == MAP_FAILED) return perror("mmap"), 1;
  on_faults(on_signal, SA_ONSTACK);

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
      putchar(' ');
      print_state(&g_out, 0);
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
