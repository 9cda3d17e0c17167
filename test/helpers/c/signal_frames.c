/* signal_frames: the kernel as oracle for signal delivery. Installs handlers and makes signals happen — faults
   (SIGSEGV on a read-only and on an unmapped page, SIGILL, SIGFPE, SIGTRAP), kill, tgkill, an ignored signal,
   SA_ONSTACK on an alternate stack, SA_NODEFER, SA_RESETHAND, default actions in children — and prints what each
   handler sees: si_signo/si_code/si_addr (addresses relative to the program's own buffers and code), sigcontext
   registers, err/trapno/cr2, the frame's layout (siginfo after ucontext, the return address = sa_restorer,
   rsp % 16), the blocked mask, the alternate-stack state; handlers change registers (RIP, RAX, XMM0) and the
   changes must take effect after sigreturn. Every line is comparable across machines (no raw addresses). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

extern char regs_stub[], regs_ud2[];
extern uint64_t regs_stub_xmm_after;
uint64_t regs_stub_xmm_after;
unsigned char regs_stub_st0_after[10];
/* Loads known values into every register, xmm0 included, executes ud2 (the handler skips it and changes rax and
   xmm0), then saves xmm0 and returns rax. Callee-saved registers are restored. */
__asm__(".text\n.globl regs_stub\nregs_stub:\n"
        "push %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\n"
        "mov $0x1111222233334444, %rax\nmovq %rax, %xmm0\nfninit\nfldpi\n"
        "xor %eax, %eax\n" /* ZF=1 PF=1: flags the frame must show */
        "mov $0xb0b0, %rbx\nmov $0xc0c0, %rcx\nmov $0xd0d0, %rdx\nmov $0x5151, %rsi\nmov $0xd1d1, %rdi\nmov $0xb9b9, %rbp\n"
        "mov $0x0808, %r8\nmov $0x0909, %r9\nmov $0x1010, %r10\nmov $0x1111, %r11\nmov $0x1212, %r12\nmov $0x1313, %r13\n"
        "mov $0x1414, %r14\nmov $0x1515, %r15\nmov $0xa0a0, %rax\n"
        ".globl regs_ud2\nregs_ud2:\nud2\n"
        "movq %xmm0, regs_stub_xmm_after(%rip)\nfstpt regs_stub_st0_after(%rip)\n"
        "pop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\nret\n");

static char *page;          /* a page made read-only, then unmapped */
static char altstack[65536];
static volatile int which;  /* what the handler should do */
static const char *names[] = { [SIGSEGV] = "SIGSEGV", [SIGILL] = "SIGILL", [SIGFPE] = "SIGFPE", [SIGTRAP] = "SIGTRAP",
                               [SIGUSR1] = "SIGUSR1", [SIGUSR2] = "SIGUSR2", [SIGTERM] = "SIGTERM" };

static long rel(void *p, void *base) { return (long)((char *)p - (char *)base); }

static void show_common(int sig, siginfo_t *si, ucontext_t *uc) {
  mcontext_t *m = &uc->uc_mcontext;
  sigset_t now;
  sigprocmask(SIG_SETMASK, NULL, &now);
  printf("  %s signo=%d code=%d frame: info-uc=%ld rsp%%16=%ld restorer=%s uc_flags&6=%ld fpstate=%s csgsfs=%llx\n",
         names[sig], si->si_signo, si->si_code, (long)((char *)si - (char *)uc), (long)(((uintptr_t)uc - 8) % 16),
         *(void **)((char *)uc - 8) == NULL ? "null" : "set", (long)(uc->uc_flags & 6), m->fpregs ? "set" : "null",
         (unsigned long long)m->gregs[REG_CSGSFS]);
  printf("  blocked: USR1=%d USR2=%d SEGV=%d oldmask-has-USR2=%d\n", sigismember(&now, SIGUSR1), sigismember(&now, SIGUSR2),
         sigismember(&now, SIGSEGV), (int)((m->gregs[REG_OLDMASK] >> (SIGUSR2 - 1)) & 1));
}

