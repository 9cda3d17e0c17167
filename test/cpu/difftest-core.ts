// The randomized single-instruction differential test: random encodings of every instruction form picemu
// implements, random registers/flags/XMM/MXCSR/memory, one step in picemu and in native unicorn, compared.
// Where they disagree, the host CPU (test/helpers/c/host_sse.c) decides; see unicorn-known-bugs.ts.
import { Code as CodeEnum, CodeExt, Decoder, DecoderOptions, FlowControl, MandatoryPrefix, OpCodeOperandKind, OpCodeTableKind, OpKind, Register, type Code, type Instruction, type OpCodeInfo } from 'iced-x86';
import { writeSync } from 'node:fs';
import { ALL_FEATURES } from '../../src/cpu/features.ts';
import { implementedCodes } from '../../src/cpu/table.ts';
import { WasmUnicornAborted } from '../helpers/wasm-unicorn.ts';
import { COMPARED_FLAGS, diffStates, disassemble, formatState, newState, NativeSide, PicemuSide, x86Flags, type LockState, type Reference, type StepEnd, type Write } from '../helpers/lockstep.ts';

const TRACE = process.env.DIFFTEST_TRACE === '1';
const CODE_INT_IMM8 = (CodeEnum as unknown as Record<string, Code>).Int_imm8;
export const CODE = 0x10000000; // host_sse's CODE_ADDR
export const MEM = 0x20000000; // host_sse's MEM_ADDR
export const MEM_BYTES = 256; // what host_sse loads and prints
const CODE_SIZE = 4 << 20;
const SLOT = 32;
export const STACK = 0x30000000; // host_single's STACK_ADDR

