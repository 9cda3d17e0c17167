// picemu's library API: machines and processes, calls and stepping, trace types, renderers and test helpers.
export { Machine, type MachineOptions } from './process/machine.ts';
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
} from './process/process.ts';
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
