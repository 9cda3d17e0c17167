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
export { scanReturnAddresses, followsCall, type Frame, type StackView } from './process/backtrace.ts';
export type { LoadResult } from './process/load.ts';
export { CallError, CallFault, CallLimitError, UnresolvedSymbolError, UnsupportedSyscallError, InitializerError } from './process/errors.ts';
export { decodeResult, resultText, layoutArguments, RETURN_TYPES, type CallResult, type ReturnKind, type PlacedArg } from './process/call-args.ts';
export type { PageRow } from './process/page-table.ts';
export type { StepEvent, MemoryAccess, Location, CowBreak, VmaInfo, RegisterChange, ModuleOffset, FrameNumber } from './trace/events.ts';
export { Symbolizer, ModuleSymbols, moduleSymbols, type SymbolizableModule } from './trace/symbolize.ts';
export { traceToJson, stepToJson, accessToJson, type JsonStep, type JsonAccess } from './trace/render-json.ts';
export { traceText, stepText, accessText, type TextOptions } from './trace/render-text.ts';
export { picemuMatchers, traceSerializer, findAccesses, accessMatches, type AccessPattern } from './trace/vitest.ts';
export { disassemble, ensureDisassembler } from './trace/disassemble.ts';
export { parseCallArg, type CallArg } from './cli/run-args.ts';