/** xorshift128 on 32-bit words (deterministic per seed; no BigInt in the hot path). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = (seed ^ 0x9e3779b9) >>> 0 || 1;
    this.b = Math.imul(seed, 0x85ebca6b) >>> 0 || 2;
    this.c = 0xc2b2ae35;
    this.d = 0x27d4eb2f;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    let t = this.d;
    const s = this.a;
    this.d = this.c;
    this.c = this.b;
    this.b = s;
    t ^= t << 11;
    t ^= t >>> 8;
    this.a = (t ^ s ^ (s >>> 19)) >>> 0;
    return this.a;
  }
  u64(): bigint {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.u32();
      for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (v >>> (8 * k)) & 0xff;
    }
    return out;
  }
}

const GPR64 = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];
const GPR_INDEX = new Map<Register, number>(GPR64.map((n, i) => [(Register as unknown as Record<string, Register>)[n], i]));

const SPECIAL64 = [0n, 1n, 2n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn, 0xfffffffffffffffen];
const F32 = [0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000, 0x00000001, 0x807fffff, 0x7f7fffff, 0x4f000000, 0xcf000000, 0x3effffff, 0x4b800000];
const F64 = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff8000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff4000000000000n, 1n, 0x800fffffffffffffn, 0x7fefffffffffffffn, 0x41e0000000000000n, 0xc3e0000000000000n, 0x3fdfffffffffffffn, 0x4330000000000000n];

function randomGpr(r: Rng): bigint {
  const k = r.int(10);
  if (k < 4) return r.u64();
  if (k < 6) return BigInt(r.int(256));
  if (k < 8) return r.pick(SPECIAL64);
  return BigInt(r.u32());
}

function randomXmm(r: Rng, out: Uint8Array, at: number): void {
  const v = new DataView(out.buffer, out.byteOffset + at, 16);
  const k = r.int(4);
  for (let lane = 0; lane < 4; lane++) {
    if (k === 0) v.setUint32(lane * 4, r.chance(0.6) ? r.pick(F32) : r.u32(), true);
    else if (k === 1 && lane < 2) v.setBigUint64(lane * 8, r.chance(0.6) ? r.pick(F64) : r.u64(), true);
    else if (k >= 2) v.setUint32(lane * 4, k === 2 ? r.u32() : r.chance(0.5) ? r.int(256) : r.u32(), true);
  }
}

function randomState(r: Rng): LockState {
  const s = newState();
  for (let i = 0; i < 16; i++) s.gpr[i] = randomGpr(r);
  s.rflags = 0x202 | (r.u32() & 0x8d5) | (r.chance(0.1) ? 0x400 : 0);
  for (let x = 0; x < 16; x++) randomXmm(r, s.xmm, 16 * x);
  s.mxcsr = 0x1f80 | (r.chance(0.3) ? r.int(4) << 13 : 0) | (r.chance(0.1) ? 0x8000 : 0) | (r.chance(0.1) ? 0x40 : 0) | (r.chance(0.2) ? r.int(64) : 0);
  return s;
}

// --- encodings ----------------------------------------------------------------------------------

const K = OpCodeOperandKind;
const MODRM_RM = new Set([K.r8_or_mem, K.r16_or_mem, K.r32_or_mem, K.r64_or_mem, K.xmm_or_mem, K.mm_or_mem, K.mem, K.r16_rm, K.r32_rm, K.r64_rm, K.xmm_rm, K.mm_rm]);
const MODRM_REG = new Set([K.r8_reg, K.r16_reg, K.r32_reg, K.r64_reg, K.xmm_reg, K.mm_reg, K.seg_reg]);
const OPCODE_REG = new Set([K.r8_opcode, K.r16_opcode, K.r32_opcode, K.r64_opcode]);
const IMM_BYTES = new Map<OpCodeOperandKind, number>([
  [K.imm8, 1], [K.imm8sex16, 1], [K.imm8sex32, 1], [K.imm8sex64, 1], [K.imm16, 2], [K.imm32, 4], [K.imm32sex64, 4], [K.imm64, 8],
  [K.mem_offs, 8], [K.br16_1, 1], [K.br32_1, 1], [K.br64_1, 1], [K.br16_2, 2], [K.br32_4, 4], [K.br64_4, 4],
]);

/** Random bytes shaped like `info`'s encoding (prefixes, REX, opcode, ModRM/SIB/disp, immediates); may not decode to it. */
function randomEncoding(info: OpCodeInfo, r: Rng): number[] {
  const kinds: OpCodeOperandKind[] = [];
  for (let i = 0; i < info.opCount; i++) kinds.push(info.opKind(i));
  const b: number[] = [];
  const hasMemForm = kinds.some((k) => MODRM_RM.has(k) && k !== K.r16_rm && k !== K.r32_rm && k !== K.r64_rm && k !== K.xmm_rm && k !== K.mm_rm);
  if (info.canUseLockPrefix && r.chance(0.25)) b.push(0xf0);
  if (info.canUseRepPrefix && r.chance(0.4)) b.push(0xf3);
  else if (info.canUseRepnePrefix && r.chance(0.4)) b.push(0xf2);
  if (info.operandSize === 16) b.push(0x66);
  if (info.addressSize === 32) b.push(0x67); // loop/jecxz forms that count in ECX
  const mp = info.mandatoryPrefix;
  if (mp === MandatoryPrefix.P66) b.push(0x66);
  else if (mp === MandatoryPrefix.PF3) b.push(0xf3);
  else if (mp === MandatoryPrefix.PF2) b.push(0xf2);
  const needW = info.W === 1 || (info.operandSize === 64 && !info.defaultOpSize64 && !info.forceOpSize64);
  if (needW || r.chance(0.5)) b.push(0x40 | (needW ? 8 : 0) | r.int(8));
  if (info.table === OpCodeTableKind.T0F) b.push(0x0f);
  else if (info.table === OpCodeTableKind.T0F38) b.push(0x0f, 0x38);
  else if (info.table === OpCodeTableKind.T0F3A) b.push(0x0f, 0x3a);
  let op = info.opCode;
  if (kinds.some((k) => OPCODE_REG.has(k))) op += r.int(8);
  if (info.opCodeLength === 2) b.push((op >> 8) & 0xff, op & 0xff);
  else b.push(op & 0xff);
  const needModrm = info.isGroup || info.isRmGroup || kinds.some((k) => MODRM_RM.has(k) || MODRM_REG.has(k));
  if (needModrm && !info.isRmGroup) {
    const regOnly = kinds.some((k) => k === K.r16_rm || k === K.r32_rm || k === K.r64_rm || k === K.xmm_rm || k === K.mm_rm);
    const memOnly = kinds.includes(K.mem);
    const mod = regOnly ? 3 : memOnly ? r.int(3) : hasMemForm && r.chance(0.5) ? r.int(3) : 3;
    const reg = info.isGroup ? info.groupIndex : r.int(8);
    const rm = r.int(8);
    b.push((mod << 6) | (reg << 3) | rm);
    if (mod !== 3 && rm === 4) {
      const sibBase = r.int(8);
      b.push((r.int(4) << 6) | (r.int(8) << 3) | sibBase);
      if (mod === 0 && sibBase === 5) b.push(...r.bytes(4));
    }
    if (mod === 0 && rm === 5) b.push(...r.bytes(4));
    if (mod === 1) b.push(r.int(256));
    if (mod === 2) b.push(...r.bytes(4));
  } else if (info.isRmGroup) {
    b.push(0xc0 | (info.groupIndex << 3) | info.rmGroupIndex);
  }
  for (const k of kinds) {
    const n = IMM_BYTES.get(k);
    if (n) b.push(...r.bytes(n));
  }
  return b;
}

