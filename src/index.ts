// picemu's library API: machines and processes, calls and stepping, trace types, renderers and test helpers.
//
//   const m = await Machine.create({ seed: 1 });            // shared physical memory + page cache
//   const [a, b] = [m.spawn(), m.spawn()];                  // pids 1, 2: own address space, stack, TLS
//   a.load('fixtures/libcounter.so'); b.load('fixtures/libcounter.so');
//   a.call('really_really_nonreentrant').result;            // { type: 'int', value: 0n }
//   const { events } = b.call('really_really_nonreentrant', [], { trace: true });
//   traceText(events);                                      // stable text: module+offset, i.0 (.bss), frames
//   m.frameAt(a, 'libcounter.so', 0x1000) === m.frameAt(b, 'libcounter.so', 0x1000);   // one code frame
//   a.startCall('bump_twice', [3]); a.step(); a.run({ breakpoints: [...] });            // stepping
//   expect.extend(picemuMatchers); expect(events).toAccess({ symbol: 'i.0', kind: 'write' });
export { Machine, type MachineOptions } from './process/machine.ts';
export { ENGINE_NAMES, type Engine, type EngineName } from './process/engines/engine.ts';
export { UnicornWasmError } from './process/engines/unicorn-module.ts';
export {
  Process,
  ActiveCall,
  describeLocation,
  type ProcessModule,
  type CallArgument,
  type CallOptions,
  type CallOutcome,
  type CallStop,
  type RunUntilOptions,
  type FinishOptions,
} from './process/process.ts';
// `Frame` is the old name of StackFrame (a backtrace frame), kept for existing users.
export { scanReturnAddresses, followsCall, type StackFrame, type StackFrame as Frame, type StackView } from './process/backtrace.ts';
export type { LoadResult } from './process/load.ts';
export { CallError, CallFault, CallLimitError, UnresolvedSymbolError, UnsupportedSyscallError, InitializerError, ProcessExitError } from './process/errors.ts';
export { Kernel, spawnProgram, Strace, quote, definedSyscalls, syscallName, errnoName, strerror, describeAddress, signalName, passSignal, deliverSignals, type KernelDebugger, type CloneKind, type SigInfo, type KernelStop, type RunLimits, type SpawnOptions, type Spawned, type SyscallTracer, type Task, type ExitReason } from './kernel/index.ts';
export { decodeResult, resultText, layoutArguments, parseCallArg, CallArgError, RETURN_TYPES, type CallArg, type CallResult, type ReturnKind, type PlacedArg } from './process/call-args.ts';
export type { PageRow } from './process/page-table.ts';
export type { StepEvent, MemoryAccess, Location, CowBreak, VmaInfo, RegisterChange, ModuleOffset, FrameNumber } from './trace/events.ts';
export { Symbolizer, ModuleSymbols, moduleSymbols, type SymbolizableModule } from './trace/symbolize.ts';
export { traceToJson, stepToJson, accessToJson, type JsonStep, type JsonAccess } from './trace/render-json.ts';
export { TraceFilterSink, TraceFilterError, type TraceFilter } from './trace/filter.ts';
export { traceText, stepText, accessText, placeText, stableAsm, type TextOptions } from './trace/render-text.ts';
export { picemuMatchers, traceSerializer, findAccesses, accessMatches, type AccessPattern } from './trace/vitest.ts';
export { disassemble, ensureDisassembler } from './trace/disassemble.ts';
// ELF files and loading without running code (what `picemu segments`, `check` and `maps` show).
export { ElfError, parseElf, parseProgramHeaderTable, formatProgramHeaders, buildId, type ElfFile } from './elf/index.ts';
export { LoadError, loadIntoFreshSpaces, findLibrary, DEFAULT_SEARCH_DIRS, type FreshSpace, type FreshOptions } from './loader/index.ts';
export { MmError } from './mm/index.ts';

// CPU profiles: Machine.create({ cpu }), --cpu; the kernel's AT_HWCAP and /proc/cpuinfo read the same profile.
export { X86_64_V2, X86_64_V3, DEFAULT_PROFILE, PROFILE_NAMES, cpuProfile, hostCpuProfile, cpuFlags, cpuid, CpuProfileError, type CpuProfile, type ProfileName, type Feature } from './cpu/index.ts';
