/* host_sse: the host CPU as oracle for single SSE instructions. Reads cases from stdin, one per line:
     CODEHEX RFLAGS MXCSR GPR0..GPR15 XMM0..XMM15 MEMHEX
   (all hex; GPRs 16 hex digits in encoding order rax rcx rdx rbx rsp rbp rsi rdi r8..r15, rsp ignored;
   XMMs 32 hex digits, byte 0 first; MEM 256 bytes = 512 hex digits, byte 0 first) and runs the
   instruction at CODE_ADDR (a fixed address, so RIP-relative operands mean the same as in picemu) with
   that state and the 256 bytes of memory at MEM_ADDR, and prints the state after it in the same format
   (without the code), or "SIG signo si_code" when it faults. rflags: only the status flags and DF are
   loaded (TF and AC would trap). */
#include "host_state.h"
#include <setjmp.h>
#include <sys/mman.h>

#define MEM_SIZE 256

struct state g_state;
void *g_code;

/* Loads every GPR (rsp excepted), rflags, MXCSR and XMM0-15 from g_state, calls the code, stores them back. */
void run_state(void);
__asm__(
    ".text\n"
    ".globl run_state\n"
    "run_state:\n"
    "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
    "  lea g_state(%rip), %rdi\n"
    STATE_LOAD_XMM("%rdi")
    "  ldmxcsr 136(%rdi)\n"
    "  pushq 128(%rdi)\n  popfq\n"
    "  mov 0(%rdi), %rax\n  mov 8(%rdi), %rcx\n  mov 16(%rdi), %rdx\n  mov 24(%rdi), %rbx\n"
    "  mov 40(%rdi), %rbp\n  mov 48(%rdi), %rsi\n  mov 64(%rdi), %r8\n  mov 72(%rdi), %r9\n"
    "  mov 80(%rdi), %r10\n  mov 88(%rdi), %r11\n  mov 96(%rdi), %r12\n  mov 104(%rdi), %r13\n"
    "  mov 112(%rdi), %r14\n  mov 120(%rdi), %r15\n  mov 56(%rdi), %rdi\n"
    "  call *g_code(%rip)\n"
    "  pushfq\n  push %rdi\n"
    "  lea g_state(%rip), %rdi\n"
    "  mov %rax, 0(%rdi)\n  mov %rcx, 8(%rdi)\n  mov %rdx, 16(%rdi)\n  mov %rbx, 24(%rdi)\n"
    "  mov %rbp, 40(%rdi)\n  mov %rsi, 48(%rdi)\n  mov %r8, 64(%rdi)\n  mov %r9, 72(%rdi)\n"
    "  mov %r10, 80(%rdi)\n  mov %r11, 88(%rdi)\n  mov %r12, 96(%rdi)\n  mov %r13, 104(%rdi)\n"
    "  mov %r14, 112(%rdi)\n  mov %r15, 120(%rdi)\n"
    "  pop %rax\n  mov %rax, 56(%rdi)\n  pop %rax\n  mov %rax, 128(%rdi)\n"
    "  stmxcsr 136(%rdi)\n"
    STATE_STORE_XMM("%rdi")
    "  ldmxcsr default_mxcsr(%rip)\n"
    "  cld\n"
    "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
    "  ret\n"
    ".data\n"
    "default_mxcsr: .long 0x1f80\n"
    ".text\n");

static sigjmp_buf recover;
static volatile int fault_signo, fault_code;

static void on_fault(int signo, siginfo_t *info, void *ctx) {
  (void)ctx;
  fault_signo = signo;
  fault_code = info->si_code;
  siglongjmp(recover, 1);
}

int main(void) {
  uint8_t *code = mmap((void *)CODE_ADDR, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  uint8_t *mem = mmap((void *)MEM_ADDR, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code != (void *)CODE_ADDR || mem != (void *)MEM_ADDR) {
    fprintf(stderr, "host_sse: cannot map the fixed pages\n");
    return 2;
  }
  g_code = code;
  on_faults(on_fault, 0);

  static char line[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    char *p = line;
    uint8_t insn[16];
    size_t n = parse_code(&p, insn);
    if (n == 0) {
      fprintf(stderr, "host_sse: bad line\n");
      return 2;
    }
    if (parse_state(&p, &g_state, "host_sse")) return 2;
    if (parse_bytes(&p, mem, MEM_SIZE)) {
      fprintf(stderr, "host_sse: bad memory\n");
      return 2;
    }
    g_state.rflags = (g_state.rflags & 0xcd5) | 2; /* CF PF AF ZF SF DF OF */
    memcpy(code, insn, n);
    code[n] = 0xc3; /* ret */
    __builtin___clear_cache((char *)code, (char *)code + n + 1);
    if (sigsetjmp(recover, 1)) {
      __asm__ volatile("ldmxcsr %0\n cld" ::"m"((uint32_t){0x1f80}));
      printf("SIG %d %d\n", fault_signo, fault_code);
      fflush(stdout);
      continue;
    }
    run_state();
    print_state(&g_state, 1);
    printf(" ");
    print_bytes(mem, MEM_SIZE);
    printf("\n");
    fflush(stdout);
  }
  return 0;
}
