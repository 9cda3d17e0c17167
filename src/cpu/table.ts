// The instruction table: which iced `Code` runs which handler. Metadata (codes, feature) sits here and in
// each ops file's `handlers` list; behaviour sits in the builders. Duplicates are rejected at load.
//
// HOW TO ADD AN INSTRUCTION
//  1. In a file `src/cpu/ops/<area>.ts`, export `handlers: HandlerDef[]`, and add ONE import line and ONE
//     entry to the OPS list at the bottom of this file (the marked block; that is the only edit to this
//     file an ops author makes). A Code listed twice anywhere throws at load.
//     (No directory scan with top-level await: the unicorn facade must stay require()-able.)
//  2. A HandlerDef is `{ codes: ['Paddd_xmm_xmmm128', ...], build, feature? }`: iced `Code` names
//     (see node_modules/iced-x86/iced_x86.d.ts, enum Code); `feature` names the CPUID bit that must be
//     advertised (features.ts) or the instruction raises #UD (SIGILL) like a CPU without it.
//  3. (types in handler.ts) `build(insn: Insn, cpu: Cpu): Exec` runs ONCE per decoded instruction; it resolves operands and returns the
//     closure `(c: Cpu) => void` that executes it. Resolve everything you can at build time.
//     - `insn.ops[i]` is {kind:'gpr',reg,width,high8} | {kind:'xmm',reg} | {kind:'mem',size} |
//       {kind:'imm',lo,hi,width} | {kind:'branch',target} | {kind:'other',...}; `insn.mem` the address form;
//       `insn.next` the next instruction's address (never read `c.rip` in a handler); `insn.rep`, `insn.lock`.
//     - operands.ts: `getter(insn,i)` / `setter(insn,i)` (GPR/memory/immediate; 64-bit values as halves:
//       the getter returns lo and leaves hi in `c.hi`, the setter takes (c, lo, hi)); `rmwGetter` for a
//       read-modify-write destination; `effectiveAddress(insn.mem)`; `xmmSource(insn,i,bytes,aligned)` gives
//       the slot (0-15 register, 16/17 scratch loaded from memory) and `xmmStore(insn,i,bytes,aligned)`.
//     - registers: `c.r32` (GPR r = lo at 2r, hi at 2r+1), XMM views `c.xmm8/16/32/I32/F32/F64/64` (slot s
//       starts at byte 16s), `c.mxcsr`; flags: `c.cf`, `c.of` (0/1), `c.zr` (ZF iff 0), `c.sr` (SF iff < 0),
//       `c.pr` (PF = parity of low byte), `c.ar` (AF = bit 4), `c.df`; see state.ts and flags.ts.
//     - memory: `c.read8/16/32/64(va)`, `c.write8/16/32/64(va, lo[, hi])`, `c.readBytes/writeBytes`.
//       Read everything first, write memory next, registers and flags last (`c.probeWrite` if a flag
//       change must precede a write): a fault must leave nothing committed.
//     - faults: `fault(kind, address?, access?)` from faults.ts throws; the CPU fills in rip and text.
//     - to stop the run after this instruction: `c.stopWith(...)` (control.ts / system.ts use it).
//     - hot blocks are compiled by jit.ts into one function calling these handlers in turn, so a handler works
//       in both loops. A handler that runs in steps (rep string ops) leaves
//       `c.rip = insn.addr`, sets `c.yielded`, and counts extra steps in `c.extraRetired` (string.ts).
//  4. Optionally `compile: CompileRule` (compile/rule.ts): how the region compiler (compile/region.ts,
//     hot loops to WebAssembly) compiles these Codes, usually a rule from compile/*-rules.ts; it returns
//     null for the forms it leaves to the handler. An instruction without a rule ends a region and runs here;
//     one whose `feature` the CPU profile lacks is never compiled (it raises #UD here).
//  5. Tests: test/cpu/ has table-driven host-CPU comparisons; every registered Code needs a case there
//     (integer-host.test.ts and the SSE suites check coverage by reading this table).
import { Code } from 'iced-x86';
import type { Builder, HandlerDef } from './handler.ts';
import type { Feature } from './features.ts';
import type { CompileRule } from './compile/rule.ts';
export { codesMatching, type Builder, type Exec, type HandlerDef } from './handler.ts';

