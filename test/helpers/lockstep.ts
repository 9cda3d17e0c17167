// Lockstep execution: the same image and registers in picemu's CPU and in native unicorn-engine, one
// instruction at a time, comparing GPRs, RIP, defined RFLAGS, XMM, MXCSR and written memory after each.
import { Decoder, DecoderOptions, Formatter, FormatterSyntax, RflagsBits, type Instruction } from 'iced-x86';
import { Cpu } from '../../src/cpu/cpu.ts';
import type { GuestFault } from '../../src/cpu/faults.ts';
import type { CpuProfile } from '../../src/cpu/features.ts';
import { PageFault, type AccessKind, type GuestMemory } from '../../src/mm/types.ts';
import { constants as UC } from '../../src/unicorn/constants.ts';
import { loadNativeUnicorn, nativeUnicornUnavailable, type NativeUnicorn } from './native-unicorn.ts';
import { WasmUnicorn } from './wasm-unicorn.ts';

/** picemu's compiler mode in a lockstep run (CpuOptions.jit; default 'auto'). */
export type Jit = 'auto' | 'always' | 'off';
/** Which unicorn-engine is the reference: Debian's libunicorn2 through koffi, or the WebAssembly build in wasm/. */
export type Reference = 'native' | 'wasm';
/** The methods lockstep's reference side calls (both unicorns have them). */
type ReferenceUnicorn = Pick<NativeUnicorn, 'hook_add' | 'mem_map' | 'mem_write' | 'mem_read' | 'mem_read_into' | 'reg_write' | 'reg_value' | 'reg_read_batch_raw' | 'emu_start_code' | 'emu_stop' | 'close'>;
import type { ImagePage } from './lockstep-image.ts';
import { requireOracle } from './oracles.ts';

/** True when native unicorn can be used; otherwise skip (locally) or fail (CI), as oracles.ts does. */
export function hasNativeUnicorn(): boolean {
  return requireOracle('native unicorn-engine', !!loadNativeUnicorn(), `${nativeUnicornUnavailable()}; apt-get install libunicorn2`);
}

/** The architectural state compared between the engines. GPRs in encoding order (rax, rcx, rdx, rbx, rsp, ...). */
export interface LockState {
  gpr: BigUint64Array;
  rip: number;
  rflags: number;
  /** XMM0-15, 16 bytes each. */
  xmm: Uint8Array;
  mxcsr: number;
}

export const newState = (): LockState => ({ gpr: new BigUint64Array(16), rip: 0, rflags: 0x202, xmm: new Uint8Array(256), mxcsr: 0x1f80 });

export function copyState(s: LockState): LockState {
  return { gpr: s.gpr.slice(), rip: s.rip, rflags: s.rflags, xmm: s.xmm.slice(), mxcsr: s.mxcsr };
}

export const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** How a step ended, in one vocabulary for both engines. */
export type StepEnd =
  | { kind: 'ok' }
  | { kind: 'fault'; what: string; address?: number; detail?: string }
  | { kind: 'syscall' }
  | { kind: 'halt' };

/** A memory write seen during a step. */
export type Write = [address: number, size: number];

/** One engine as lockstep drives it. */
export interface Side {
  readonly name: string;
  load(pages: ImagePage[]): void;
  setState(s: LockState, fsBase: number): void;
  readState(out: LockState): void;
  /** Executes one instruction at the current RIP; writes go to `writes`. */
  step(writes: Write[]): StepEnd;
  /** Bytes at va, or null where unmapped (never faults, never counts as an access). */
  peek(va: number, length: number): Uint8Array | null;
  /** Writes bytes whatever the protection (test setup). */
  poke(va: number, bytes: Uint8Array): void;
  close(): void;
}

// --- picemu -------------------------------------------------------------------------------------

/** A plain page table for the CPU: one private frame per page, protections checked, no COW (lockstep needs none). */
export class PageMemory implements GuestMemory {
  readonly frames = new Map<number, { bytes: Uint8Array; prot: number; number: number }>();
  epoch = 0;

  map(va: number, prot: number, bytes: Uint8Array): void {
    this.frames.set(Math.floor(va / 4096), { bytes, prot, number: this.frames.size + 1 });
    this.epoch++;
  }

