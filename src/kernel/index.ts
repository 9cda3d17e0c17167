// src/kernel: what Linux does for a process — exec as load_elf_binary, the system-call table, files, the
// scheduler. mm/ is its memory manager. The public surface: a Kernel, spawnProgram, and the exit reasons.
export { Kernel, type KernelOptions, type KernelStop, type RunLimits } from './kernel.ts';
export { spawnProgram, type SpawnOptions, type Spawned } from './spawn.ts';
export { Strace, quote, type SyscallTracer } from './strace.ts';
export { definedSyscalls, syscallName, type SyscallDef } from './syscall-table.ts';
export { errnoName, strerror } from './errno.ts';
export { describeAddress } from './describe.ts';
export type { Task, ThreadGroup, ExitReason } from './task.ts';
export { signalName } from './signal-names.ts';
export { passSignal, type KernelDebugger, type CloneKind } from './debug-hooks.ts';
export { deliverSignals } from './signals/delivery.ts';
export type { SigInfo } from './signals/siginfo.ts';
