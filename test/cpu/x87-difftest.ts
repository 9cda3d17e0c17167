// The x87/MMX host-CPU differential test: random encodings of every implemented x87 and MMX form, random FPU
// state (stack contents and tags, every rounding and precision mode, masks, pending exceptions), run once in
// picemu and once on the host CPU (test/helpers/c/host_x87.c), the whole FXSAVE image, GPRs, flags and memory
// compared. Fields the manuals leave undefined are compared only where listed in UNDEFINED (with the words).
import { execFileSync } from 'node:child_process';
import { Decoder, DecoderOptions, MemorySize, OpKind, Register, type Instruction } from 'iced-x86';
import { Cpu } from '../../src/cpu/cpu.ts';
import { ALL_FEATURES } from '../../src/cpu/features.ts';
import { PageFault, type AccessKind, type GuestMemory } from '../../src/mm/types.ts';
import { buildCHelper } from '../helpers/oracles.ts';
import { Forms, generate, Rng } from './difftest-core.ts';

export const CODE_ADDR = 0x10000000;
export const MEM_ADDR = 0x20000000;
export const MEM_SIZE = 1024;
const FX_SIZE = 416;

/** A case: instruction bytes and the whole input state. */
export interface X87Case {
  name: string;
  bytes: Uint8Array;
  text: string;
  rflags: number;
  gpr: bigint[];
  /** 416-byte FXSAVE image (FIP/FDP/FOP zero). */
  fx: Uint8Array;
  mem: Uint8Array;
  /** Memory bytes not compared: FXSAVE's MXCSR_MASK (see IMAGE_NOT_COMPARED). */
  ignoreMem?: [number, number];
}

// ---- random values ------------------------------------------------------------------------------------------

const SPECIAL80: [number, bigint][] = [
  [0x0000, 0n], [0x8000, 0n], // zeros
  [0x3fff, 0x8000000000000000n], [0xbfff, 0x8000000000000000n], // ±1
  [0x7fff, 0x8000000000000000n], [0xffff, 0x8000000000000000n], // ±inf
  [0xffff, 0xc000000000000000n], [0x7fff, 0xc000000000000001n], [0x7fff, 0xe123456789abcdefn], // QNaNs
  [0x7fff, 0x8000000000000001n], [0xffff, 0xa000000000000000n], // SNaNs
  [0x0000, 0x0000000000000001n], [0x8000, 0x7fffffffffffffffn], // denormals
  [0x0000, 0x8000000000000000n], // pseudo-denormal
  [0x3fff, 0x4000000000000000n], [0x7fff, 0x0000000000000000n], [0x7fff, 0x4000000000000000n], // unnormal, pseudo-inf, pseudo-NaN
  [0x7ffe, 0xffffffffffffffffn], [0xfffe, 0xffffffffffffffffn], [0x0001, 0x8000000000000000n], // max, min normal
  [0x403e, 0x8000000000000000n], [0xc03e, 0x8000000000000000n], [0x403d, 0xffffffffffffffffn], // ±2^63, 2^63-1
  [0x4000, 0xc90fdaa22168c235n], [0x3ffe, 0xb17217f7d1cf79acn], // pi, ln2
];

function random80(r: Rng): [number, bigint] {
  const k = r.int(12);
  const sign = r.chance(0.5) ? 0x8000 : 0;
  if (k < 3) return r.pick(SPECIAL80);
  if (k < 6) return [sign | (0x3fff + r.int(140) - 70), 0x8000000000000000n | (r.u64() & 0x7fffffffffffffffn)];
  if (k < 7) return [sign | (0x3fff + r.int(140) - 70), 0x8000000000000000n | ((r.u64() >> BigInt(r.int(62))) << BigInt(r.int(40)) & 0x7fffffffffffffffn)];
  if (k < 8) {
    // small integers and halves (rounding ties for FRNDINT/FIST)
    const n = BigInt(r.int(2000) - 1000);
    if (n === 0n) return [sign, 0n];
    const v = n < 0n ? -n : n;
    const bits = v.toString(2).length;
    return [(n < 0n ? 0x8000 : 0) | (0x3fff + bits - 1 - (r.chance(0.5) ? 1 : 0)), v << BigInt(64 - bits)];
  }
  if (k < 9) return [sign | r.pick([1, 2, 0x3c00 + r.int(64), 0x4400 - r.int(64), 0x7ffe, 0x7ffd, 0x3f80 + r.int(4), 0x43fe + r.int(4), 0x3c01 + r.int(4), 0x407e + r.int(4)]), 0x8000000000000000n | (r.u64() & 0x7fffffffffffffffn)];
  if (k < 10) return [sign, r.u64() >> BigInt(r.int(64))];
  return [r.int(0x10000), r.u64()];
}