  frameFor(va: number, access: AccessKind): Uint8Array {
    const f = this.frames.get(Math.floor(va / 4096));
    if (!f) throw new PageFault(va, access, 'unmapped');
    const need = access === 'read' ? 1 : access === 'write' ? 2 : 4;
    if (!(f.prot & need)) throw new PageFault(va, access, 'protection');
    return f.bytes;
  }

  frameNumber(va: number): number {
    return this.frames.get(Math.floor(va / 4096))?.number ?? 0;
  }

  peek(va: number, length: number): Uint8Array | null {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const f = this.frames.get(Math.floor((va + i) / 4096));
      if (!f) return null;
      out[i] = f.bytes[(va + i) & 4095];
    }
    return out;
  }

  poke(va: number, bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length; i++) {
      const f = this.frames.get(Math.floor((va + i) / 4096));
      if (!f) return false;
      f.bytes[(va + i) & 4095] = bytes[i];
    }
    return true;
  }
}

function faultName(f: GuestFault): string {
  switch (f.kind) {
    case 'unmapped':
    case 'protection':
      return `${f.kind}-${f.access ?? 'read'}`;
    case 'misaligned':
    case 'general-protection':
    case 'privileged':
      return 'general-protection';
    default:
      return f.kind; // invalid-opcode, unimplemented, divide-error, breakpoint, simd-exception, beyond-eof
  }
}

/** picemu's CPU over a PageMemory. */
export class PicemuSide implements Side {
  readonly name = 'picemu';
  readonly memory = new PageMemory();
  readonly cpu: Cpu;
  private writes: Write[] | null = null;

  /** `jit`: the CPU's compiler mode ('always': every block compiled from its first execution, hooks called from compiled code). */
  constructor(options: { bitness?: 32 | 64; profile?: CpuProfile; hooked?: boolean; jit?: Jit } = {}) {
    this.cpu = new Cpu(this.memory, { bitness: options.bitness ?? 64, profile: options.profile, jit: options.jit });
    if (options.hooked ?? true) this.cpu.setHooks({ memWrite: (address, size) => this.writes?.push([address, size]) });
  }

  load(pages: ImagePage[]): void {
    for (const p of pages) this.memory.map(p.va, p.prot, p.bytes.slice());
  }

  setState(s: LockState, fsBase: number): void {
    const c = this.cpu;
    c.r64.set(s.gpr);
    c.rip = s.rip;
    c.rflags = s.rflags;
    c.xmm8.set(s.xmm);
    c.mxcsr = s.mxcsr;
    c.fsBase = fsBase;
  }

  readState(out: LockState): void {
    const c = this.cpu;
    out.gpr.set(c.r64);
    out.rip = c.rip;
    out.rflags = c.rflags;
    out.xmm.set(c.xmm8.subarray(0, 256));
    out.mxcsr = c.mxcsr;
  }

  /** One instruction; with `repeated` (a rep string instruction), steps until RIP leaves it, as NativeSide does. */
  step(writes: Write[], repeated = false): StepEnd {
    this.writes = writes;
    const start = this.cpu.rip;
    let r = this.cpu.step();
    // picemu, like unicorn and the trap flag, may stop a rep string instruction between iterations.
    for (let i = 0; repeated && i < 100_000 && r.kind === 'budget' && this.cpu.rip === start; i++) r = this.cpu.step();
    this.writes = null;
    // The hooked loop fetches the next block before it checks the budget: a fault reported after the one
    // instruction completed belongs to the next instruction (reported to the lead as a CPU issue).
    if (r.kind === 'fault' && r.executed >= 1) return { kind: 'ok' };
    return outcomeOf(r);
  }

  /** Runs without stepping (the fast loop when no hooks are set) until `until`, a fault or the budget. */
  run(until: number, maxInstructions: number): { end: StepEnd; executed: number; budget: boolean } {
    const r = this.cpu.run({ until, maxInstructions });
    return { end: outcomeOf(r), executed: r.executed, budget: r.kind === 'budget' };
  }

  peek(va: number, length: number): Uint8Array | null {
    return this.memory.peek(va, length);
  }

  poke(va: number, bytes: Uint8Array): void {
    this.memory.poke(va, bytes);
    this.cpu.invalidateCode(va, bytes.length);
  }

  close(): void {}
}

function outcomeOf(r: ReturnType<Cpu['step']>): StepEnd {
  switch (r.kind) {
    case 'fault':
      return { kind: 'fault', what: faultName(r.fault), address: r.fault.address, detail: r.fault.message };
    case 'syscall':
      return { kind: 'syscall' };
    case 'halt':
      return { kind: 'halt' };
    default:
      return { kind: 'ok' };
  }
}

