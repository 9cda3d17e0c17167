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
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define CODE_ADDR 0x10000000UL
#define CODE_SIZE (4UL << 20)
#define MEM_ADDR 0x20000000UL
#define MEM_SIZE 256
#define STACK_ADDR 0x30000000UL
#define STACK_SIZE 4096
#define TF 0x100UL

/* gregs index per encoding-order register. */
static const int GREG[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                             REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};

static struct {
  uint64_t rip, rflags, gpr[16];
  uint32_t mxcsr;
  uint8_t xmm[16][16];
} in, out;

static gregset_t saved_gregs;
static struct _libc_fpstate saved_fp;
static volatile int fault_signo, fault_code, done;

static void load_case(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)info;
  ucontext_t *uc = ctx;
  memcpy(saved_gregs, uc->uc_mcontext.gregs, sizeof saved_gregs);
  saved_fp = *uc->uc_mcontext.fpregs;
  for (int r = 0; r < 16; r++) uc->uc_mcontext.gregs[GREG[r]] = (greg_t)in.gpr[r];
  uc->uc_mcontext.gregs[REG_RIP] = (greg_t)in.rip;
  uc->uc_mcontext.gregs[REG_EFL] = (greg_t)((in.rflags & 0xcd5) | 0x202 | TF);
  uc->uc_mcontext.fpregs->mxcsr = in.mxcsr;
  memcpy(uc->uc_mcontext.fpregs->_xmm, in.xmm, sizeof in.xmm);
}

static void put_back(ucontext_t *uc) {
  memcpy(uc->uc_mcontext.gregs, saved_gregs, sizeof saved_gregs);
  *uc->uc_mcontext.fpregs = saved_fp;
}

static void after_step(int sig, siginfo_t *info, void *ctx) {
  ucontext_t *uc = ctx;
  if (sig == SIGTRAP && info->si_code == TRAP_TRACE) {
    for (int r = 0; r < 16; r++) out.gpr[r] = (uint64_t)uc->uc_mcontext.gregs[GREG[r]];
    out.rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
    out.rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL] & ~TF;
    out.mxcsr = uc->uc_mcontext.fpregs->mxcsr;
    memcpy(out.xmm, uc->uc_mcontext.fpregs->_xmm, sizeof out.xmm);
    fault_signo = 0;
  } else {
    fault_signo = sig;
    fault_code = info->si_code;
  }
  done = 1;
  put_back(uc);
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int parse_bytes(char **p, uint8_t *dst, size_t n) {
  char *s = *p;
  for (size_t k = 0; k < n; k++) {
    int hi = hexval(s[2 * k]), lo = hexval(s[2 * k + 1]);
    if (hi < 0 || lo < 0) return -1;
    dst[k] = (uint8_t)(hi * 16 + lo);
  }
  s += 2 * n;
  while (*s == ' ') s++;
  *p = s;
  return 0;
}

static int parse_u64(char **p, uint64_t *v) {
  char *end;
  *v = strtoull(*p, &end, 16);
  if (end == *p) return -1;
  *p = end;
  while (**p == ' ') (*p)++;
  return 0;
}

static void print_bytes(const uint8_t *b, size_t n) {
  for (size_t k = 0; k < n; k++) printf("%02x", b[k]);
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

  static uint8_t altstack[1 << 16];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sa.sa_sigaction = load_case;
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_sigaction = after_step;
  int faults[] = {SIGTRAP, SIGSEGV, SIGILL, SIGFPE, SIGBUS};
  for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) sigaction(faults[i], &sa, NULL);

  static char line[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    char *p = line;
    uint8_t insn[16];
    size_t n = 0;
    while (hexval(p[0]) >= 0 && hexval(p[1]) >= 0 && n < 15) {
      insn[n++] = (uint8_t)(hexval(p[0]) * 16 + hexval(p[1]));
      p += 2;
    }
    while (*p == ' ') p++;
    uint64_t mxcsr;
    if (n == 0 || parse_u64(&p, &in.rip) || parse_u64(&p, &in.rflags) || parse_u64(&p, &mxcsr)) {
      fprintf(stderr, "host_single: bad line\n");
      return 2;
    }
    in.mxcsr = (uint32_t)mxcsr;
    for (int r = 0; r < 16; r++)
      if (parse_u64(&p, &in.gpr[r])) {
        fprintf(stderr, "host_single: bad gpr %d\n", r);
        return 2;
      }
    for (int x = 0; x < 16; x++)
      if (parse_bytes(&p, in.xmm[x], 16)) {
        fprintf(stderr, "host_single: bad xmm %d\n", x);
        return 2;
      }
    if (parse_bytes(&p, mem, MEM_SIZE) || parse_bytes(&p, stack, STACK_SIZE)) {
      fprintf(stderr, "host_single: bad memory\n");
      return 2;
    }
    if (in.rip < CODE_ADDR || in.rip + n > CODE_ADDR + CODE_SIZE) {
      fprintf(stderr, "host_single: address outside the code region\n");
      return 2;
    }
    uint8_t *at = code + (in.rip - CODE_ADDR);
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
      printf("%lx %lx %x", (unsigned long)out.rip, (unsigned long)out.rflags, out.mxcsr);
      for (int r = 0; r < 16; r++) printf(" %016lx", (unsigned long)out.gpr[r]);
      for (int x = 0; x < 16; x++) {
        printf(" ");
        print_bytes(out.xmm[x], 16);
      }
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