const F32 = [0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000, 0x00000001, 0x807fffff, 0x7f7fffff, 0x4f000000, 0xcf000000, 0x3effffff, 0x4b800000];
const F64 = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0xbff8000000000000n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff4000000000000n, 1n, 0x800fffffffffffffn, 0x7fefffffffffffffn, 0x41e0000000000000n, 0xc3e0000000000000n, 0x3fdfffffffffffffn, 0x4330000000000000n];

function randomControlWord(r: Rng): number {
  const rc = r.int(4) << 10;
  const pc = r.pick([3, 3, 2, 0, 1]) << 8;
  const masks = r.chance(0.7) ? 0x3f : r.int(64);
  return 0x40 | rc | pc | masks | (r.chance(0.1) ? 0x1000 : 0);
}

/** A random FXSAVE image: control word, consistent ES/B, random top/tags/condition codes, registers, MXCSR, XMM. */
function randomImage(r: Rng, fx: Uint8Array): void {
  const dv = new DataView(fx.buffer, fx.byteOffset, fx.byteLength);
  const fcw = randomControlWord(r);
  const flags = r.chance(0.5) ? 0 : r.int(128);
  let fsw = (r.int(8) << 11) | (r.u32() & 0x4700) | (flags & 0x7f);
  if (fsw & ~fcw & 0x3f) fsw |= 0x8080;
  dv.setUint16(0, fcw, true);
  dv.setUint16(2, fsw, true);
  const full = r.chance(0.2), empty = r.chance(0.2);
  fx[4] = full ? 0xff : empty ? 0 : r.int(256);
  dv.setUint32(24, 0x1f80 | (r.chance(0.3) ? r.int(4) << 13 : 0) | (r.chance(0.2) ? r.int(64) : 0), true);
  for (let i = 0; i < 8; i++) {
    const [se, m] = random80(r);
    dv.setBigUint64(32 + 16 * i, m, true);
    dv.setUint16(40 + 16 * i, se, true);
  }
  for (let i = 0; i < 256; i += 4) dv.setUint32(160 + i, r.u32(), true);
}

const GPR64 = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];
const GPR_INDEX = new Map<Register, number>(GPR64.map((n, i) => [(Register as unknown as Record<string, Register>)[n], i]));

/** Puts a value of the memory operand's type at `at` (most of the time), so loads see interesting numbers. */
function plantOperand(r: Rng, mem: Uint8Array, at: number, size: MemorySize): void {
  const dv = new DataView(mem.buffer, mem.byteOffset);
  if (r.chance(0.2)) return;
  switch (size) {
    case MemorySize.Float32:
      dv.setUint32(at, r.chance(0.5) ? r.pick(F32) : new Uint32Array(new Float32Array([(r.u32() / 65536 - 32768) * 2 ** (r.int(40) - 20)]).buffer)[0], true);
      break;
    case MemorySize.Float64:
      dv.setBigUint64(at, r.chance(0.5) ? r.pick(F64) : new BigUint64Array(new Float64Array([(r.u32() / 65536 - 32768) * 2 ** (r.int(80) - 40)]).buffer)[0], true);
      break;
    case MemorySize.Float80: {
      const [se, m] = random80(r);
      dv.setBigUint64(at, m, true);
      dv.setUint16(at + 8, se, true);
      break;
    }
    case MemorySize.Int16:
      dv.setInt16(at, r.chance(0.5) ? r.int(200) - 100 : r.u32(), true);
      break;
    case MemorySize.Int32:
      dv.setInt32(at, r.chance(0.5) ? r.int(2000) - 1000 : r.u32(), true);
      break;
    case MemorySize.Int64:
      dv.setBigUint64(at, r.chance(0.5) ? BigInt.asUintN(64, BigInt(r.int(2000) - 1000)) : r.u64(), true);
      break;
    case MemorySize.Bcd:
      for (let i = 0; i < 9; i++) mem[at + i] = r.chance(0.95) ? (r.int(10) << 4) | r.int(10) : r.int(256);
      mem[at + 9] = r.chance(0.5) ? 0x80 : 0;
      break;
    case MemorySize.Fxsave_512Byte:
    case MemorySize.Fxsave64_512Byte:
      randomImage(r, mem.subarray(at, at + 512));
      break;
    case MemorySize.FpuEnv28:
    case MemorySize.FpuState108:
    case MemorySize.FpuEnv14:
    case MemorySize.FpuState94: {
      const small = size === MemorySize.FpuEnv14 || size === MemorySize.FpuState94;
      const fcw = randomControlWord(r);
      let fsw = (r.int(8) << 11) | (r.u32() & 0x4700) | (r.chance(0.5) ? 0 : r.int(128));
      if (fsw & ~fcw & 0x3f) fsw |= 0x8080;
      const tag = r.u32() & 0xffff;
      const step = small ? 2 : 4;
      dv.setUint16(at, fcw, true);
      dv.setUint16(at + step, fsw, true);
      dv.setUint16(at + 2 * step, tag, true);
      const regs = at + (small ? 14 : 28);
      if (size === MemorySize.FpuState108 || size === MemorySize.FpuState94) {
        for (let i = 0; i < 8; i++) {
          const [se, m] = random80(r);
          dv.setBigUint64(regs + 10 * i, m, true);
          dv.setUint16(regs + 10 * i + 8, se, true);
        }
      }
      break;
    }
    default:
      break;
  }
}