export interface HandlerEntry {
  code: Code;
  name: string;
  build: Builder;
  feature?: Feature;
  /** The region compiler's rule for it (compile/rule.ts), or absent: called as a handler. */
  compile?: CompileRule;
  /** The ops file that registered it. */
  file: string;
}

const CODE = Code as unknown as Record<string, Code>;
const table = new Map<Code, HandlerEntry>();

/** Adds handler definitions from one ops file; throws on unknown or duplicate Code names. */
export function register(file: string, defs: HandlerDef[]): void {
  for (const def of defs) {
    for (const name of def.codes) {
      const code = CODE[name];
      if (code === undefined) throw new Error(`${file}: unknown iced Code ${name}`);
      const prev = table.get(code);
      if (prev) throw new Error(`${file}: ${name} is already registered by ${prev.file}`);
      table.set(code, { code, name, build: def.build, feature: def.feature, compile: def.compile, file });
    }
  }
}

// ---- OPS: one import and one entry per ops file (keep sorted) ----
import * as avxF16c from './ops/avx-f16c.ts';
import * as avxGather from './ops/avx-gather.ts';
import * as avxInt from './ops/avx-int.ts';
import * as avxLegacy from './ops/avx-legacy.ts';
import * as avxMove from './ops/avx-move.ts';
import * as avxState from './ops/avx-state.ts';
import * as bits from './ops/bits.ts';
import * as bmi from './ops/bmi.ts';
import * as control from './ops/control.ts';
import * as dataMove from './ops/data-move.ts';
import * as exchange from './ops/exchange.ts';
import * as fma from './ops/fma.ts';
import * as integerAlu from './ops/integer-alu.ts';
import * as mmx from './ops/mmx-all.ts';
import * as muldiv from './ops/muldiv.ts';
import * as shiftRotate from './ops/shift-rotate.ts';
import * as sse from './ops/sse-all.ts';
import * as string from './ops/string.ts';
import * as system from './ops/system.ts';
import * as x87 from './ops/x87-all.ts';
const OPS: Record<string, { handlers: HandlerDef[] }> = {
  'avx-f16c.ts': avxF16c,
  'avx-gather.ts': avxGather,
  'avx-int.ts': avxInt,
  'avx-legacy.ts': avxLegacy,
  'avx-move.ts': avxMove,
  'avx-state.ts': avxState,
  'bits.ts': bits,
  'bmi.ts': bmi,
  'control.ts': control,
  'data-move.ts': dataMove,
  'exchange.ts': exchange,
  'fma.ts': fma,
  'integer-alu.ts': integerAlu,
  'mmx-all.ts': mmx,
  'muldiv.ts': muldiv,
  'shift-rotate.ts': shiftRotate,
  'sse-all.ts': sse,
  'string.ts': string,
  'system.ts': system,
  'x87-all.ts': x87,
};
// ---- end of OPS ----
let loaded = false;
/** Registers every ops file's handlers (once; lazily, so ops files may import this module). */
function load(): void {
  if (loaded) return;
  loaded = true;
  for (const [file, mod] of Object.entries(OPS)) register(file, mod.handlers);
}

/** The handler for a Code, or undefined. */
export function handlerFor(code: Code): HandlerEntry | undefined {
  load();
  return table.get(code);
}

/** Every implemented instruction form (for coverage tests and the differential fuzzer). */
export function implementedCodes(): readonly HandlerEntry[] {
  load();
  return [...table.values()].sort((a, b) => a.code - b.code);
}
