// Shared by the SSE tests: assemble instruction text with GNU as, run single instructions from a full
// register/XMM/MXCSR/memory state in picemu and on the host CPU (test/helpers/c/host_sse.c), compare.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Code, Decoder, DecoderOptions } from 'iced-x86';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cpu } from '../../src/cpu/cpu.ts';
import { ALL_FEATURES } from '../../src/cpu/features.ts';
import { PageFault, type AccessKind, type GuestMemory } from '../../src/mm/types.ts';
import { buildCHelper, requireOracle } from '../helpers/oracles.ts';

export const CODE_ADDR = 0x10000000;
export const MEM_ADDR = 0x20000000;
export const MEM_SIZE = 256;

/** A machine state as host_sse reads and prints it. */
export interface State {
  rflags: number;
  mxcsr: number;
  gpr: bigint[]; // 16, encoding order
  xmm: Uint8Array[]; // 16 × 16 bytes
  mem: Uint8Array; // MEM_SIZE bytes at MEM_ADDR
}

export interface Case {
  /** Instruction text (for messages) and its bytes. */
  text: string;
  code: Uint8Array;
  state: State;
}

export const hasBinutilsAndCc = (): boolean => {
  let ok = true;
  for (const [cmd, args] of [
    ['cc', ['--version']],
    ['as', ['--version']],
    ['nm', ['--version']],
    ['objcopy', ['--version']],
  ] as const) {
    try {
      execFileSync(cmd, args as unknown as string[], { stdio: 'ignore' });
    } catch {
      ok = false;
    }
  }
  return requireOracle('cc and binutils (as, nm, objcopy)', ok, 'apt-get install gcc binutils');
};

// ---- assembling (GNU as is the oracle for encodings)

const asmCache = new Map<string, Uint8Array>();