/** Aims the memory operand at MEM_ADDR + offset (16-aligned for the big images) by choosing registers or displacement. */
function aim(instr: Instruction, bytes: Uint8Array, gpr: bigint[], target: number): boolean {
  const d = new Decoder(64, bytes, DecoderOptions.None);
  d.ip = BigInt(CODE_ADDR);
  const again = d.decode();
  const offsets = d.getConstantOffsets(again);
  again.free();
  d.free();
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  if (instr.memoryBase === Register.RIP) dv.setInt32(offsets.displacementOffset, target - Number(instr.nextIP), true);
  else if (instr.memoryBase === Register.None && instr.memoryIndex === Register.None) dv.setInt32(offsets.displacementOffset, target, true);
  else {
    const disp = BigInt.asIntN(64, instr.memoryDisplacement);
    const base = GPR_INDEX.get(instr.memoryBase);
    const index = GPR_INDEX.get(instr.memoryIndex);
    const scale = BigInt(instr.memoryIndexScale);
    if (base !== undefined && index !== undefined && base === index) {
      const rest = BigInt(target) - disp;
      if (rest % (1n + scale) !== 0n) return false;
      gpr[base] = BigInt.asUintN(64, rest / (1n + scale));
    } else {
      let rest = BigInt(target) - disp;
      if (index !== undefined) {
        const iv = base === undefined ? rest / scale : BigInt((target >> 4) & 15) - 8n;
        gpr[index] = BigInt.asUintN(64, iv);
        rest -= iv * scale;
      }
      if (base !== undefined) gpr[base] = BigInt.asUintN(64, rest);
      else if (rest !== 0n && base === undefined && index !== undefined && BigInt(target) !== disp + gpr[index] * scale) return false;
    }
  }
  return true;
}

function hasMemory(instr: Instruction): boolean {
  for (let i = 0; i < instr.opCount; i++) if (instr.opKind(i) === OpKind.Memory) return true;
  return false;
}

