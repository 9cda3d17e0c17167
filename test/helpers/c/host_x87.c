/* host_x87: the host CPU as oracle for single x87/MMX instructions. Reads cases from stdin, one per line:
     CODEHEX RFLAGS GPR0..GPR15 FXSAVEHEX MEMHEX
   (hex; GPRs 16 digits in encoding order, rsp ignored; FXSAVEHEX = 416 bytes of an FXSAVE image: x87 control,
   status, abridged tag, MXCSR, ST0-7/MM0-7, XMM0-15; MEM = 1024 bytes at MEM_ADDR), loads that state with
   fxrstor, runs the instruction at CODE_ADDR, and prints "RFLAGS GPR0..GPR15 FXSAVEHEX MEMHEX" after it (the
   image taken with fxsave64), or "SIG signo si_code" when it faults (a pending unmasked x87 exception is #MF:
   SIGFPE with the si_code Linux chooses). */
#include "host_state.h"
#include <setjmp.h>
#include <sys/mman.h>

#define MEM_SIZE 1024
#define FX_SIZE 416

struct x87state {
  uint64_t gpr[16];                          /* 0 */
  uint64_t rflags;                           /* 128 */
  uint64_t pad;                              /* 136 */
  uint8_t fx[512] __attribute__((aligned(16))); /* 144 */
};
_Static_assert(offsetof(struct x87state, rflags) == 128 && offsetof(struct x87state, fx) == 144, "offsets used below");

struct x87state g_x __attribute__((aligned(16)));
void *g_code;

void run_x87(void);
__asm__(
    ".text\n"
    ".globl run_x87\n"
    "run_x87:\n"
    "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
    "  lea g_x(%rip), %rdi\n"
    "  fxrstor64 144(%rdi)\n"
    "  pushq 128(%rdi)\n  popfq\n"
    "  mov 0(%rdi), %rax\n  mov 8(%rdi), %rcx\n  mov 16(%rdi), %rdx\n  mov 24(%rdi), %rbx\n"
    "  mov 40(%rdi), %rbp\n  mov 48(%rdi), %rsi\n  mov 64(%rdi), %r8\n  mov 72(%rdi), %r9\n"
    "  mov 80(%rdi), %r10\n  mov 88(%rdi), %r11\n  mov 96(%rdi), %r12\n  mov 104(%rdi), %r13\n"
    "  mov 112(%rdi), %r14\n  mov 120(%rdi), %r15\n  mov 56(%rdi), %rdi\n"
    "  call *g_code(%rip)\n"
    "  pushfq\n  push %rdi\n"
    "  lea g_x(%rip), %rdi\n"
    "  mov %rax, 0(%rdi)\n  mov %rcx, 8(%rdi)\n  mov %rdx, 16(%rdi)\n  mov %rbx, 24(%rdi)\n"
    "  mov %rbp, 40(%rdi)\n  mov %rsi, 48(%rdi)\n  mov %r8, 64(%rdi)\n  mov %r9, 72(%rdi)\n"
    "  mov %r10, 80(%rdi)\n  mov %r11, 88(%rdi)\n  mov %r12, 96(%rdi)\n  mov %r13, 104(%rdi)\n"
    "  mov %r14, 112(%rdi)\n  mov %r15, 120(%rdi)\n"
    "  pop %rax\n  mov %rax, 56(%rdi)\n  pop %rax\n  mov %rax, 128(%rdi)\n"
    "  fxsave64 144(%rdi)\n"
    "  fninit\n"
    "  ldmxcsr x87_default_mxcsr(%rip)\n"
    "  cld\n"
    "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
    "  ret\n"
    ".data\n"
    "x87_default_mxcsr: .long 0x1f80\n"
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
    fprintf(stderr, "host_x87: cannot map the fixed pages\n");
    return 2;
  }
  g_code = code;
  on_faults(on_fault, 0);

  static char line[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    char *p = line;
    uint8_t insn[16];
    size_t n = parse_code(&p, insn);
    if (n == 0 || parse_u64(&p, &g_x.rflags)) {
      fprintf(stderr, "host_x87: bad line\n");
      return 2;
    }
    for (int r = 0; r < 16; r++)
      if (parse_u64(&p, &g_x.gpr[r])) {
        fprintf(stderr, "host_x87: bad gpr %d\n", r);
        return 2;
      }
    memset(g_x.fx, 0, sizeof g_x.fx);
    if (parse_bytes(&p, g_x.fx, FX_SIZE) || parse_bytes(&p, mem, MEM_SIZE)) {
      fprintf(stderr, "host_x87: bad image or memory\n");
      return 2;
    }
    g_x.rflags = (g_x.rflags & 0xcd5) | 2;
    memcpy(code, insn, n);
    code[n] = 0xc3; /* ret */
    __builtin___clear_cache((char *)code, (char *)code + n + 1);
    if (sigsetjmp(recover, 1)) {
      __asm__ volatile("fninit\n ldmxcsr %0\n cld" ::"m"((uint32_t){0x1f80}));
      printf("SIG %d %d\n", fault_signo, fault_code);
      fflush(stdout);
      continue;
    }
    run_x87();
    printf("%lx", (unsigned long)g_x.rflags);
    for (int r = 0; r < 16; r++) printf(" %016lx", (unsigned long)g_x.gpr[r]);
    putchar(' ');
    print_bytes(g_x.fx, FX_SIZE);
    putchar(' ');
    print_bytes(mem, MEM_SIZE);
    putchar('\n');
    fflush(stdout);
  }
  return 0;
}
