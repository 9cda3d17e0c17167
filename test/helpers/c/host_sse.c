/* host_sse: the host CPU as oracle for single SSE instructions. Reads cases from stdin, one per line:
     CODEHEX RFLAGS MXCSR GPR0..GPR15 XMM0..XMM15 MEMHEX
   (all hex; GPRs 16 hex digits in encoding order rax rcx rdx rbx rsp rbp rsi rdi r8..r15, rsp ignored;
   XMMs 32 hex digits, byte 0 first; MEM 256 bytes = 512 hex digits, byte 0 first) and runs the
   instruction at CODE_ADDR (a fixed address, so RIP-relative operands mean the same as in picemu) with
   that state and the 256 bytes of memory at MEM_ADDR, and prints the state after it in the same format
   (without the code), or "SIG signo si_code" when it faults. rflags: only the status flags and DF are
   loaded (TF and AC would trap). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define CODE_ADDR 0x10000000UL
#define MEM_ADDR 0x20000000UL
#define MEM_SIZE 256

struct state {
  uint64_t gpr[16];    /* 0 */
  uint64_t rflags;     /* 128 */
  uint32_t mxcsr, pad; /* 136 */
  uint8_t xmm[16][16]; /* 144 */
};

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
    "  movdqu 144(%rdi), %xmm0\n  movdqu 160(%rdi), %xmm1\n  movdqu 176(%rdi), %xmm2\n  movdqu 192(%rdi), %xmm3\n"
    "  movdqu 208(%rdi), %xmm4\n  movdqu 224(%rdi), %xmm5\n  movdqu 240(%rdi), %xmm6\n  movdqu 256(%rdi), %xmm7\n"
    "  movdqu 272(%rdi), %xmm8\n  movdqu 288(%rdi), %xmm9\n  movdqu 304(%rdi), %xmm10\n  movdqu 320(%rdi), %xmm11\n"
    "  movdqu 336(%rdi), %xmm12\n  movdqu 352(%rdi), %xmm13\n  movdqu 368(%rdi), %xmm14\n  movdqu 384(%rdi), %xmm15\n"
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
    "  movdqu %xmm0, 144(%rdi)\n  movdqu %xmm1, 160(%rdi)\n  movdqu %xmm2, 176(%rdi)\n  movdqu %xmm3, 192(%rdi)\n"
    "  movdqu %xmm4, 208(%rdi)\n  movdqu %xmm5, 224(%rdi)\n  movdqu %xmm6, 240(%rdi)\n  movdqu %xmm7, 256(%rdi)\n"
    "  movdqu %xmm8, 272(%rdi)\n  movdqu %xmm9, 288(%rdi)\n  movdqu %xmm10, 304(%rdi)\n  movdqu %xmm11, 320(%rdi)\n"
    "  movdqu %xmm12, 336(%rdi)\n  movdqu %xmm13, 352(%rdi)\n  movdqu %xmm14, 368(%rdi)\n  movdqu %xmm15, 384(%rdi)\n"
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

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Parses `n` bytes of hex from *p into out (byte 0 first); advances past one separator. */
static int parse_bytes(char **p, uint8_t *out, size_t n) {
  char *s = *p;
  for (size_t k = 0; k < n; k++) {
    int hi = hexval(s[2 * k]), lo = hexval(s[2 * k + 1]);
    if (hi < 0 || lo < 0) return -1;
    out[k] = (uint8_t)(hi * 16 + lo);
  }
  s += 2 * n;
  if (*s == ' ') s++;
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
  uint8_t *code = mmap((void *)CODE_ADDR, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  uint8_t *mem = mmap((void *)MEM_ADDR, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code != (void *)CODE_ADDR || mem != (void *)MEM_ADDR) {
    fprintf(stderr, "host_sse: cannot map the fixed pages\n");
    return 2;
  }
  g_code = code;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGILL, &sa, NULL);
  sigaction(SIGFPE, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
  sigaction(SIGTRAP, &sa, NULL);

  static char line[1 << 16];
  while (fgets(line, sizeof line, stdin)) {
    char *p = line;
    uint8_t insn[16];
    size_t n = 0;
    while (hexval(p[0]) >= 0 && hexval(p[1]) >= 0 && n < 15) {
      insn[n++] = (uint8_t)(hexval(p[0]) * 16 + hexval(p[1]));
      p += 2;
    }
    if (*p == ' ') p++;
    uint64_t rflags, mxcsr;
    if (n == 0 || parse_u64(&p, &rflags) || parse_u64(&p, &mxcsr)) {
      fprintf(stderr, "host_sse: bad line\n");
      return 2;
    }
    for (int r = 0; r < 16; r++)
      if (parse_u64(&p, &g_state.gpr[r])) {
        fprintf(stderr, "host_sse: bad gpr %d\n", r);
        return 2;
      }
    for (int x = 0; x < 16; x++)
      if (parse_bytes(&p, g_state.xmm[x], 16)) {
        fprintf(stderr, "host_sse: bad xmm %d\n", x);
        return 2;
      }
    if (parse_bytes(&p, mem, MEM_SIZE)) {
      fprintf(stderr, "host_sse: bad memory\n");
      return 2;
    }
    g_state.rflags = (rflags & 0xcd5) | 2; /* CF PF AF ZF SF DF OF */
    g_state.mxcsr = (uint32_t)mxcsr;
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
    printf("%lx %lx", (unsigned long)g_state.rflags, (unsigned long)g_state.mxcsr);
    for (int r = 0; r < 16; r++) printf(" %016lx", (unsigned long)g_state.gpr[r]);
    for (int x = 0; x < 16; x++) {
      printf(" ");
      print_bytes(g_state.xmm[x], 16);
    }
    printf(" ");
    print_bytes(mem, MEM_SIZE);
    printf("\n");
    fflush(stdout);
  }
  return 0;
}