/** Draws one case of a form (null if no encoding could be drawn or aimed). */
export function drawCase(form: Forms['entries'][number], r: Rng): X87Case | null {
  const g = generate(form, r, CODE_ADDR);
  if (!g) return null;
  const gpr = Array.from({ length: 16 }, () => (r.chance(0.5) ? r.u64() : BigInt(r.u32())));
  const mem = r.bytes(MEM_SIZE);
  const fx = new Uint8Array(FX_SIZE);
  randomImage(r, fx);
  const instr = g.instr;
  // maskmovq/maskmovdqu store at [rdi]: aim it into the data page most of the time
  if (/^Maskmov/.test(form.name) && r.chance(0.9)) gpr[7] = BigInt(MEM_ADDR + 16 * r.int(60));
  let ignoreMem: [number, number] | undefined;
  if (hasMemory(instr)) {
    const big = instr.memorySize === MemorySize.Fxsave_512Byte || instr.memorySize === MemorySize.Fxsave64_512Byte || instr.memorySize === MemorySize.FpuState108 || instr.memorySize === MemorySize.FpuState94;
    const target = MEM_ADDR + (big ? 16 * r.int(20) + (r.chance(0.1) ? 8 : 0) : 16 + (r.chance(0.7) ? 16 * r.int(50) : r.int(800)));
    if (!aim(instr, g.bytes, gpr, target)) {
      instr.free();
      return null;
    }
    plantOperand(r, mem, target - MEM_ADDR, instr.memorySize);
    if (instr.memorySize === MemorySize.Fxsave_512Byte || instr.memorySize === MemorySize.Fxsave64_512Byte) ignoreMem = [target - MEM_ADDR + 28, target - MEM_ADDR + 32];
  }
  const d = new Decoder(64, g.bytes, DecoderOptions.None);
  d.ip = BigInt(CODE_ADDR);
  const check = d.decode();
  d.free();
  const ok = check.code === form.code && check.length === g.bytes.length;
  check.free();
  instr.free();
  if (!ok) return null;
  const rflags = 0x202 | (r.u32() & 0x8d5);
  return { name: form.name, bytes: g.bytes, text: disassembly(g.bytes), rflags, gpr, fx, mem, ignoreMem };
}

// ---- running -------------------------------------------------------------------------------------------------

