/* What the host_* oracles (host_sse.c, host_single.c, host_exec.c) share: the register state and its
   layout (the assembly in host_sse/host_exec addresses it by offset), hex parsing of a case line, printing
   the state, moving it between a signal context and `struct state`, and installing the fault handlers. */
#ifndef PICEMU_HOST_STATE_H
#define PICEMU_HOST_STATE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define CODE_ADDR 0x10000000UL
#define MEM_ADDR 0x20000000UL

struct state {
  uint64_t gpr[16];    /* 0: encoding order rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
  uint64_t rflags;     /* 128 */
  uint32_t mxcsr, pad; /* 136 */
  uint8_t xmm[16][16]; /* 144: byte 0 first */
};
_Static_assert(offsetof(struct state, rflags) == 128 && offsetof(struct state, mxcsr) == 136 &&
                   offsetof(struct state, xmm) == 144 && sizeof(struct state) == 400,
               "the assembly addresses struct state by these offsets");

/* Assembly: XMM0-15 from / to the struct state at register R (a string: "%rdi"). */
#define STATE_LOAD_XMM(R)                                                                                        \
  "  movdqu 144(" R "), %xmm0\n  movdqu 160(" R "), %xmm1\n  movdqu 176(" R "), %xmm2\n  movdqu 192(" R "), %xmm3\n" \
  "  movdqu 208(" R "), %xmm4\n  movdqu 224(" R "), %xmm5\n  movdqu 240(" R "), %xmm6\n  movdqu 256(" R "), %xmm7\n" \
  "  movdqu 272(" R "), %xmm8\n  movdqu 288(" R "), %xmm9\n  movdqu 304(" R "), %xmm10\n  movdqu 320(" R "), %xmm11\n" \
  "  movdqu 336(" R "), %xmm12\n  movdqu 352(" R "), %xmm13\n  movdqu 368(" R "), %xmm14\n  movdqu 384(" R "), %xmm15\n"
#define STATE_STORE_XMM(R)                                                                                       \
  "  movdqu %xmm0, 144(" R ")\n  movdqu %xmm1, 160(" R ")\n  movdqu %xmm2, 176(" R ")\n  movdqu %xmm3, 192(" R ")\n" \
  "  movdqu %xmm4, 208(" R ")\n  movdqu %xmm5, 224(" R ")\n  movdqu %xmm6, 240(" R ")\n  movdqu %xmm7, 256(" R ")\n" \
  "  movdqu %xmm8, 272(" R ")\n  movdqu %xmm9, 288(" R ")\n  movdqu %xmm10, 304(" R ")\n  movdqu %xmm11, 320(" R ")\n" \
  "  movdqu %xmm12, 336(" R ")\n  movdqu %xmm13, 352(" R ")\n  movdqu %xmm14, 368(" R ")\n  movdqu %xmm15, 384(" R ")\n"

/* gregs index per encoding-order register. */
static const int GREG[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                             REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};

static inline int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Parses `n` bytes of hex from *p into dst (byte 0 first); advances past the spaces after them. */
static inline int parse_bytes(char **p, uint8_t *dst, size_t n) {
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

/* Parses one hex number from *p; advances past the spaces after it. */
static inline int parse_u64(char **p, uint64_t *v) {
  char *end;
  *v = strtoull(*p, &end, 16);
  if (end == *p) return -1;
  *p = end;
  while (**p == ' ') (*p)++;
  return 0;
}

/* Parses the instruction bytes at the start of a case line (at most 15) into insn; returns how many. */
static inline size_t parse_code(char **p, uint8_t insn[16]) {
  size_t n = 0;
  while (hexval((*p)[0]) >= 0 && hexval((*p)[1]) >= 0 && n < 15) {
    insn[n++] = (uint8_t)(hexval((*p)[0]) * 16 + hexval((*p)[1]));
    *p += 2;
  }
  while (**p == ' ') (*p)++;
  return n;
}

/* Parses "RFLAGS MXCSR GPR0..GPR15 XMM0..XMM15" into s, as given; on a bad field prints "PROG: bad ..."
   to stderr and returns -1. */
static inline int parse_state(char **p, struct state *s, const char *prog) {
  uint64_t mxcsr;
  if (parse_u64(p, &s->rflags) || parse_u64(p, &mxcsr)) {
    fprintf(stderr, "%s: bad line\n", prog);
    return -1;
  }
  s->mxcsr = (uint32_t)mxcsr;
  for (int r = 0; r < 16; r++)
    if (parse_u64(p, &s->gpr[r])) {
      fprintf(stderr, "%s: bad gpr %d\n", prog, r);
      return -1;
    }
  for (int x = 0; x < 16; x++)
    if (parse_bytes(p, s->xmm[x], 16)) {
      fprintf(stderr, "%s: bad xmm %d\n", prog, x);
      return -1;
    }
  return 0;
}

/* Up to max bytes of the hex string h into dst (byte 0 first), no checks. */
static inline void hex_to_bytes(const char *h, uint8_t *dst, size_t max) {
  size_t n = strlen(h) / 2;
  for (size_t i = 0; i < n && i < max; i++) dst[i] = (uint8_t)(hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]));
}

static inline void print_bytes(const uint8_t *b, size_t n) {
  for (size_t k = 0; k < n; k++) printf("%02x", b[k]);
}

/* Prints "RFLAGS MXCSR GPR0..GPR15 XMM0..XMM15": GPRs as 16 hex digits when padded, else shortest. */
static inline void print_state(const struct state *s, int padded) {
  printf("%lx %x", (unsigned long)s->rflags, s->mxcsr);
  for (int r = 0; r < 16; r++) printf(padded ? " %016lx" : " %lx", (unsigned long)s->gpr[r]);
  for (int x = 0; x < 16; x++) {
    putchar(' ');
    print_bytes(s->xmm[x], 16);
  }
}

/* The state in a signal context (RIP not included). */
static inline void state_from_context(const ucontext_t *uc, struct state *s) {
  for (int r = 0; r < 16; r++) s->gpr[r] = (uint64_t)uc->uc_mcontext.gregs[GREG[r]];
  s->rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
  s->mxcsr = uc->uc_mcontext.fpregs->mxcsr;
  memcpy(s->xmm, uc->uc_mcontext.fpregs->_xmm, sizeof s->xmm);
}

/* Puts the state into a signal context (RIP not included), for sigreturn to load. */
static inline void state_to_context(const struct state *s, ucontext_t *uc) {
  for (int r = 0; r < 16; r++) uc->uc_mcontext.gregs[GREG[r]] = (greg_t)s->gpr[r];
  uc->uc_mcontext.gregs[REG_EFL] = (greg_t)s->rflags;
  uc->uc_mcontext.fpregs->mxcsr = s->mxcsr;
  memcpy(uc->uc_mcontext.fpregs->_xmm, s->xmm, sizeof s->xmm);
}

/* Installs handler (SA_SIGINFO | SA_NODEFER | flags) for the signals an instruction can raise: SIGTRAP,
   SIGSEGV, SIGILL, SIGFPE, SIGBUS. With SA_ONSTACK in flags, handlers run on an alternate stack first set up. */
static inline void on_faults(void (*handler)(int, siginfo_t *, void *), int flags) {
  if (flags & SA_ONSTACK) {
    static uint8_t altstack[1 << 16];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    sigaltstack(&ss, NULL);
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER | flags;
  sigemptyset(&sa.sa_mask);
  int faults[] = {SIGTRAP, SIGSEGV, SIGILL, SIGFPE, SIGBUS};
  for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++) sigaction(faults[i], &sa, NULL);
}

#endif