/** Forms we do not fuzz, and why (outside what either engine is meant to agree on). */
export const NOT_FUZZED: Record<string, string> = {
  Cpuid: 'the answers are a CPU profile (picemu: configurable; unicorn: its qemu64 model): different by design',
  Rdtsc: 'picemu counts instructions (deterministic); unicorn reads a clock',
  Rdtscp: 'as rdtsc',
  Syscall: 'ends the run to the embedder in both (compared in the fixture lockstep tests instead)',
  Hlt: 'privileged in user mode; unicorn just stops',
};

export interface Generated {
  code: Code;
  name: string;
  bytes: Uint8Array;
  instr: Instruction;
  /** Where the memory operand (explicit or string) was aimed, for host arbitration. */
  usesStack: boolean;
  flow: FlowControl;
}

/** Ops files whose forms the unicorn lockstep cannot judge, and the test that checks them instead. */
const HOST_ONLY_FILES: Record<string, string> = {
  'x87-all.ts': 'x87 state is not part of the lockstep state (and unicorn is unreliable on x87): test/cpu/x87-host.test.ts compares the whole FXSAVE image with the host CPU',
  'mmx-all.ts': 'MMX state lives in the x87 registers: test/cpu/x87-host.test.ts compares it with the host CPU',
};

/** Extensions native unicorn 2.0.1 does not execute: their forms are fuzzed against the host CPU alone (avx-difftest.ts). */
const HOST_ONLY = new Set<string>(['avx', 'avx2', 'fma', 'f16c', 'bmi1', 'bmi2', 'xsave', 'xsaveopt', 'xsavec']);
/**
 * Of those, what the wasm build (unicorn 2.1.4, its cpuid: process/engines/unicorn-profile.ts) executes: its legacy
 * forms (tzcnt) are compared with it; the VEX ones (andn, bextr, pdep, ...) this generator does not make.
 */
const WASM_EXECUTES = new Set<string>(['bmi1', 'bmi2']);

/** A generator per implemented form (64-bit mode only). */

export class Forms {
  readonly entries: { code: Code; name: string; info: OpCodeInfo }[] = [];
  /** Implemented forms skipped here, with why. */
  readonly skipped: { name: string; why: string }[] = [];
  /** `hostOnly`: include the forms only the host CPU judges (the x87/MMX differential test). */
  constructor(filter?: (name: string) => boolean, hostOnly = false, reference: Reference = 'native') {
    for (const e of implementedCodes()) {
      if (filter && !filter(e.name)) continue;
      const info = CodeExt.opCode(e.code);
      const mnemonic = e.name.split('_')[0];
      if (!info.mode64) this.skipped.push({ name: e.name, why: 'not valid in 64-bit mode' });
      else if (HOST_ONLY_FILES[e.file] && !hostOnly) this.skipped.push({ name: e.name, why: HOST_ONLY_FILES[e.file] });
      else if (e.feature && HOST_ONLY.has(e.feature) && !(reference === 'wasm' && WASM_EXECUTES.has(e.feature) && !e.name.startsWith('VEX_'))) this.skipped.push({ name: e.name, why: `${e.feature}: native unicorn 2.0.1 lacks it; the host alone judges it (avx-host.test.ts, npm run difftest:avx)` });
      else if (NOT_FUZZED[mnemonic]) this.skipped.push({ name: e.name, why: NOT_FUZZED[mnemonic] });
      else this.entries.push({ code: e.code, name: e.name, info });
    }
  }
}