static void handler(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  mcontext_t *m = &uc->uc_mcontext;
  show_common(sig, si, uc);
  switch (which) {
    case 1: /* write to a read-only page: make it writable and retry */
      printf("  addr=page%+ld err=%lld trapno=%lld cr2=page%+ld\n", rel(si->si_addr, page), (long long)m->gregs[REG_ERR],
             (long long)m->gregs[REG_TRAPNO], rel((void *)m->gregs[REG_CR2], page));
      mprotect(page, 4096, PROT_READ | PROT_WRITE);
      break;
    case 2: /* read of an unmapped page: map it again, filled with 7s */
      printf("  addr=page%+ld err=%lld trapno=%lld cr2=page%+ld\n", rel(si->si_addr, page), (long long)m->gregs[REG_ERR],
             (long long)m->gregs[REG_TRAPNO], rel((void *)m->gregs[REG_CR2], page));
      mmap(page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
      memset(page, 7, 4096);
      break;
    case 3: { /* ud2 in regs_stub: registers as loaded; skip it, return 0x77 in rax and a new xmm0 */
      printf("  addr=ud2%+ld rip=ud2%+ld trapno=%lld err=%lld flags&8d5=%llx\n", rel(si->si_addr, regs_ud2), rel((void *)m->gregs[REG_RIP], regs_ud2),
             (long long)m->gregs[REG_TRAPNO], (long long)m->gregs[REG_ERR], (unsigned long long)(m->gregs[REG_EFL] & 0x8d5));
      static const int order[] = { REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP, REG_R8, REG_R9, REG_R10,
                                   REG_R11, REG_R12, REG_R13, REG_R14, REG_R15 };
      printf("  regs:");
      for (unsigned k = 0; k < sizeof order / sizeof order[0]; k++) printf(" %llx", (unsigned long long)m->gregs[order[k]]);
      printf("\n  xmm0=%08x%08x mxcsr=%x\n", m->fpregs->_xmm[0].element[1], m->fpregs->_xmm[0].element[0], m->fpregs->mxcsr);
      struct _libc_fpxreg *st0 = &m->fpregs->_st[0];
      printf("  x87: cwd=%x swd=%x ftw=%x st0=%04x%04x%04x%04x exp=%04x\n", m->fpregs->cwd, m->fpregs->swd, m->fpregs->ftw,
             st0->significand[3], st0->significand[2], st0->significand[1], st0->significand[0], st0->exponent);
      unsigned short cw;
      __asm__ volatile("fnstcw %0" : "=m"(cw));
      printf("  handler's x87 control word=%x\n", cw);
      st0->exponent = 0x3fff; /* pi becomes pi/2 after sigreturn */
      m->gregs[REG_RIP] += 2;
      m->gregs[REG_RAX] = 0x77;
      m->fpregs->_xmm[0].element[0] = 0x600dcafe;
      m->fpregs->_xmm[0].element[1] = 0x5eed;
      break;
    }
    case 4: /* div by zero: skip the 3-byte div */
      printf("  addr-rip=%ld trapno=%lld\n", rel(si->si_addr, (void *)m->gregs[REG_RIP]), (long long)m->gregs[REG_TRAPNO]);
      m->gregs[REG_RIP] += 3;
      break;
    case 5: /* int3: RIP is after it */
      printf("  trapno=%lld addr=%s\n", (long long)m->gregs[REG_TRAPNO], si->si_addr ? "set" : "0");
      break;
    case 6: /* kill / tgkill */
      printf("  pid-ok=%d uid-ok=%d\n", si->si_pid == getpid(), si->si_uid == getuid());
      break;
    case 7: { /* on the alternate stack */
      stack_t now;
      sigaltstack(NULL, &now);
      char here;
      printf("  on-altstack=%d ss_flags-now=%d frame-uc_stack: flags=%d size=%zu sp=altstack%+ld\n",
             &here > altstack && &here < altstack + sizeof altstack, now.ss_flags, uc->uc_stack.ss_flags,
             uc->uc_stack.ss_size, rel(uc->uc_stack.ss_sp, altstack));
      break;
    }
  }
}

static void install(int sig, int flags, int mask_usr2) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  if (mask_usr2) sigaddset(&sa.sa_mask, SIGUSR2);
  sigaction(sig, &sa, NULL);
}

