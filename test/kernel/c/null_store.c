/* null_store: a libc-free program whose first function stores to address 0, so the kernel kills it with SIGSEGV
   (status 139 in a shell). For checking how a killed program is reported. */
__attribute__((used, noinline)) void store_null(volatile int *p) { *p = 1; }

__asm__(".globl _start\n_start:\n  xor %edi, %edi\n  call store_null\n  hlt\n");