// --- native unicorn -----------------------------------------------------------------------------

const NATIVE_IDS = (() => {
  const names = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];
  const ids = names.map((n) => (UC as unknown as Record<string, number>)[`X86_REG_${n}`]);
  ids.push(UC.X86_REG_RIP, UC.X86_REG_RFLAGS);
  for (let i = 0; i < 16; i++) ids.push((UC as unknown as Record<string, number>)[`X86_REG_XMM${i}`]);
  ids.push(UC.X86_REG_MXCSR);
  return Int32Array.from(ids);
})();

const INTERRUPT_NAMES: Record<number, string> = { 0: 'divide-error', 3: 'breakpoint', 6: 'invalid-opcode', 13: 'general-protection', 14: 'page-fault', 19: 'simd-exception' };

/** unicorn-engine (MODE_64): native (Debian's libunicorn2) or the WebAssembly build (loadWasmUnicorn first). */
export class NativeSide implements Side {
  readonly name: string;
  readonly uc: ReferenceUnicorn;
  private readonly raw = new Uint8Array(NATIVE_IDS.length * 16);
  private readonly rawView = new DataView(this.raw.buffer);
  private writes: Write[] | null = null;
  private interrupt = -1;
  private syscalled = false;
  private badAccess: { what: string; address: number } | null = null;
  /** Address at which every run stops (never a real instruction: the return sentinel). */
  stopAt = 0;

  constructor(mode: 'MODE_64' | 'MODE_32' = 'MODE_64', readonly reference: Reference = 'native') {
    this.name = reference === 'wasm' ? 'unicorn (wasm)' : 'unicorn';
    if (reference === 'wasm') {
      this.uc = new WasmUnicorn(UC.ARCH_X86, UC[mode]) as unknown as ReferenceUnicorn;
    } else {
      const m = loadNativeUnicorn();
      if (!m) throw new Error(`native unicorn-engine unavailable: ${nativeUnicornUnavailable()}`);
      this.uc = new m.Unicorn(UC.ARCH_X86, UC[mode]);
    }
    this.uc.hook_add(UC.HOOK_MEM_WRITE, (_u: unknown, _t: number, address: bigint, size: number) => {
      this.writes?.push([Number(address), size]);
    });
    this.uc.hook_add(UC.HOOK_INTR, (_u: unknown, intno: number) => {
      this.interrupt = intno;
      this.uc.emu_stop();
    });
    this.uc.hook_add(UC.HOOK_INSN, () => {
      this.syscalled = true;
      this.uc.emu_stop();
    }, undefined, 1, 0, UC.X86_INS_SYSCALL);
    this.uc.hook_add(UC.HOOK_MEM_INVALID, (_u: unknown, type: number, address: bigint) => {
      const names: Record<number, string> = {
        [UC.MEM_READ_UNMAPPED]: 'unmapped-read', [UC.MEM_WRITE_UNMAPPED]: 'unmapped-write', [UC.MEM_FETCH_UNMAPPED]: 'unmapped-fetch',
        [UC.MEM_READ_PROT]: 'protection-read', [UC.MEM_WRITE_PROT]: 'protection-write', [UC.MEM_FETCH_PROT]: 'protection-fetch',
      };
      this.badAccess ??= { what: names[type] ?? `mem-type-${type}`, address: Number(address) };
      return false;
    });
  }

  load(pages: ImagePage[]): void {
    // Runs of contiguous pages with one protection become one mapping (fewer regions, same contents).
    let i = 0;
    while (i < pages.length) {
      let j = i + 1;
      while (j < pages.length && pages[j].va === pages[j - 1].va + 4096 && pages[j].prot === pages[i].prot) j++;
      this.uc.mem_map(pages[i].va, (j - i) * 4096, pages[i].prot);
      for (let k = i; k < j; k++) this.uc.mem_write(pages[k].va, pages[k].bytes);
      i = j;
    }
  }

  setState(s: LockState, fsBase: number): void {
    const u = this.uc;
    for (let r = 0; r < 16; r++) u.reg_write(NATIVE_IDS[r], s.gpr[r]);
    u.reg_write(UC.X86_REG_RIP, s.rip);
    u.reg_write(UC.X86_REG_RFLAGS, s.rflags);
    for (let x = 0; x < 16; x++) u.reg_write(NATIVE_IDS[18 + x], s.xmm.subarray(16 * x, 16 * x + 16));
    // unicorn 2 resets MXCSR to 0: always set it.
    u.reg_write(UC.X86_REG_MXCSR, s.mxcsr);
    u.reg_write(UC.X86_REG_FS_BASE, fsBase);
  }

