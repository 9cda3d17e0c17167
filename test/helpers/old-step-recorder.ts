// The step recorder as it was before the per-instruction caches (issue 11), kept in the tests only as the oracle
// the recorder in src/process/step-recorder.ts must equal, event for event.
import type { RunOutcome } from '../../src/cpu/index.ts';
import type { Engine, EngineAccess } from '../../src/process/engines/engine.ts';
import type { AddressSpace } from '../../src/mm/address-space.ts';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/mm/types.ts';
import type { Location, MemoryAccess, RegisterChange, StepEvent, VmaInfo } from '../../src/trace/events.ts';
import { instructionText } from '../../src/trace/disassemble.ts';
import type { Symbolizer } from '../../src/trace/symbolize.ts';
import type { CowWatch } from '../../src/process/cow-watch.ts';
import { printableEvent } from '../../src/process/inspect.ts';

const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

export interface StepContext {
  engine: Engine;
  space: AddressSpace;
  cow: CowWatch;
  symbolizer: Symbolizer;
  pid: number;
  call: number;
  index: number;
  /** Names for picemu's own code (the return trampoline, __tls_get_addr). */
  runtimeSymbol?: (va: number) => string | undefined;
}

/** The VMA at va in maps terms. */
export function vmaInfo(space: AddressSpace, va: number): VmaInfo | undefined {
  const vma = space.vmaAt(va);
  if (!vma) return undefined;
  const p = vma.prot;
  const perms = `${p & PROT_READ ? 'r' : '-'}${p & PROT_WRITE ? 'w' : '-'}${p & PROT_EXEC ? 'x' : '-'}${vma.shared ? 's' : 'p'}`;
  return { start: vma.start, end: vma.end, perms, name: vma.file ? vma.file.identity.path : vma.name ?? '' };
}

export function locate(ctx: Pick<StepContext, 'space' | 'symbolizer' | 'runtimeSymbol'>, va: number): Location {
  const loc = ctx.symbolizer.locate(va);
  const own = loc.module === undefined ? ctx.runtimeSymbol?.(va) : undefined;
  if (own) loc.symbol = own;
  const vma = vmaInfo(ctx.space, va);
  if (vma) loc.vma = vma;
  return loc;
}

/** Runs one instruction; returns its event and the CPU's outcome (a fault leaves the event's accesses empty). */
export function recordStep(ctx: StepContext): { event: StepEvent; outcome: RunOutcome } {
  const { engine: cpu, space, cow } = ctx;
  const rip = cpu.rip;
  const before = Array.from(cpu.r64);
  const flagsBefore = cpu.rflags;
  const xmmBefore = Array.from(cpu.xmm64);
  const raw: EngineAccess[] = [];
  cow.clear();
  cow.watching = true;
  let bytes: Uint8Array;
  try {
    bytes = cpu.instructionBytes(rip);
  } catch {
    bytes = space.peek(rip, 1) ?? new Uint8Array(0);
  }
  let outcome: RunOutcome;
  try {
    outcome = cpu.stepTraced((a) => void raw.push(a));
  } finally {
    cow.watching = false;
  }
  const registers: RegisterChange[] = [];
  for (let r = 0; r < 16; r++) if (cpu.r64[r] !== before[r]) registers.push({ name: GPR_NAMES[r]!, before: before[r]!, after: cpu.r64[r]! });
  for (let x = 0; x < 16; x++) {
    const b = (xmmBefore[2 * x + 1]! << 64n) | xmmBefore[2 * x]!;
    const a = (cpu.xmm64[2 * x + 1]! << 64n) | cpu.xmm64[2 * x]!;
    if (a !== b) registers.push({ name: `xmm${x}`, before: b, after: a });
  }
  if (cpu.rflags !== flagsBefore) registers.push({ name: 'rflags', before: BigInt(flagsBefore), after: BigInt(cpu.rflags) });

  const where = locate(ctx, rip);
  const accesses: MemoryAccess[] = raw.map((a) => {
    const page = space.frameAt(a.va);
    const value = a.size > 4 ? (BigInt(a.hi >>> 0) << 32n) | BigInt(a.lo >>> 0) : BigInt(a.lo >>> 0);
    const pointsTo = a.size === 8 ? pointerTarget(ctx, value) : undefined;
    return {
      ...(pointsTo ? { pointsTo } : {}),
      ...locate(ctx, a.va),
      kind: a.kind,
      va: a.va,
      size: a.size,
      value,
      ripRelative: a.ripRelative,
      frame: page?.frame ?? 0,
      // As of this step (a trace records each moment; a stream cannot know later ones): mapped by more than one process.
      shared: (page?.spaceCount ?? 0) > 1,
      cow: a.kind === 'write' ? cow.breakAt(a.va) : null,
    };
  });
  const event: StepEvent = {
    pid: ctx.pid,
    call: ctx.call,
    index: ctx.index,
    rip,
    ...where,
    frame: space.frameAt(rip)?.frame ?? 0,
    bytes,
    asm: bytes.length ? instructionText(bytes, rip) : '(bad)',
    registers,
    accesses,
  };
  const target = directTarget(event.asm);
  if (target !== undefined) event.target = { ...ctx.symbolizer.locate(target), va: target };
  return { event: printableEvent(event), outcome };
}

/** Where an 8-byte value points, when it is an address in a module or a named mapping ([stack], [picemu]). */
function pointerTarget(ctx: Pick<StepContext, 'space' | 'symbolizer' | 'runtimeSymbol'>, value: bigint): Location | undefined {
  if (value < 0x10000n || value >= 0x800000000000n) return undefined;
  const loc = locate(ctx, Number(value));
  return loc.module !== undefined || loc.vma?.name ? loc : undefined;
}

/** The absolute target of a direct call/jmp/jcc as capstone prints it (`call 0x7f...`). */
function directTarget(asm: string): number | undefined {
  const m = /^(call|j[a-z]+|loop[a-z]*)\s+0x([0-9a-f]+)$/.exec(asm);
  return m ? parseInt(m[2]!, 16) : undefined;
}