/** Tries to make an encoding of `code` at `address` (rejection sampling over random bytes); null if it cannot. */
export function generate(form: Forms['entries'][number], r: Rng, address: number): Generated | null {
  for (let attempt = 0; attempt < 64; attempt++) {
    const bytes = Uint8Array.from(randomEncoding(form.info, r));
    if (bytes.length > 15) continue;
    const d = new Decoder(64, bytes, DecoderOptions.None);
    d.ip = BigInt(address);
    const instr = d.decode();
    d.free();
    if (instr.code !== form.code || instr.length !== bytes.length) {
      instr.free();
      continue;
    }
    // int 0x80 is Linux's 32-bit system call gate: the host would run a random system call. Draw again.
    if (instr.code === CODE_INT_IMM8 && instr.immediate8 === 0x80) {
      instr.free();
      continue;
    }
    // A branch to itself would look, in unicorn, like an instruction it refused to run: draw again.
    if ((instr.flowControl === FlowControl.ConditionalBranch || instr.flowControl === FlowControl.UnconditionalBranch) && Number(instr.nearBranchTarget) === address) {
      instr.free();
      continue;
    }
    const stackInstruction = instr.stackPointerIncrement !== 0 || instr.isStackInstruction;
    // rsp as an ordinary operand would point the stack anywhere and cannot be replayed on the host: draw again.
    if (!stackInstruction && (GPR_INDEX.get(instr.memoryBase) === 4 || GPR_INDEX.get(instr.memoryIndex) === 4 || readsRsp(instr))) {
      instr.free();
      continue;
    }
    const usesStack = stackInstruction;
    return { code: form.code, name: form.name, bytes, instr, usesStack, flow: instr.flowControl };
  }
  return null;
}

function readsRsp(instr: Instruction): boolean {
  for (let i = 0; i < instr.opCount; i++) {
    if (instr.opKind(i) === OpKind.Register && GPR_INDEX.get(fullRegister(instr.opRegister(i))) === 4) return true;
  }
  return false;
}

/** The 64-bit register containing `reg` (iced: e.g. ECX → RCX). */
function fullRegister(reg: Register): Register {
  const name = Register[reg] ?? '';
  const map: Record<string, string> = { AL: 'RAX', AH: 'RAX', AX: 'RAX', EAX: 'RAX', CL: 'RCX', CH: 'RCX', CX: 'RCX', ECX: 'RCX', DL: 'RDX', DH: 'RDX', DX: 'RDX', EDX: 'RDX', BL: 'RBX', BH: 'RBX', BX: 'RBX', EBX: 'RBX', SPL: 'RSP', SP: 'RSP', ESP: 'RSP', BPL: 'RBP', BP: 'RBP', EBP: 'RBP', SIL: 'RSI', SI: 'RSI', ESI: 'RSI', DIL: 'RDI', DI: 'RDI', EDI: 'RDI' };
  const m = /^R(\d+)[BWD]?$/.exec(name);
  const full = map[name] ?? (m ? `R${m[1]}` : name);
  return (Register as unknown as Record<string, Register>)[full] ?? reg;
}

/**
 * Aims memory operands into [MEM, MEM+256) (rewriting RIP-relative/absolute displacements and moffs, or choosing
 * base/index values), string pointers and counts, the stack pointer, and indirect branch targets.
 */