  readState(out: LockState): void {
    this.uc.reg_read_batch_raw(NATIVE_IDS, this.raw);
    for (let r = 0; r < 16; r++) out.gpr[r] = this.rawView.getBigUint64(16 * r, true);
    // As picemu keeps it: a sign-extended number, exact for every canonical address.
    out.rip = Number(this.rawView.getBigInt64(16 * 16, true));
    out.rflags = Number(this.rawView.getBigUint64(16 * 17, true));
    out.xmm.set(this.raw.subarray(16 * 18, 16 * 34));
    out.mxcsr = this.rawView.getUint32(16 * 34, true);
  }

  /**
   * One instruction. unicorn counts each iteration of a rep-prefixed string instruction as one: with
   * `repeated`, it steps again while RIP stays on the instruction, so both engines
   * complete the whole instruction.
   */
  step(writes: Write[], repeated = false): StepEnd {
    this.writes = writes;
    this.interrupt = -1;
    this.syscalled = false;
    this.badAccess = null;
    const rip = this.uc.reg_value(UC.X86_REG_RIP);
    let err = this.uc.emu_start_code(rip, this.stopAt, 0, 1);
    if (repeated) {
      for (let i = 0; i < 100_000 && err === UC.ERR_OK && this.interrupt < 0 && !this.badAccess; i++) {
        if (this.uc.reg_value(UC.X86_REG_RIP) !== rip) break;
        err = this.uc.emu_start_code(rip, this.stopAt, 0, 1);
      }
    }
    this.writes = null;
    if (this.interrupt >= 0) return { kind: 'fault', what: INTERRUPT_NAMES[this.interrupt] ?? `interrupt-${this.interrupt}` };
    if (this.syscalled) return { kind: 'syscall' };
    // unicorn sometimes stops on an instruction it will not execute, without an error (seen for encodings it
    // wrongly treats as invalid): RIP unchanged after a "successful" step. (A jump to itself would look the same.)
    if (err === UC.ERR_OK && this.uc.reg_value(UC.X86_REG_RIP) === rip) return { kind: 'fault', what: 'not-executed' };
    if (err === UC.ERR_OK) return { kind: 'ok' };
    // Set by the invalid-access hook during emu_start (TypeScript cannot see that).
    const bad = this.badAccess as { what: string; address: number } | null;
    // unicorn fetches the next instruction before honouring count=1: a fetch fault away from this
    // instruction's address means this one completed and the next cannot be fetched (the next step says so).
    if (bad && bad.what.endsWith('-fetch') && bad.address !== Number(rip)) return { kind: 'ok' };
    if (bad) return { kind: 'fault', what: bad.what, address: bad.address };
    if (err === UC.ERR_INSN_INVALID) return { kind: 'fault', what: 'invalid-opcode' };
    return { kind: 'fault', what: `uc-error-${err}`, detail: this.uc instanceof WasmUnicorn ? this.uc.strerror(err) : loadNativeUnicorn()!.strerror(err) };
  }

  peek(va: number, length: number): Uint8Array | null {
    try {
      return this.uc.mem_read(va, length);
    } catch {
      return null;
    }
  }

  poke(va: number, bytes: Uint8Array): void {
    this.uc.mem_write(va, bytes);
  }

  close(): void {
    this.uc.close();
  }
}

// --- comparing ----------------------------------------------------------------------------------

/** RFLAGS status bits and DF, at their x86 positions. */
export const FLAG_BITS: [string, number][] = [['CF', 1 << 0], ['PF', 1 << 2], ['AF', 1 << 4], ['ZF', 1 << 6], ['SF', 1 << 7], ['DF', 1 << 10], ['OF', 1 << 11]];
export const COMPARED_FLAGS = FLAG_BITS.reduce((m, [, b]) => m | b, 0);

/**
 * MXCSR bits lockstep compares: not the six sticky exception flags, which unicorn 2.0 never sets
 * (unicorn-known-bugs.ts 'mxcsr-exception-flags-not-set'; the difftest checks picemu's against the host CPU).
 */
export const LOCKSTEP_MXCSR_MASK = 0xffff & ~0x3f;