const hex = (b: Uint8Array) => [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
const unhex = (h: string) => Uint8Array.from({ length: h.length / 2 }, (_, k) => parseInt(h.slice(2 * k, 2 * k + 2), 16));

export interface Result {
  signal?: { signo: number; code: number };
  rflags?: number;
  gpr?: bigint[];
  fx?: Uint8Array;
  mem?: Uint8Array;
}

function parseResult(line: string): Result {
  const p = line.trim().split(' ');
  if (p[0] === 'SIG') return { signal: { signo: Number(p[1]), code: Number(p[2]) } };
  return { rflags: parseInt(p[0], 16), gpr: p.slice(1, 17).map((h) => BigInt(`0x${h}`)), fx: unhex(p[17]), mem: unhex(p[18]) };
}

let helper: string | undefined;
/** Runs every case on the host CPU (one child process). */
export function runHost(cases: X87Case[]): Result[] {
  helper ??= buildCHelper('host_x87');
  const input = cases.map((c) => `${hex(c.bytes)} ${c.rflags.toString(16)} ${c.gpr.map((g) => g.toString(16)).join(' ')} ${hex(c.fx)} ${hex(c.mem)}`).join('\n') + '\n';
  const out = execFileSync(helper, [], { input, encoding: 'utf8', maxBuffer: 1 << 30 }).trim().split('\n');
  return out.map(parseResult);
}

/** Two pages (code, data) with protections, enough for one instruction. */
class TwoPages implements GuestMemory {
  epoch = 0;
  readonly code = new Uint8Array(4096);
  readonly data = new Uint8Array(4096);
  frameFor(va: number, access: AccessKind): Uint8Array {
    const page = Math.floor(va / 4096) * 4096;
    if (page === CODE_ADDR && access !== 'write') return this.code;
    if (page === MEM_ADDR && access !== 'fetch') return this.data;
    throw new PageFault(va, access, page === CODE_ADDR || page === MEM_ADDR ? 'protection' : 'unmapped');
  }
  frameNumber(va: number): number {
    return Math.floor(va / 4096) === CODE_ADDR / 4096 ? 1 : 2;
  }
  peek(): Uint8Array | null {
    return null;
  }
  poke(): boolean {
    return false;
  }
}

/** Runs one case in picemu; the state is read back into the host's FXSAVE layout by this test (not by picemu's fxsave). */
export function runPicemu(c: X87Case, jit: 'off' | 'always' = 'off'): Result {
  const memory = new TwoPages();
  memory.code.set(c.bytes);
  memory.code[c.bytes.length] = 0xc3;
  memory.data.set(c.mem);
  const cpu = new Cpu(memory, { profile: { vendor: 'GenuineIntel', features: new Set(ALL_FEATURES) }, jit });
  for (let i = 0; i < 16; i++) cpu.r64[i] = c.gpr[i];
  cpu.rflags = (c.rflags & 0xcd5) | 0x202;
  const dv = new DataView(c.fx.buffer, c.fx.byteOffset);
  const x = cpu.x87;
  x.fcw = dv.getUint16(0, true);
  x.status = dv.getUint16(2, true);
  for (let i = 0; i < 8; i++) x.setSt(i, { m: dv.getBigUint64(32 + 16 * i, true), se: dv.getUint16(40 + 16 * i, true) });
  x.valid = c.fx[4];
  cpu.mxcsr = dv.getUint32(24, true);
  cpu.xmm8.set(c.fx.subarray(160, 416), 0);
  cpu.rip = CODE_ADDR;
  const outcome = cpu.run({ maxInstructions: 1 });
  if (outcome.kind === 'fault') return { signal: { signo: outcome.fault.signal, code: outcome.fault.code } };
  if (outcome.kind !== 'budget') throw new Error(`picemu: outcome ${outcome.kind}`);
  const fx = new Uint8Array(FX_SIZE);
  const out = new DataView(fx.buffer);
  out.setUint16(0, x.fcw, true);
  out.setUint16(2, x.status, true);
  fx[4] = x.valid;
  out.setUint32(24, cpu.mxcsr, true);
  for (let i = 0; i < 8; i++) {
    const v = x.st(i);
    out.setBigUint64(32 + 16 * i, v.m, true);
    out.setUint16(40 + 16 * i, v.se, true);
  }
  fx.set(cpu.xmm8.subarray(0, 256), 160);
  return { rflags: cpu.rflags, gpr: [...cpu.r64], fx, mem: memory.data.slice(0, MEM_SIZE) };
}

/** Bytes of the FXSAVE image not compared, with why. */
export const IMAGE_NOT_COMPARED: { from: number; to: number; why: string }[] = [
  { from: 6, to: 24, why: 'FOP, FIP, FDP: AMD64 APM vol. 2 §11.4.4.3 / FXSAVE: "FXSAVE saves FIP, FDP and FOP only if an unmasked x87 exception is pending (ES=1)"; the host (AMD) leaves them 0, Intel saves them' },
  { from: 28, to: 32, why: 'MXCSR_MASK: a property of the CPU model (host 0x2ffff on AMD, 0xffff on many Intel parts); picemu reports 0xffff' },
];

const FIELD = (at: number): string => {
  if (at < 2) return 'fcw';
  if (at < 4) return 'fsw';
  if (at === 4) return 'ftw';
  if (at < 32) return `fx+${at}`;
  if (at < 160) return `st${(at - 32) >> 4}${(at - 32) % 16 >= 10 ? ' (reserved bytes)' : ''}`;
  return `xmm${(at - 160) >> 4}`;
};

/** What differs between the host's and picemu's results (empty: the same). `fswMask` hides undefined status bits. */
export function compareResults(h: Result, p: Result, fswMask = 0xffff, rflagsMask = 0xcd5, ignoreMem?: [number, number], who = 'picemu'): string[] {
  if (h.signal || p.signal) {
    const hs = h.signal ? `SIG ${h.signal.signo}/${h.signal.code}` : 'completes';
    const ps = p.signal ? `SIG ${p.signal.signo}/${p.signal.code}` : 'completes';
    return hs === ps ? [] : [`host ${hs}, ${who} ${ps}`];
  }
  const out: string[] = [];
  if ((h.rflags! & rflagsMask) !== (p.rflags! & rflagsMask)) out.push(`rflags host 0x${h.rflags!.toString(16)} picemu 0x${p.rflags!.toString(16)}`);
  for (let i = 0; i < 16; i++) if (i !== 4 && h.gpr![i] !== p.gpr![i]) out.push(`${GPR64[i].toLowerCase()} host 0x${h.gpr![i].toString(16)} picemu 0x${p.gpr![i].toString(16)}`);
  const hf = h.fx!, pf = p.fx!;
  const hsw = hf[2] | (hf[3] << 8), psw = pf[2] | (pf[3] << 8);
  if ((hsw & fswMask) !== (psw & fswMask)) out.push(`fsw host 0x${hsw.toString(16)} picemu 0x${psw.toString(16)}`);
  const seen = new Set<string>();
  for (let i = 0; i < FX_SIZE; i++) {
    if (i === 2 || i === 3) continue;
    if (IMAGE_NOT_COMPARED.some((n) => i >= n.from && i < n.to)) continue;
    if (hf[i] !== pf[i]) {
      const f = FIELD(i);
      if (seen.has(f)) continue;
      seen.add(f);
      if (f.startsWith('st')) {
        const at = 32 + 16 * ((i - 32) >> 4);
        const v = (b: Uint8Array) => `${hex(b.subarray(at + 8, at + 10).reverse())}:${hex(b.subarray(at, at + 8).reverse())}`;
        out.push(`${f} host ${v(hf.slice())} ${who} ${v(pf.slice())}`);
      } else out.push(`${f} host ${hex(hf.subarray(i & ~1, (i & ~1) + 2))} ${who} ${hex(pf.subarray(i & ~1, (i & ~1) + 2))}`);
    }
  }
  const at = h.mem!.findIndex((v, i) => v !== p.mem![i] && !(ignoreMem && i >= ignoreMem[0] && i < ignoreMem[1]));
  if (at >= 0) out.push(`memory +0x${at.toString(16)}: host ${hex(h.mem!.subarray(at & ~7, (at & ~7) + 16))} ${who} ${hex(p.mem!.subarray(at & ~7, (at & ~7) + 16))}`);
  return out;
}

/** The input state of a case, for a person reproducing it. */
export function describeInput(c: X87Case): string {
  const dv = new DataView(c.fx.buffer, c.fx.byteOffset);
  const fsw = dv.getUint16(2, true);
  const top = (fsw >> 11) & 7;
  const regs: string[] = [];
  for (let i = 0; i < 8; i++) {
    const phys = (top + i) & 7;
    const empty = !((c.fx[4] >> phys) & 1);
    regs.push(`st${i}=${empty ? 'empty ' : ''}${dv.getUint16(40 + 16 * i, true).toString(16).padStart(4, '0')}:${dv.getBigUint64(32 + 16 * i, true).toString(16).padStart(16, '0')}`);
  }
  return `fcw 0x${dv.getUint16(0, true).toString(16)} fsw 0x${fsw.toString(16)} ftw 0x${c.fx[4].toString(16)} rflags 0x${c.rflags.toString(16)} ${regs.join(' ')}`;
}

export function disassembly(bytes: Uint8Array): string {
  const d = new Decoder(64, bytes, DecoderOptions.None);
  d.ip = BigInt(CODE_ADDR);
  const i = d.decode();
  const t = i.toString();
  i.free();
  d.free();
  return t;
}

/** Every x87 form and every form with an MMX operand (iced Code names). */
export const X87_AND_MMX = '^(F|Wait|Emms|Maskmovq|Movntq)|_mm(_|m|$)';
/** iced decodes an FWAIT prefix as its own WAIT instruction: these forms never decode (WAIT then the FN form run). */
export const WAIT_FORMS = /^(Finit|Fclex|Fstcw|Fstsw|Fstenv|Fsave|Feni|Fdisi|Fsetpm)(_|$)/;

export function x87Forms(filter: (name: string) => boolean): Forms {
  return new Forms(filter, true);
}
export { Rng };

/** A case running `bytes` with ST0, ST1, … = `stack` (80-bit [se, m]) under `fcw`, the rest of the stack empty. */
export function stackCase(name: string, bytes: number[], fcw: number, stack: [number, bigint][]): X87Case {
  const fx = new Uint8Array(FX_SIZE);
  const dv = new DataView(fx.buffer);
  const top = (8 - stack.length) & 7;
  dv.setUint16(0, fcw, true);
  dv.setUint16(2, top << 11, true);
  // the abridged tag word: one bit per physical register, ST(i) is physical (top + i) mod 8
  stack.forEach(([se, m], i) => {
    fx[4] |= 1 << ((top + i) & 7);
    dv.setBigUint64(32 + 16 * i, m, true);
    dv.setUint16(40 + 16 * i, se, true);
  });
  dv.setUint32(24, 0x1f80, true);
  const code = Uint8Array.from(bytes);
  return { name, bytes: code, text: disassembly(code), rflags: 0x202, gpr: Array.from({ length: 16 }, () => 0n), fx, mem: new Uint8Array(MEM_SIZE) };
}