function aim(g: Generated, s: LockState, r: Rng, stack: Uint8Array, mem: Uint8Array, address: number): void {
  const instr = g.instr;
  s.gpr[4] = BigInt(STACK + 0x800 + 8 * r.int(32));
  const target = MEM + 16 + (r.chance(0.7) ? 16 * r.int(13) : r.int(200));
  const d = new Decoder(64, g.bytes, DecoderOptions.None);
  d.ip = BigInt(address);
  const again = d.decode();
  const offsets = d.getConstantOffsets(again);
  again.free();
  d.free();
  const writeLE = (at: number, size: number, value: bigint) => {
    for (let i = 0; i < size; i++) g.bytes[at + i] = Number((value >> BigInt(8 * i)) & 0xffn);
  };
  for (let i = 0; i < instr.opCount; i++) {
    const kind = instr.opKind(i);
    if (kind === OpKind.Memory) {
      if (instr.memoryBase === Register.RIP) {
        writeLE(offsets.displacementOffset, 4, BigInt(target - Number(instr.nextIP)));
      } else if (instr.memoryBase === Register.None && instr.memoryIndex === Register.None) {
        if (offsets.displacementSize === 8) writeLE(offsets.displacementOffset, 8, BigInt(target));
        else writeLE(offsets.displacementOffset, offsets.displacementSize, BigInt(target));
      } else {
        const disp = BigInt.asIntN(64, instr.memoryDisplacement);
        const base = GPR_INDEX.get(instr.memoryBase);
        const index = GPR_INDEX.get(instr.memoryIndex);
        const scale = BigInt(instr.memoryIndexScale);
        if (base !== undefined && index !== undefined && base === index) {
          s.gpr[base] = BigInt.asUintN(64, (BigInt(target) - disp) / (1n + scale));
        } else {
          let rest = BigInt(target) - disp;
          if (index !== undefined) {
            const iv = base === undefined ? rest / scale : BigInt(r.int(16)) - 8n;
            s.gpr[index] = BigInt.asUintN(64, iv);
            rest -= iv * scale;
          }
          if (base !== undefined) s.gpr[base] = BigInt.asUintN(64, rest);
        }
      }
    } else if (kind === OpKind.MemorySegRSI || kind === OpKind.MemorySegESI || kind === OpKind.MemoryESRDI || kind === OpKind.MemoryESEDI || kind === OpKind.MemorySegRDI) {
      s.gpr[6] = BigInt(MEM + 72 + r.int(48));
      s.gpr[7] = BigInt(MEM + 72 + r.int(48));
      s.gpr[1] = BigInt(r.int(9));
    }
  }
  const codeTarget = () => BigInt(CODE + SLOT * r.int(CODE_SIZE / SLOT));
  if (g.flow === FlowControl.IndirectBranch || g.flow === FlowControl.IndirectCall) {
    if (instr.opKind(0) === OpKind.Register) s.gpr[GPR_INDEX.get(fullRegister(instr.opRegister(0)))!] = codeTarget();
    else {
      const v = codeTarget();
      for (let k = 0; k < 8; k++) mem[target - MEM + k] = Number((v >> BigInt(8 * k)) & 0xffn);
    }
  }
  if (g.flow === FlowControl.Return) {
    const v = codeTarget();
    const at = Number(s.gpr[4]) - STACK;
    for (let k = 0; k < 8; k++) stack[at + k] = Number((v >> BigInt(8 * k)) & 0xffn);
  }
  if (/^Leave/.test(g.name)) s.gpr[5] = BigInt(STACK + 0x400 + 8 * r.int(64));
  // unicorn 2.0.1 crashes the process on pcmpestri/pcmpestrm with a length of INT_MIN (unicorn-known-bugs.ts
  // AVOIDED_UNICORN_CRASHES): such lengths are replaced; every other length is still drawn at random.
  if (/^Pcmpestr/.test(g.name)) {
    for (const reg of [0, 2]) {
      if ((s.gpr[reg] & 0xffffffffn) === 0x80000000n || s.gpr[reg] === 0x8000000000000000n) s.gpr[reg] ^= 1n;
    }
  }
}

// --- running ------------------------------------------------------------------------------------

export interface CaseRecord {
  name: string;
  bytes: string;
  text: string;
  before: LockState;
  mem: Uint8Array;
  stack: Uint8Array;
  picemu: { end: StepEnd; state: LockState; mem: Uint8Array; stack: Uint8Array };
  unicorn: { end: StepEnd; state: LockState; mem: Uint8Array; stack: Uint8Array };
  diffs: string[];
  flagMask: number;
  arbitrable: boolean;
  address: number;
}

