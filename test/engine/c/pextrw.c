/* pextrw r32, xmm, imm8, then exit(ax): the instruction QEMU 5.0.1's TCI aborted on (a 16-bit load of CPU state,
   ld16u_i32) before wasm/build.sh implemented it. Built -nostdlib -static: no libc, nothing else runs. */
void _start(void) {
  __asm__ volatile(
      "mov $0x2a, %%eax\n"
      "movd %%eax, %%xmm1\n"
      "pshuflw $0, %%xmm1, %%xmm1\n" /* word 3 of xmm1 = 0x2a */
      "pextrw $3, %%xmm1, %%edi\n"
      "mov $60, %%eax\n"
      "syscall\n"
      ::: "rax", "rdi", "xmm1");
}
