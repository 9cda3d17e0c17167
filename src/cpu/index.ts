// picemu's x86-64 CPU: public API.
//
//   const cpu = new Cpu(memory, { bitness: 64, profile: SSE2_PROFILE, jit: 'auto' });  // memory: a GuestMemory (src/mm/types.ts)
//   cpu.setReg('rsp', 0x7fff0000n); cpu.rip = entry;             // registers by name (registers.ts), or cpu.r32 / cpu.xmm* directly
//   const out = cpu.run({ until, maxInstructions, deadlineMs, stopRequested });
//   // out.kind: 'until' | 'budget' (exactly maxInstructions) | 'timeout' | 'stopped' | 'fault' (out.fault: GuestFault)
//   //           | 'halt' (RIP after the hlt) | 'syscall' (no syscall hook: RIP after it; perform it and resume)
//   cpu.step();                                                  // one instruction
//   cpu.setHooks({ code, block, memRead, memReadAfter, memWrite, memFetch, invalid, interrupt, syscall, access });
//   cpu.requestStop();                                           // from a hook (unicorn emu_stop): before the next instruction
//   cpu.invalidateCode(va, len);                                 // after changing guest code behind the CPU (poke, shared buffers)
//
// Loops: without hooks, the fast loop runs cached basic blocks; a block that has run `jitThreshold` (16)
// times is compiled into one JS function calling its handlers in turn (jit.ts), and a hot loop (blocks joined
// by branches, calls and rets) into one WebAssembly function (compile/: each instruction as the instruction
// table's `compile` rule says; others end the region and run here). Code, block, memory, fetch or invalid-access hooks
// select the hooked loop (one instruction at a time; the TLB is bypassed when memory hooks want every access;
// RIP reads as the current instruction's address inside memory hooks, as in unicorn).
// Counting: every executed instruction counts once, and so does every iteration of a rep string instruction
// (unicorn's model), so budgets stop mid-rep with RCX/RSI/RDI showing the progress.
// Faults are precise: RIP is the faulting instruction and nothing of it is committed (int3/int1: RIP after).
// Kinds and signals (faults.ts): unmapped/protection (SIGSEGV MAPERR/ACCERR + address), beyond-eof (SIGBUS),
// invalid-opcode/unimplemented (SIGILL ILL_ILLOPN; unimplemented names the instruction and its bytes),
// divide-error (SIGFPE FPE_INTDIV), misaligned/general-protection/privileged (SIGSEGV SI_KERNEL, address 0),
// stack-fault (#SS through RSP/RBP: SIGBUS SI_KERNEL), breakpoint (int3: SIGTRAP SI_KERNEL), debug-trap (int1).
// Decoded code is cached per basic block; writes through the CPU to a page holding decoded code invalidate
// it (the running block stops before stale instructions), and a changed memory epoch makes blocks re-check
// that their frames are still the ones they were decoded from. The handler table (table.ts) says how to
// add an instruction; implementedCodes() lists every implemented iced Code with its ops file.
export { Cpu, type CpuOptions, type RunOptions, type RunOutcome } from './cpu.ts';
export type { CpuHooks } from './memory-access.ts';
export { GuestFault, type FaultKind } from './faults.ts';
export { SSE2_PROFILE, SSE4_2_PROFILE, ALL_FEATURES, cpuid, type CpuProfile, type Feature } from './features.ts';
// CPU profiles (x86-64-v2, x86-64-v3, host): what cpuid, AT_HWCAP and /proc/cpuinfo say, and which instructions run.
export { X86_64_V2, X86_64_V3, DEFAULT_PROFILE, PROFILE_NAMES, cpuProfile, hostCpuProfile, cpuFlags, xcr0, CpuProfileError, type ProfileName } from './features.ts';
export { REGISTER_NAMES, readRegister, writeRegister, registerBits } from './registers.ts';
export { implementedCodes, type HandlerEntry } from './table.ts';
export { icedFlagsToRflags, type Insn } from './decode.ts';
