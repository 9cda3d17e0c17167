// What exec'ed dynamic programs need from other parts of picemu: glibc's ld.so refuses a CPU below
// x86-64-baseline (cpuid must show FPU, MMX and FXSR: the x87/MMX/fxsave work of issue 10), and libc's start-up
// wakes a futex (futex comes with threads, kernel part B). Until both are in, tests that exec libc programs skip.
import { cpuid, SSE4_2_PROFILE } from '../../src/cpu/index.ts';
import { syscallDef } from '../../src/kernel/syscall-table.ts';

export function libcProgramsBlockedBy(): string | undefined {
  const edx = cpuid(SSE4_2_PROFILE, 1, 0)[3];
  const baseline = (edx & 1) !== 0 && (edx & (1 << 23)) !== 0 && (edx & (1 << 24)) !== 0;
  if (!baseline) return 'the CPU profile does not reach x86-64-baseline (cpuid 1 EDX lacks FPU/MMX/FXSR: issue 10\'s x87 work)';
  if (!syscallDef(202)) return 'futex is not in the system-call table yet (kernel part B)';
  return undefined;
}
