// The engine boundary: what a Process needs of the thing that executes its instructions. picemu's CPU is one
// implementation (picemu.ts), unicorn-engine built to WebAssembly another (unicorn-wasm.ts); a third is one file.
import type { Cpu, CpuProfile, RunOptions, RunOutcome } from '../../cpu/index.ts';
import type { AddressSpace } from '../../mm/address-space.ts';
import type { GuestMemory, VirtAddr } from '../../mm/types.ts';

/** Engines a Machine can run its processes on. */
export const ENGINE_NAMES = ['picemu', 'unicorn'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** One data access of a traced instruction (as CpuHooks.access reports it). */
export interface EngineAccess {
  kind: 'read' | 'write';
  va: VirtAddr;
  size: number;
  /** Value halves: bits 0-31 and 32-63. */
  lo: number;
  hi: number;
  /** The access is the instruction's RIP-relative memory operand. */
  ripRelative: boolean;
}

/**
 * The register file and run loop of one process. Registers use the CPU's own layout (cpu/state.ts): GPRs in
 * `r64` (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15), XMM0-15 as 64-bit halves in `xmm64`. The Process may
 * change registers between runs; an engine that keeps them elsewhere syncs at each run or step.
 * Counting follows unicorn's model: every instruction once, and every iteration of a rep string instruction.
 */
export interface Engine {
  readonly name: EngineName;
  readonly r64: BigUint64Array;
  readonly xmm64: BigUint64Array;
  rip: number;
  rflags: number;
  mxcsr: number;
  fsBase: number;
  gsBase: number;
  /** A GPR as a number (exact below 2^53: addresses). */
  gprNumber(r: number): number;
  /** A register by name (rax, eax, al, rip, rflags, fs_base, xmm0, mxcsr, ...). */
  reg(name: string): bigint;
  setReg(name: string, value: bigint | number): void;
  /** Runs until `until`, a limit, a fault, a hlt, or a syscall (outcome 'syscall': RIP after it; the kernel performs it). */
  run(options?: RunOptions): RunOutcome;
  /** Executes one instruction. */
  step(): RunOutcome;
  /** Executes one instruction, reporting each data access (traces). */
  stepTraced(onAccess: (access: EngineAccess) => void): RunOutcome;
  /** The bytes of the instruction at `va` (decoded as the engine would), for traces; throws when unreadable. */
  instructionBytes(va: VirtAddr): Uint8Array;
  /** Guest code at [va, va+length) changed behind the engine's back (a poke): forget what was decoded there. */
  invalidateCode(va: VirtAddr, length: number): void;
  /** Releases what the engine holds outside the JS heap (the process is gone). */
  dispose(): void;
}

/**
 * What makes an engine for a process: `profile` is the machine's CPU (cpuid; picemu's CPU follows it, unicorn has
 * its own default x86-64 model); `memory` is what instructions read and write through (demand paging and
 * copy-on-write happen behind it; traces watch it for COW breaks), `space` the address space behind it (its page
 * table, for engines that map frames themselves).
 */
/** `jit`: picemu's compiler mode (CpuOptions.jit; other engines ignore it). */
export type EngineFactory = (context: { memory: GuestMemory; space: AddressSpace; profile: CpuProfile; jit?: 'auto' | 'always' | 'off' }) => ProcessEngine;

/**
 * Engines are picemu Cpus by type (PicemuEngine is one; UnicornEngine extends Cpu for its register file): the
 * kernel's signal frames, fork and exec reach a process's registers through Cpu.
 */
export type ProcessEngine = Engine & Cpu;

/** Parses an `--engine` value (the CLI's one place for it); throws with the accepted names. */
export function parseEngineName(value: string): EngineName {
  if ((ENGINE_NAMES as readonly string[]).includes(value)) return value as EngineName;
  throw new Error(`unknown engine '${value}' (expected ${ENGINE_NAMES.join(' or ')})`);
}