static void child_default(int sig, const char *what) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit no_core = { 0, 0 };
    setrlimit(RLIMIT_CORE, &no_core);
    signal(sig, SIG_DFL);
    if (sig == SIGSEGV) *(volatile int *)16 = 1;
    else kill(getpid(), sig);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("%s: status=%#x signaled=%d termsig=%d core=%d\n", what, status, WIFSIGNALED(status), WTERMSIG(status), WCOREDUMP(status));
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  install(SIGSEGV, 0, 1);
  install(SIGILL, 0, 0);
  install(SIGFPE, 0, 0);
  install(SIGTRAP, 0, 0);

  printf("write to a read-only page:\n");
  which = 1;
  page[8] = 1;
  printf("  after: page[8]=%d\n", page[8]);

  printf("read of an unmapped page:\n");
  munmap(page, 4096);
  which = 2;
  printf("  after: page[100]=%d\n", ((volatile char *)page)[100]);

  printf("ud2 with known registers:\n");
  which = 3;
  long r = ((long (*)(void))regs_stub)();
  printf("  after: rax=%lx xmm0=%llx st0=", r, (unsigned long long)regs_stub_xmm_after);
  for (int k = 9; k >= 0; k--) printf("%02x", regs_stub_st0_after[k]);
  printf("\n");

  printf("divide by zero:\n");
  which = 4;
  long q = 5;
  __asm__ volatile("xor %%edx, %%edx\nmov $0, %%ecx\ndiv %%rcx\n" : "+a"(q) : : "rcx", "rdx");
  printf("  after: skipped\n");

  printf("int3:\n");
  which = 5;
  __asm__ volatile("int3");
  printf("  after: continued\n");

  printf("kill SIGUSR1 (sa_mask has SIGUSR2):\n");
  install(SIGUSR1, 0, 1);
  which = 6;
  kill(getpid(), SIGUSR1);
  printf("tgkill SIGUSR1:\n");
  syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);

  printf("ignored SIGUSR2:\n");
  signal(SIGUSR2, SIG_IGN);
  kill(getpid(), SIGUSR2);
  printf("  after: still here\n");

  printf("SA_ONSTACK:\n");
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  sigaltstack(&ss, NULL);
  install(SIGUSR1, SA_ONSTACK, 0);
  which = 7;
  kill(getpid(), SIGUSR1);

  printf("SA_NODEFER:\n");
  install(SIGUSR1, SA_NODEFER, 0);
  which = 0;
  kill(getpid(), SIGUSR1);

  printf("SA_RESETHAND:\n");
  install(SIGUSR1, SA_RESETHAND, 0);
  kill(getpid(), SIGUSR1);
  struct sigaction now;
  sigaction(SIGUSR1, NULL, &now);
  printf("  after: handler is %s\n", now.sa_handler == SIG_DFL ? "SIG_DFL" : "still set");

  printf("blocked, then unblocked:\n");
  install(SIGUSR1, 0, 0);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  kill(getpid(), SIGUSR1);
  sigset_t pending;
  sigpending(&pending);
  printf("  pending while blocked: %d\n", sigismember(&pending, SIGUSR1));
  which = 6;
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  printf("  after unblocking\n");

  child_default(SIGTERM, "default SIGTERM");
  child_default(SIGSEGV, "default SIGSEGV");
  child_default(SIGCHLD, "default SIGCHLD (ignored, exits 0)");
  return 0;
}
