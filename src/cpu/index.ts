// picemu's x86-64 CPU: public API.
//
//   const cpu = new Cpu(memory, { bitness: 64, profile: SSE2_PROFILE });   // memory: a GuestMemory (src/mm/types.ts)
//   cpu.setReg('rsp', 0x7fff0000n); cpu.rip = entry;                        // registers by name (registers.ts), or cpu.r32/xmm* directly
//   const out = cpu.run({ until, maxInstructions, deadlineMs, stopRequested });
//   // out.kind: 'until' | 'budget' (exactly maxInstructions) | 'timeout' | 'stopped' | 'fault' (out.fault: GuestFault)
//   //           | 'halt' | 'syscall' (no syscall hook: RIP after it, the embedder performs it and resumes)
//   cpu.step();                                                            // one instruction
//   cpu.setHooks({ code, block, memRead, memReadAfter, memWrite, memFetch, invalid, interrupt, syscall, access });
//   // no hooks: the fast loop (no per-instruction or per-access hook cost); code/block/mem hooks: the hooked loop.
//   cpu.requestStop();                                                     // from a hook (unicorn emu_stop)
//   cpu.invalidateCode(va, len);                                           // after writing code behind the CPU (poke)
//
// Faults are precise: RIP is the faulting instruction and nothing of it is committed (int3: RIP after it).
// Decoded code is cached per basic block; writes through the CPU to a page holding decoded code invalidate it,
// and a changed memory epoch makes blocks re-check that their frames are still the ones they were decoded from.
export { Cpu, type CpuOptions, type RunOptions, type RunOutcome } from './cpu.ts';
export type { CpuHooks } from './memory-access.ts';
export { GuestFault, type FaultKind } from './faults.ts';
export { SSE2_PROFILE, ALL_FEATURES, cpuid, type CpuProfile, type Feature } from './features.ts';
export { REGISTER_NAMES, readRegister, writeRegister, registerBits } from './registers.ts';
export { implementedCodes, type HandlerEntry } from './table.ts';
export { icedFlagsToRflags, type Insn } from './decode.ts';