/** iced RflagsBits → x86 bit positions. */
export function x86Flags(iced: number): number {
  let m = 0;
  if (iced & RflagsBits.OF) m |= 1 << 11;
  if (iced & RflagsBits.SF) m |= 1 << 7;
  if (iced & RflagsBits.ZF) m |= 1 << 6;
  if (iced & RflagsBits.AF) m |= 1 << 4;
  if (iced & RflagsBits.CF) m |= 1 << 0;
  if (iced & RflagsBits.PF) m |= 1 << 2;
  if (iced & RflagsBits.DF) m |= 1 << 10;
  return m;
}

const hex = (v: number | bigint, width = 0): string => `0x${(v < 0 ? BigInt.asUintN(64, BigInt(v)) : v).toString(16).padStart(width, '0')}`;
const xmmHex = (x: Uint8Array, i: number): string => {
  let s = '';
  for (let b = 15; b >= 0; b--) s += x[16 * i + b].toString(16).padStart(2, '0');
  return `0x${s}`;
};

/** Differences between two states, `flagMask` the RFLAGS bits to compare. */
export function diffStates(a: LockState, b: LockState, flagMask: number, mxcsrMask = 0xffff): string[] {
  const out: string[] = [];
  for (let r = 0; r < 16; r++) if (a.gpr[r] !== b.gpr[r]) out.push(`${GPR_NAMES[r]}: ${hex(a.gpr[r])} vs ${hex(b.gpr[r])}`);
  if (a.rip !== b.rip) out.push(`rip: ${hex(a.rip)} vs ${hex(b.rip)}`);
  const fa = a.rflags & flagMask, fb = b.rflags & flagMask;
  if (fa !== fb) {
    const names = FLAG_BITS.filter(([, bit]) => (fa ^ fb) & bit).map(([n, bit]) => `${n}=${fa & bit ? 1 : 0}/${fb & bit ? 1 : 0}`);
    out.push(`rflags: ${hex(a.rflags)} vs ${hex(b.rflags)} (${names.join(' ')})`);
  }
  for (let x = 0; x < 16; x++) {
    for (let k = 0; k < 16; k++) {
      if (a.xmm[16 * x + k] !== b.xmm[16 * x + k]) {
        out.push(`xmm${x}: ${xmmHex(a.xmm, x)} vs ${xmmHex(b.xmm, x)}`);
        break;
      }
    }
  }
  if ((a.mxcsr & mxcsrMask) !== (b.mxcsr & mxcsrMask)) out.push(`mxcsr: ${hex(a.mxcsr)} vs ${hex(b.mxcsr)}`);
  return out;
}

export function formatState(s: LockState): string {
  const lines: string[] = [];
  for (let r = 0; r < 16; r += 4) lines.push(GPR_NAMES.slice(r, r + 4).map((n, k) => `${n.padStart(3)}=${hex(s.gpr[r + k], 16)}`).join(' '));
  lines.push(`rip=${hex(s.rip)} rflags=${hex(s.rflags)} mxcsr=${hex(s.mxcsr)}`);
  for (let x = 0; x < 16; x++) if (s.xmm.subarray(16 * x, 16 * x + 16).some((v) => v)) lines.push(`xmm${x}=${xmmHex(s.xmm, x)}`);
  return lines.join('\n');
}