export interface DiffRun {
  cases: number;
  executed: number;
  perForm: Map<string, number>;
  /** Forms no encoding could be generated for. */
  notGenerated: string[];
  divergences: CaseRecord[];
  skipped: { name: string; why: string }[];
  seconds: number;
}

const endText = (e: StepEnd) => (e.kind === 'fault' ? `fault ${e.what}${e.address !== undefined ? ` at 0x${e.address.toString(16)}` : ''}` : e.kind);

/** Runs `cases` random single-instruction cases (round robin over the forms), both engines reused throughout. */
export function runDifftest(options: { cases: number; seed: number; filter?: (name: string) => boolean; maxDivergences?: number; reference?: Reference }): DiffRun {
  const t0 = performance.now();
  const forms = new Forms(options.filter, false, options.reference);
  const r = new Rng(options.seed);
  const profile = { vendor: 'GenuineIntel', features: new Set(ALL_FEATURES) };
  let p = new PicemuSide({ profile });
  let n = new NativeSide('MODE_64', options.reference);
  let slot = 0;
  const setup = () => {
    const nops = new Uint8Array(CODE_SIZE).fill(0xcc); // int3 after each instruction keeps decoded blocks short
    for (let va = CODE; va < CODE + CODE_SIZE; va += 4096) p.memory.map(va, 5, nops.subarray(va - CODE, va - CODE + 4096));
    p.memory.map(MEM, 3, new Uint8Array(4096));
    p.memory.map(STACK, 3, new Uint8Array(4096));
    n.uc.mem_map(CODE, CODE_SIZE, 5);
    n.uc.mem_write(CODE, nops);
    n.uc.mem_map(MEM, 4096, 3);
    n.uc.mem_map(STACK, 4096, 3);
    n.stopAt = 1; // never reached: count=1 ends each run
  };
  setup();
  const perForm = new Map<string, number>();
  const failedGen = new Map<string, number>();
  const divergences: CaseRecord[] = [];
  const sp = newState(), sn = newState();
  const wp: Write[] = [], wn: Write[] = [];
  const memN = new Uint8Array(MEM_BYTES);
  let executed = 0;
  const aborted: { name: string; why: string }[] = [];
  for (let c = 0; c < options.cases; c++) {
    const form = forms.entries[c % forms.entries.length];
    if (slot >= CODE_SIZE / SLOT) {
      // Fresh engines: unicorn keeps translations of rewritten code (its TB flush is very slow), so slots are never reused.
      n.close();
      p = new PicemuSide({ profile });
      n = new NativeSide('MODE_64', options.reference);
      setup();
      slot = 0;
    }
    const address = CODE + SLOT * slot++;
    const g = generate(form, r, address);
    if (!g) {
      failedGen.set(form.name, (failedGen.get(form.name) ?? 0) + 1);
      continue;
    }
    const state = randomState(r);
    state.rip = address;
    const mem = new Uint8Array(4096);
    mem.set(r.bytes(MEM_BYTES));
    const stack = r.bytes(4096);
    aim(g, state, r, stack, mem, address);
    const text = disassemble(g.bytes, address);
    // A native crash leaves no report: DIFFTEST_TRACE=1 writes each case before it runs.
    if (TRACE) writeSync(2, `case ${c} ${form.name} ${text.hex}\n`);
    // write code, memory, stack and registers into both
    p.poke(address, g.bytes);
    n.uc.mem_write(address, g.bytes);
    p.memory.frames.get(MEM / 4096)!.bytes.set(mem);
    p.memory.frames.get(STACK / 4096)!.bytes.set(stack);
    n.uc.mem_write(MEM, mem);
    n.uc.mem_write(STACK, stack);
    p.setState(state, 0);
    n.setState(state, 0);
    wp.length = 0;
    wn.length = 0;
    const rep = (g.instr.hasRepPrefix || g.instr.hasRepePrefix || g.instr.hasRepnePrefix) && g.instr.isStringInstruction;
    const ep = p.step(wp, rep);
    let en: StepEnd;
    try {
      en = n.step(wn, rep);
    } catch (e) {
      // The wasm unicorn aborted (an operation its interpreter lacks): a listed skip, and fresh engines.
      if (!(e instanceof WasmUnicornAborted)) throw e;
      aborted.push({ name: form.name, why: `${e.message} on ${text.hex} (${text.text})` });
      text.instr.free();
      p = new PicemuSide({ profile });
      n = new NativeSide('MODE_64', options.reference);
      setup();
      slot = 0;
      continue;
    }
    executed++;
    perForm.set(form.name, (perForm.get(form.name) ?? 0) + 1);
    p.readState(sp);
    n.readState(sn);
    const flagMask = COMPARED_FLAGS & ~x86Flags(text.instr.rflagsUndefined);
    const diffs: string[] = [];
    let ps: Uint8Array | undefined, ns: Uint8Array | undefined;
    const sameEnd = ep.kind === en.kind && (ep.kind !== 'fault' || (en.kind === 'fault' && ep.what === en.what));
    if (!sameEnd) diffs.push(`outcome: picemu ${endText(ep)} vs unicorn ${endText(en)}`);
    else if (ep.kind === 'ok') {
      diffs.push(...diffStates(sp, sn, flagMask));
      n.uc.mem_read_into(MEM, memN);
      const mp = p.memory.frames.get(MEM / 4096)!.bytes;
      for (let i = 0; i < MEM_BYTES; i++) {
        if (mp[i] !== memN[i]) {
          diffs.push(`memory 0x${(MEM + i).toString(16)}: 0x${mp[i].toString(16)} vs 0x${memN[i].toString(16)}`);
          break;
        }
      }
      const pStack = p.memory.frames.get(STACK / 4096)!.bytes;
      const nStack = n.uc.mem_read(STACK, 4096);
      [ps, ns] = [pStack, nStack];
      const at = pStack.findIndex((v, i) => v !== nStack[i]);
      if (at >= 0) diffs.push(`stack 0x${(STACK + at).toString(16)}: 0x${pStack[at].toString(16)} vs 0x${nStack[at].toString(16)}`);
    }
    if (diffs.length) {
      divergences.push({
        name: form.name,
        bytes: text.hex,
        text: text.text,
        before: state,
        mem: mem.slice(0, MEM_BYTES),
        stack,
        picemu: { end: ep, state: { ...sp, gpr: sp.gpr.slice(), xmm: sp.xmm.slice() }, mem: p.memory.frames.get(MEM / 4096)!.bytes.slice(0, MEM_BYTES), stack: (ps ?? p.memory.frames.get(STACK / 4096)!.bytes).slice() },
        unicorn: { end: en, state: { ...sn, gpr: sn.gpr.slice(), xmm: sn.xmm.slice() }, mem: n.uc.mem_read(MEM, MEM_BYTES), stack: ns ?? n.uc.mem_read(STACK, 4096) },
        diffs,
        flagMask,
        arbitrable: !g.usesStack && (g.flow === FlowControl.Next || g.flow === FlowControl.Exception || g.flow === FlowControl.Interrupt),
        address,
      });
      if (options.maxDivergences && divergences.length >= options.maxDivergences) break;
    }
    text.instr.free();
    g.instr.free();
  }
  n.close();
  const notGenerated = forms.entries.filter((f) => !perForm.has(f.name) && failedGen.has(f.name)).map((f) => f.name);
  return { cases: options.cases, executed, perForm, notGenerated, divergences, skipped: [...forms.skipped, ...aborted], seconds: (performance.now() - t0) / 1000 };
}

/** A divergence as a person reads it, with what is needed to reproduce it. */
export function describeCase(c: CaseRecord, verdict?: string): string {
  const hex = (b: Uint8Array) => [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return [
    `${c.name}: ${c.bytes}  ${c.text}   (at 0x${c.address.toString(16)})${verdict ? `  → ${verdict}` : ''}`,
    ...c.diffs.map((d) => `  differs: ${d}`),
    `  state before:`,
    ...formatState(c.before).split('\n').map((l) => `    ${l}`),
    `  memory at 0x${MEM.toString(16)}: ${hex(c.mem)}`,
  ].join('\n');
}
