/* host_single: the host CPU as oracle for ONE instruction with the whole user state, stack and branches
   included. Reads cases from stdin, one per line (all hex):
     CODEHEX ADDR RFLAGS MXCSR GPR0..GPR15 XMM0..XMM15 MEMHEX STACKHEX
   GPRs in encoding order (rax rcx rdx rbx rsp rbp rsi rdi r8..r15), rsp included; XMMs byte 0 first;
   MEM = 256 bytes at MEM_ADDR, STACK = 4096 bytes at STACK_ADDR. The instruction is placed at ADDR inside
   a code region filled with int3, and run with the trap flag set: a raised SIGUSR1 handler loads the case
   into its signal frame (sigreturn then loads every register), the single-step trap's handler captures the
   state after the one instruction and puts the original frame back. Prints
     RIP RFLAGS MXCSR GPR0..15 XMM0..15 MEMHEX STACKHEX
   or "SIG signo si_code" when the instruction faults. Handlers run on an alternate stack, so the guest
   stack page holds only what the instruction wrote. */
#include "host_state.h"
#include <sys/mman.h>

#define CODE_SIZE (4UL << 20)
#define MEM_SIZE 256
#define STACK_ADDR 0x30000000UL
#define STACK_SIZE 4096
#define TF 0x100UL

static struct state in, out;
static uint64_t in_rip, out_rip;

static gregset_t saved_gregs;
static struct _libc_fpstate saved_fp;
static volatile int fault_signo, fault_code, done;

static void load_case(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)info;
  ucontext_t *uc = ctx;
  memcpy(saved_gregs, uc->uc_mcontext.gregs, sizeof saved_gregs);
  saved_fp = *uc->uc_mcontext.fpregs;
  state_to_context(&in, uc);
  uc->uc_mcontext.gregs[REG_RIP] = (greg_t)in_rip;
  uc->uc_mcontext.gregs[REG_EFL] = (greg_t)((in.rflags & 0xcd5) | 0x202 | TF);
}

static void put_back(ucontext_t *uc) {
  memcpy(uc->uc_mcontext.gregs, saved_gregs, sizeof saved_gregs);
  *uc->uc_mcontext.fpregs = saved_fp;
}

static void after_step(int sig, siginfo_t *info, void *ctx) {
  ucontext_t *uc = ctx;
  if (sig == SIGTRAP && info->si_code == TRAP_TRACE) {
    state_from_context(uc, &out);
    out_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    out.rflags &= ~TF;
    fault_signo = 0;
  } else {
    fault_signo = sig;
    fault_code = info->si_code;
  }
  done = 1;
  put_back(uc);
}

int main(void) {
  uint8_t *code = mmap((void *)CODE_ADDR, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  uint8_t *mem = mmap((void *)MEM_ADDR, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  uint8_t *stack = mmap((void *)STACK_ADDR, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code != (void *)CODE_ADDR || mem != (void *)MEM_ADDR || stack != (void *)STACK_ADDR) {
    fprintf(stderr, "host_single: cannot map the fixed pages\n");
    return 2;
  }
  memset(code, 0xcc, CODE_SIZE);

  on_faults(after_step, SA_ONSTACK);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sa.sa_sigaction = load_case;
  sigaction(SIGUSR1, &sa, NULL);

  static char line[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    char *p = line;
    uint8_t insn[16];
    size_t n = parse_code(&p, insn);
    if (n == 0 || parse_u64(&p, &in_rip)) {
      fprintf(stderr, "host_single: bad line\n");
      return 2;
    }
    if (parse_state(&p, &in, "host_single")) return 2;
    if (parse_bytes(&p, mem, MEM_SIZE) || parse_bytes(&p, stack, STACK_SIZE)) {
      fprintf(stderr, "host_single: bad memory\n");
      return 2;
    }
    if (in_rip < CODE_ADDR || in_rip + n > CODE_ADDR + CODE_SIZE) {
      fprintf(stderr, "host_single: address outside the code region\n");
      return 2;
    }
    uint8_t *at = code + (in_rip - CODE_ADDR);
    memcpy(at, insn, n);
    __builtin___clear_cache((char *)at, (char *)at + n);
    done = 0;
    raise(SIGUSR1);
    memset(at, 0xcc, n);
    if (!done) {
      fprintf(stderr, "host_single: the instruction never trapped\n");
      return 2;
    }
    if (fault_signo) {
      printf("SIG %d %d\n", fault_signo, fault_code);
    } else {
      printf("%lx ", (unsigned long)out_rip);
      print_state(&out, 1);
      printf(" ");
      print_bytes(mem, MEM_SIZE);
      printf(" ");
      print_bytes(stack, STACK_SIZE);
      printf("\n");
    }
    fflush(stdout);
  }
  return 0;
}