/** The instruction at `address` in `bytes` (15 bytes or fewer): iced's decode and Intel text. */
export function disassemble(bytes: Uint8Array, address: number): { instr: Instruction; text: string; length: number; hex: string } {
  const d = new Decoder(64, bytes, DecoderOptions.None);
  d.ip = BigInt(address);
  const instr = d.decode();
  const f = new Formatter(FormatterSyntax.Intel);
  const text = f.format(instr);
  const length = instr.length;
  const hexBytes = [...bytes.subarray(0, length)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  d.free();
  f.free();
  return { instr, text, length, hex: hexBytes };
}

/** True for a rep/repe/repne-prefixed string instruction (unicorn steps those one iteration at a time). */
export function isRepString(code: Uint8Array): boolean {
  const d = new Decoder(64, code, DecoderOptions.None);
  const instr = d.decode();
  const yes = (instr.hasRepPrefix || instr.hasRepePrefix || instr.hasRepnePrefix) && instr.isStringInstruction;
  instr.free();
  d.free();
  return yes;
}

/** What lockstep found wrong, with everything needed to reproduce it. */
export class LockstepDivergence extends Error {
  constructor(readonly report: string) {
    super(report);
    this.name = 'LockstepDivergence';
  }
}

export interface LockstepRun {
  pages: ImagePage[];
  state: LockState;
  fsBase: number;
  /** Stop when RIP reaches this address (the call's return sentinel). */
  stopAt: number;
  maxSteps: number;
  /** For reports. */
  label: string;
  /** Symbolizes an address for reports. */
  symbolize?: (address: number) => string;
}

export interface LockstepResult {
  steps: number;
  /** Steps the stepped picemu ran as compiled regions with its hooks compiled in. */
  hookedRegionRuns: number;
  /** 'returned' when RIP reached stopAt; otherwise how the last step ended (both engines agreed). */
  end: StepEnd | { kind: 'returned' } | { kind: 'budget' };
  /** The agreed final state. */
  final: LockState;
  /** Bytes of every writable page at the end, per engine (they are compared). */
  pagesCompared: number;
}

/**
 * Runs `run` in both engines, one instruction at a time, and throws LockstepDivergence at the first
 * difference (outcome, registers, defined flags, XMM, MXCSR, written memory). Then replays the call in a
 * fresh picemu through its fast (unhooked) loop and checks it ends in the same state and memory.
 */
export function lockstep(run: LockstepRun, reference: Reference = 'native', jit?: Jit): LockstepResult {
  const p = new PicemuSide({ jit });
  const n = new NativeSide('MODE_64', reference);
  n.stopAt = run.stopAt;
  try {
    for (const side of [p, n] as Side[]) {
      side.load(run.pages);
      side.setState(run.state, run.fsBase);
    }
    const sp = newState(), sn = newState();
    const recent: string[] = [];
    const wp: Write[] = [], wn: Write[] = [];
    let steps = 0;
    let undefinedFlags = 0;
    let end: LockstepResult['end'] = { kind: 'budget' };
    for (;;) {
      p.readState(sp);
      if (sp.rip === run.stopAt) {
        end = { kind: 'returned' };
        break;
      }
      if (steps >= run.maxSteps) break;
      const before = copyState(sp);
      const code = p.peek(sp.rip, 15) ?? n.peek(sp.rip, 15) ?? new Uint8Array(0);
      wp.length = 0;
      wn.length = 0;
      const rep = code.length > 0 && isRepString(code);
      const ep = p.step(wp, rep);
      const en = n.step(wn, rep);
      steps++;
      const problems: string[] = [];
      let insnText = '(no bytes: unmapped)';
      if (code.length) {
        const d = disassemble(code, sp.rip);
        insnText = `${hex(sp.rip)}${run.symbolize ? ` <${run.symbolize(sp.rip)}>` : ''}: ${d.hex}  ${d.text}`;
        // A flag left undefined stays so until an instruction defines it again.
        const undefinedNow = x86Flags(d.instr.rflagsUndefined);
        const definedNow = x86Flags(d.instr.rflagsModified) & ~undefinedNow;
        undefinedFlags = (undefinedFlags & ~definedNow) | undefinedNow;
      }
      const flagMask = COMPARED_FLAGS & ~undefinedFlags;
      const endText = (e: StepEnd) => (e.kind === 'fault' ? `fault ${e.what}${e.address !== undefined ? ` at ${hex(e.address)}` : ''}${e.detail ? ` (${e.detail})` : ''}` : e.kind);
      if (ep.kind !== en.kind || (ep.kind === 'fault' && en.kind === 'fault' && (ep.what !== en.what || (ep.address !== undefined && en.address !== undefined && ep.address !== en.address)))) {
        problems.push(`outcome: picemu ${endText(ep)} vs ${n.name} ${endText(en)}`);
      }
      if (!problems.length && ep.kind === 'fault') {
        end = ep as StepEnd;
        break;
      }
      n.readState(sn);
      p.readState(sp);
      if (!problems.length) problems.push(...diffStates(sp, sn, flagMask, LOCKSTEP_MXCSR_MASK));
      if (!problems.length) {
        const seen = new Set<string>();
        for (const [addr, size] of [...wp, ...wn]) {
          const key = `${addr}:${size}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const a = p.peek(addr, size), b = n.peek(addr, size);
          if (!a || !b || a.some((v, i) => v !== b[i])) {
            problems.push(`memory ${hex(addr)} (${size} bytes): picemu ${a ? [...a].map((v) => v.toString(16).padStart(2, '0')).join('') : 'unmapped'} vs unicorn ${b ? [...b].map((v) => v.toString(16).padStart(2, '0')).join('') : 'unmapped'}`);
          }
        }
        // Compared as sets of bytes: unicorn reports a 16-byte store as two 8-byte writes.
        const wpText = writtenBytes(wp), wnText = writtenBytes(wn);
        if (wpText !== wnText) problems.push(`writes: picemu [${wpText}] vs unicorn [${wnText}]`);
      }
      if (problems.length) {
        throw new LockstepDivergence(
          [
            `lockstep divergence in ${run.label} at step ${steps}:`,
            `  ${insnText}`,
            ...problems.map((x) => `  differs: ${x}`),
            `state before:`,
            indent(formatState(before)),
            `picemu after (${endText(ep)}):`,
            indent(formatState(sp)),
            `${n.name} after (${endText(en)}):`,
            indent(formatState(sn)),
            `last instructions:`,
            ...recent.map((r) => `  ${r}`),
          ].join('\n'),
        );
      }
      recent.push(insnText);
      if (recent.length > 8) recent.shift();
      if (ep.kind !== 'ok') {
        end = ep;
        break;
      }
    }
    const final = newState();
    n.readState(final);
    let pagesCompared = 0;
    if (end.kind !== 'fault') pagesCompared = comparePages(run, p, n, 'stepped picemu');
    replayFast(run, n, end, steps, COMPARED_FLAGS & ~undefinedFlags, jit);
    return { steps, end, final, pagesCompared, hookedRegionRuns: p.cpu.regionStats.hookedRuns };
  } finally {
    n.close();
  }
}

/** The bytes a step wrote, as sorted merged ranges (`0x...+n`). */
function writtenBytes(writes: Write[]): string {
  const bytes = new Set<number>();
  for (const [a, size] of writes) for (let i = 0; i < size; i++) bytes.add(a + i);
  const sorted = [...bytes].sort((x, y) => x - y);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    out.push(`${hex(sorted[i])}+${j - i + 1}`);
    i = j + 1;
  }
  return out.join(' ');
}

function indent(s: string): string {
  return s.split('\n').map((l) => `  ${l}`).join('\n');
}

/** Compares every writable page of the image between two sides; returns how many were compared. */
function comparePages(run: LockstepRun, a: Side, b: Side, what: string): number {
  let count = 0;
  for (const page of run.pages) {
    if (!(page.prot & 2)) continue;
    const x = a.peek(page.va, 4096), y = b.peek(page.va, 4096);
    count++;
    if (!x || !y) throw new LockstepDivergence(`${run.label}: page ${hex(page.va)} unmapped in ${!x ? a.name : b.name}`);
    const at = x.findIndex((v, i) => v !== y[i]);
    if (at >= 0) {
      throw new LockstepDivergence(`${run.label}: after the run, ${what} and unicorn differ in memory at ${hex(page.va + at)}: ${hex(x[at])} vs ${hex(y[at])}`);
    }
  }
  return count;
}

/** The same call in a fresh picemu without hooks (its fast loop): same end, same state, same memory. */
function replayFast(run: LockstepRun, n: NativeSide, end: LockstepResult['end'], steps: number, flagMask: number, jit?: Jit): void {
  const fast = new PicemuSide({ hooked: false, jit });
  fast.load(run.pages);
  fast.setState(run.state, run.fsBase);
  const r = fast.run(run.stopAt, steps);
  const s = newState(), t = newState();
  fast.readState(s);
  n.readState(t);
  const ended = end.kind === 'returned' ? 'ok' : end.kind;
  const got = r.budget || r.end.kind === 'ok' ? 'ok' : r.end.kind;
  if (got !== ended && !(end.kind === 'budget' && r.budget)) {
    throw new LockstepDivergence(`${run.label}: picemu's fast loop ended with ${JSON.stringify(r.end)} after ${r.executed} instructions; stepping ended with ${end.kind} after ${steps}`);
  }
  if (end.kind === 'fault') return;
  const diffs = diffStates(s, t, flagMask, LOCKSTEP_MXCSR_MASK);
  if (diffs.length) throw new LockstepDivergence(`${run.label}: picemu's fast loop ends in a different state than unicorn:\n  ${diffs.join('\n  ')}`);
  comparePages(run, fast, n, "picemu's fast loop");
}