/** Assembles each Intel-syntax line on its own; returns the bytes of each. One `as` run for all. */
export function assemble(lines: string[]): Uint8Array[] {
  const todo = [...new Set(lines.filter((l) => !asmCache.has(l)))];
  if (todo.length > 0) {
    const dir = mkdtempSync(join(tmpdir(), 'picemu-sse-'));
    try {
      const src = ['.intel_syntax noprefix', '.text', ...todo.map((l, i) => `L${i}: ${l}`), `L${todo.length}:`].join('\n') + '\n';
      writeFileSync(join(dir, 'a.s'), src);
      execFileSync('as', ['--64', '-o', join(dir, 'a.o'), join(dir, 'a.s')]);
      execFileSync('objcopy', ['-O', 'binary', '-j', '.text', join(dir, 'a.o'), join(dir, 'a.bin')]);
      const bin = readFileSync(join(dir, 'a.bin'));
      const addr = new Map<number, number>();
      for (const line of execFileSync('nm', [join(dir, 'a.o')], { encoding: 'utf8' }).split('\n')) {
        const m = /^([0-9a-f]+) t L(\d+)$/.exec(line.trim());
        if (m) addr.set(Number(m[2]), parseInt(m[1], 16));
      }
      todo.forEach((l, i) => asmCache.set(l, new Uint8Array(bin.subarray(addr.get(i)!, addr.get(i + 1)!))));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return lines.map((l) => asmCache.get(l)!);
}

// ---- deterministic random states with edge values

export class Rng {
  constructor(private s: number) {}
  next(): number {
    // mulberry32
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  u32(): number {
    return (this.next() * 4294967296) >>> 0;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
}

const F32_EDGE = [
  0, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fa00000, 0xff800001, 0x7fc12345,
  0x00000001, 0x80000001, 0x007fffff, 0x00400000, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff, 0x4f000000, 0xcf000000,
  0x4effffff, 0x5f000000, 0xdf000000, 0x3f000000, 0x3fc00000, 0x40200000, 0xbfc00000, 0x34000000, 0x4b800000, 0x3eaaaaab,
  0x00800001, 0x7f000000, 0x01000000,
];
const F64_EDGE: [number, number][] = [
  [0, 0], [0, 0x80000000], [0, 0x3ff00000], [0, 0xbff00000], [0, 0x7ff00000], [0, 0xfff00000], [0, 0x7ff80000], [0, 0xfff80000],
  [1, 0x7ff00000], [0x1234, 0x7ff40000], [1, 0], [1, 0x80000000], [0xffffffff, 0x000fffff], [0, 0x00100000], [0, 0x80100000],
  [0xffffffff, 0x7fefffff], [0xffffffff, 0xffefffff], [0, 0x41e00000], [0, 0xc1e00000], [0xffc00000, 0x41dfffff], [0, 0x43e00000],
  [0, 0xc3e00000], [0, 0x3fe00000], [0, 0x3ff80000], [0, 0x40040000], [0, 0xbff80000], [0x55555555, 0x3fd55555], [0, 0x43300000],
  [0xe0000000, 0x47efffff], [0xf0000000, 0x47efffff], [0, 0x36a00000], [0, 0x38100000], [0x20000000, 0x36a00000], [0, 0x7fe00000],
];
const INT_EDGE32 = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0x7fff, 0x8000, 0xffff, 0x7f, 0x80, 0xff, 0x00ff00ff, 0x80008000, 0x7fff7fff, 0x807f807f, 0x01010101];

/** A random interesting f32 (bits) or f64 (words) lane. */
function f32Lane(r: Rng): number {
  const k = r.int(10);
  if (k < 4) return r.pick(F32_EDGE);
  if (k < 5) return r.u32();
  // ordinary numbers of modest range, sometimes integral
  const v = (r.next() - 0.5) * 2 ** (r.int(40) - 20);
  const f = k < 7 ? Math.round(v) : v;
  const b = new Float32Array([f]);
  return new Uint32Array(b.buffer)[0];
}
function f64Lane(r: Rng): [number, number] {
  const k = r.int(10);
  if (k < 4) return r.pick(F64_EDGE);
  if (k < 5) return [r.u32(), r.u32()];
  const v = (r.next() - 0.5) * 2 ** (r.int(80) - 40);
  const f = k < 7 ? Math.round(v) : v;
  const u = new Uint32Array(new Float64Array([f]).buffer);
  return [u[0], u[1]];
}

/**
 * Values near the edges of the exponent range (products and quotients land on underflow and overflow
 * thresholds) with short or random mantissas (ties and exact cases).
 */
function extremeLane(r: Rng, double: boolean): [number, number] {
  const [emax, fracBits] = double ? [1023, 52] : [127, 23];
  const exps = [1 - emax, 2 - emax, 3 - emax, -((emax + 1) >> 1) + r.int(5) - 2, ((emax + 1) >> 1) + r.int(5) - 2, emax, emax - 1, r.int(6) - 3];
  let biased = r.pick(exps) + emax;
  if (r.int(8) === 0) biased = 0; // denormal
  const sign = r.int(2);
  // mantissa: random, or only a few leading bits (exact products, ties)
  let frac = 0n;
  const kind = r.int(3);
  for (let i = 0; i < fracBits; i++) if (kind === 0 ? r.int(2) : kind === 1 ? i < 3 && r.int(2) : i === fracBits - 1 || (i < 2 && r.int(2))) frac |= 1n << BigInt(fracBits - 1 - i);
  if (biased === 0 && frac === 0n) frac = 1n;
  const bits = (BigInt(sign) << BigInt(double ? 63 : 31)) | (BigInt(biased) << BigInt(fracBits)) | frac;
  return [Number(bits & 0xffffffffn), Number(bits >> 32n)];
}

export type LaneKind = 'f32' | 'f64' | 'int' | 'any' | 'f32-extreme' | 'f64-extreme' | 'chars';

/** Bytes from a small alphabet with NULs and sign-bit bytes (string compares find matches and ends). */
const CHARS = [0, 0x61, 0x62, 0x63, 0x7a, 0x41, 0x80, 0xff, 0x61, 0x62, 0x00, 0x20];

/** 16 random bytes shaped as `kind` lanes. */
export function randomVector(r: Rng, kind: LaneKind): Uint8Array {
  const v = new Uint32Array(4);
  const k = kind === 'any' ? r.pick(['f32', 'f64', 'int', 'bytes'] as const) : kind;
  for (let i = 0; i < 4; i++) {
    if (k === 'f32') v[i] = f32Lane(r);
    else if (k === 'f64') {
      if (i % 2 === 0) [v[i], v[i + 1]] = f64Lane(r);
    } else if (k === 'int') v[i] = r.int(3) === 0 ? r.u32() : r.pick(INT_EDGE32) ^ (r.int(2) ? 0 : (r.pick(INT_EDGE32) << 8) >>> 0);
    else v[i] = r.u32();
  }
  // Sometimes make two lanes equal (comparisons, min/max ties).
  if (r.int(4) === 0) v[r.int(4)] = v[r.int(4)];
  return new Uint8Array(v.buffer);
}

const RFLAGS_BITS = [0x1, 0x4, 0x10, 0x40, 0x80, 0x800];

export interface StateOptions {
  lanes?: LaneKind;
  /** MXCSR choice: 'default' (0x1f80), 'random' (rounding, DAZ/FTZ, sticky flags; exceptions masked), 'unmasked' (random and some exceptions unmasked). */
  mxcsr?: 'default' | 'random' | 'unmasked';
  /** GPR values: random 64-bit (default) or small. */
  gprs?: 'random' | 'small';
  /** Adjusts a generated state (e.g. small lengths in rax/rdx). */
  tweak?: (s: State, r: Rng) => void;
}

/** A random state; rsi (and rdi) point into the memory block (16-byte aligned offsets) for [rsi]-style operands. */
export function randomState(r: Rng, o: StateOptions = {}): State {
  const lanes = o.lanes ?? 'any';
  const gpr: bigint[] = [];
  for (let i = 0; i < 16; i++) {
    const pick = r.int(4);
    const lo = pick === 0 ? r.pick(INT_EDGE32) : r.u32();
    const hi = o.gprs === 'small' || pick === 1 ? 0 : pick === 2 ? 0xffffffff : r.u32();
    gpr.push((BigInt(hi) << 32n) | BigInt(lo));
  }
  gpr[4] = 0n; // rsp: not loaded by the host helper
  gpr[6] = BigInt(MEM_ADDR + 16 * r.int(8)); // rsi
  gpr[7] = BigInt(MEM_ADDR + 128); // rdi
  const xmm = Array.from({ length: 16 }, () => randomVector(r, lanes));
  const mem = new Uint8Array(MEM_SIZE);
  for (let i = 0; i < MEM_SIZE; i += 16) mem.set(randomVector(r, lanes), i);
  let mxcsr = 0x1f80;
  if (o.mxcsr === 'random' || o.mxcsr === 'unmasked') {
    mxcsr = 0x1f80 | (r.int(4) << 13) | (r.int(3) === 0 ? 0x40 : 0) | (r.int(3) === 0 ? 0x8000 : 0);
    // Sticky flags; with unmasked exceptions they must stay clear of the unmasked ones (ldmxcsr would not fault, but the next instruction would, whatever it does).
    const unmask = o.mxcsr === 'unmasked' ? 1 << r.int(6) : 0;
    mxcsr &= ~(unmask << 7);
    if (r.int(2)) mxcsr |= r.int(64) & ~unmask;
  }
  let rflags = 0x202;
  for (const b of RFLAGS_BITS) if (r.int(2)) rflags |= b;
  const state = { rflags, mxcsr, gpr, xmm, mem };
  o.tweak?.(state, r);
  return state;
}

// ---- running

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function serialize(c: Case): string {
  const s = c.state;
  return [hex(c.code), s.rflags.toString(16), s.mxcsr.toString(16), ...s.gpr.map((g) => g.toString(16).padStart(16, '0')), ...s.xmm.map(hex), hex(s.mem)].join(' ');
}

/** Runs the cases on the host CPU; each result is a line: the state after, or `SIG signo code`. */
export function runHost(cases: Case[]): string[] {
  // SSE_RECORD_CODES=FILE appends the iced Code of every form run on the host (sse-coverage.test.ts reads it).
  if (process.env.SSE_RECORD_CODES) {
    const names = new Set(
      cases.map((c) => {
        const d = new Decoder(64, c.code, DecoderOptions.None);
        const ins = d.decode();
        const name = Code[ins.code];
        ins.free();
        d.free();
        return name;
      }),
    );
    appendFileSync(process.env.SSE_RECORD_CODES, [...names].join('\n') + '\n');
  }
  const exe = buildCHelper('host_sse');
  const out = execFileSync(exe, [], { input: cases.map(serialize).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28 });
  const lines = out.split('\n');
  lines.pop();
  if (lines.length !== cases.length) throw new Error(`host_sse answered ${lines.length} of ${cases.length} cases`);
  return lines;
}

/** Flat test memory: the code page (r-x) at CODE_ADDR and the data page (rw-) at MEM_ADDR. */
class FlatMemory implements GuestMemory {
  readonly epoch = 0;
  readonly code = new Uint8Array(4096);
  readonly data = new Uint8Array(4096);
  frameFor(va: number, access: AccessKind): Uint8Array {
    const page = Math.floor(va / 4096) * 4096;
    if (page === CODE_ADDR) {
      if (access === 'write') throw new PageFault(va, access, 'protection');
      return this.code;
    }
    if (page === MEM_ADDR) {
      if (access === 'fetch') throw new PageFault(va, access, 'protection');
      return this.data;
    }
    throw new PageFault(va, access, 'unmapped');
  }
  frameNumber(va: number): number {
    const page = Math.floor(va / 4096) * 4096;
    return page === CODE_ADDR ? 1 : page === MEM_ADDR ? 2 : 0;
  }
  peek(va: number, length: number): Uint8Array | null {
    try {
      const f = this.frameFor(va, 'read');
      return f.slice(va & 4095, (va & 4095) + length);
    } catch {
      return null;
    }
  }
  poke(va: number, bytes: Uint8Array): boolean {
    const page = Math.floor(va / 4096) * 4096;
    const f = page === CODE_ADDR ? this.code : page === MEM_ADDR ? this.data : null;
    if (!f) return false;
    f.set(bytes, va & 4095);
    return true;
  }
}

/**
 * Runs one case in picemu (all optional features on); the same line format as the host's. `hooked`
 * installs memory and code hooks, so the CPU takes its hooked loop and sized-access memory paths.
 */
export function runPicemu(c: Case, hooked = false): string {
  const memory = new FlatMemory();
  memory.code.set(c.code);
  memory.code[c.code.length] = 0xc3;
  memory.data.set(c.state.mem);
  // PICEMU_TEST_JIT=always (sse-jit.test.ts): every case through the compilers from its first execution.
  const jit = process.env.PICEMU_TEST_JIT === 'always' ? 'always' : undefined;
  const cpu = new Cpu(memory, { profile: { vendor: 'GenuineIntel', features: new Set(ALL_FEATURES) }, jit });
  const s = c.state;
  for (let i = 0; i < 16; i++) cpu.r64[i] = s.gpr[i];
  for (let i = 0; i < 16; i++) cpu.xmm8.set(s.xmm[i], 16 * i);
  cpu.rflags = (s.rflags & 0xcd5) | 0x202; // IF stays set in user mode
  cpu.mxcsr = s.mxcsr;
  cpu.rip = CODE_ADDR;
  if (hooked) cpu.setHooks({ code() {}, memRead() {}, memWrite() {}, access() {} });
  const outcome = cpu.run({ maxInstructions: 1 });
  if (outcome.kind === 'fault') {
    if (process.env.SSE_DEBUG) console.log(outcome.fault.describe());
    return `SIG ${outcome.fault.signal} ${outcome.fault.code}`;
  }
  if (outcome.kind !== 'budget') return `outcome ${outcome.kind}`;
  if (cpu.rip !== CODE_ADDR + c.code.length) return `rip ${cpu.rip.toString(16)}`;
  const gpr = [...cpu.r64];
  gpr[4] = s.gpr[4];
  return [
    cpu.rflags.toString(16),
    cpu.mxcsr.toString(16),
    ...gpr.map((g) => g.toString(16).padStart(16, '0')),
    ...Array.from({ length: 16 }, (_, i) => hex(cpu.xmm8.subarray(16 * i, 16 * i + 16))),
    hex(memory.data.subarray(0, MEM_SIZE)),
  ].join(' ');
}

/** Explains the first difference between two result lines (field names, not just the text). */
export function describeDifference(c: Case, host: string, mine: string): string {
  const names = ['rflags', 'mxcsr', 'rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', ...Array.from({ length: 8 }, (_, i) => `r${i + 8}`), ...Array.from({ length: 16 }, (_, i) => `xmm${i}`), 'mem'];
  const a = host.split(' '), b = mine.split(' ');
  const diffs: string[] = [];
  if (a[0] === 'SIG' || b[0] === 'SIG' || a.length !== b.length) diffs.push(`host ${host.slice(0, 60)} / picemu ${mine.slice(0, 60)}`);
  else for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diffs.push(`${names[i]}: host ${a[i]} picemu ${b[i]}`);
  const before = serialize(c).split(' ');
  const inputs = [`mxcsr ${before[2]}`, ...[0, 1, 2, 3].map((i) => `xmm${i} ${before[19 + i]}`), `rsi ${before[9]}`];
  return `${c.text}: ${diffs.join('; ')} (inputs: ${inputs.join(', ')})`;
}

/**
 * Builds `perForm` random cases for each instruction line, runs them on both, and returns the
 * differences (empty when picemu matches the host everywhere).
 */
export function differences(lines: string[], perForm: number, seed: number, options: StateOptions = {}): string[] {
  // SSE_CASES_SCALE=N runs N times as many random states (long runs); SSE_SEED shifts every seed.
  perForm = Math.ceil(perForm * Number(process.env.SSE_CASES_SCALE ?? 1));
  seed += Number(process.env.SSE_SEED ?? 0);
  const codes = assemble(lines);
  const r = new Rng(seed);
  const cases: Case[] = [];
  lines.forEach((text, i) => {
    for (let k = 0; k < perForm; k++) cases.push({ text, code: codes[i], state: randomState(r, options) });
  });
  const host = runHost(cases);
  const out: string[] = [];
  cases.forEach((c, i) => {
    // every third case runs with hooks installed (the hooked loop and memory paths)
    const mine = runPicemu(c, i % 3 === 2);
    if (mine !== host[i]) out.push(describeDifference(c, host[i], mine));
  });
  return out;
}
