// Runs single instructions on the host CPU (test/helpers/c/host_exec.c) and in picemu from the same state,
// and compares the results; assembles Intel-syntax text with GNU as (the oracle for encodings).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decoder, DecoderOptions } from 'iced-x86';
import { Cpu } from '../../src/cpu/cpu.ts';
import { convert, type Insn } from '../../src/cpu/decode.ts';
import { ALL_FEATURES, type CpuProfile } from '../../src/cpu/features.ts';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/mm/types.ts';
import { buildCHelper, requireOracle } from '../helpers/oracles.ts';
import { FlatMemory } from './flat-memory.ts';

export const CODE_ADDR = 0x10000000;
export const MEM_ADDR = 0x20000000;
export const MEM_SIZE = 4096;
/** Status flags and DF: what the comparison looks at (minus the instruction's undefined flags). */
export const FLAG_MASK = 0xcd5;

export interface State {
  rflags: number;
  mxcsr: number;
  gpr: bigint[];
  xmm: Uint8Array[];
  mem: Uint8Array;
}

export type Result =
  | { kind: 'ok'; rip: number; state: State }
  | { kind: 'sig'; signo: number; code: number; addr: number; rip: number; state: State };

export const hasToolchain = (): boolean => {
  let ok = true;
  for (const cmd of ['cc', 'as', 'objcopy', 'nm', 'readelf']) {
    try {
      execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    } catch {
      ok = false;
    }
  }
  return requireOracle('cc and binutils (as, objcopy, nm, readelf)', ok, 'apt-get install gcc binutils');
};

/** Assembles each line (Intel syntax; `hex:...` lines are raw bytes) into its bytes, in one `as` run. */
export function assemble(lines: string[], bits: 64 | 32 = 64): Uint8Array[] {
  const dir = mkdtempSync(join(tmpdir(), 'picemu-asm-'));
  try {
    const src = ['.intel_syntax noprefix', ...(bits === 32 ? ['.code32'] : []), '.text'];
    lines.forEach((l, i) => {
      src.push(`L${i}:`);
      src.push(l.startsWith('hex:') ? `.byte ${l.slice(4).match(/../g)!.map((b) => '0x' + b).join(',')}` : l);
    });
    src.push(`L${lines.length}:`);
    writeFileSync(join(dir, 'a.s'), src.join('\n') + '\n');
    execFileSync('as', [`--${bits}`, '-o', join(dir, 'a.o'), join(dir, 'a.s')]);
    execFileSync('objcopy', ['-O', 'binary', '-j', '.text', join(dir, 'a.o'), join(dir, 'a.bin')]);
    const bin = readFileSync(join(dir, 'a.bin'));
    const syms = new Map<string, number>();
    for (const line of execFileSync('nm', [join(dir, 'a.o')], { encoding: 'utf8' }).split('\n')) {
      const m = /^([0-9a-f]+) \w (L\d+)$/.exec(line.trim());
      if (m) syms.set(m[2], parseInt(m[1], 16));
    }
    return lines.map((_, i) => new Uint8Array(bin.subarray(syms.get(`L${i}`)!, syms.get(`L${i + 1}`)!)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The picemu decode of `code` at CODE_ADDR (for undefined-flag masks and coverage). */
export function decodeAt(code: Uint8Array, bits: 64 | 32 = 64): Insn {
  const d = new Decoder(bits, code, DecoderOptions.None);
  d.ip = BigInt(CODE_ADDR);
  const ins = d.decode();
  try {
    return convert(ins, code, bits);
  } finally {
    ins.free();
    d.free();
  }
}

const hex64 = (v: bigint) => v.toString(16);
const hexBytes = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Runs cases on the host CPU in one process. */
export function runHost(cases: { code: Uint8Array; state: State }[]): Result[] {
  const exe = buildCHelper('host_exec');
  const input = cases
    .map(({ code, state }) =>
      [hexBytes(code), state.rflags.toString(16), state.mxcsr.toString(16), ...state.gpr.map(hex64), ...state.xmm.map(hexBytes), hexBytes(state.mem)].join(' '),
    )
    .join('\n');
  const out = execFileSync(exe, { input: input + '\n', encoding: 'utf8', maxBuffer: 1 << 30 }).trim().split('\n');
  if (out.length !== cases.length) throw new Error(`host_exec answered ${out.length} lines for ${cases.length} cases`);
  return out.map((line, k) => parseHostLine(line, cases[k].state.mem));
}

function parseHostLine(line: string, memBefore: Uint8Array): Result {
  let t = line.split(' ');
  const state = (u: string[]): State => ({
    rflags: parseInt(u[0], 16),
    mxcsr: parseInt(u[1], 16),
    gpr: u.slice(2, 18).map((h) => BigInt('0x' + h)),
    xmm: u.slice(18, 34).map((h) => Uint8Array.from(Buffer.from(h, 'hex'))),
    mem: patched(memBefore, u.slice(34)),
  });
  if (t[0] === 'SIG') return { kind: 'sig', signo: +t[1], code: +t[2], addr: parseInt(t[3], 16), rip: parseInt(t[4], 16), state: state(t.slice(5)) };
  if (t[0] !== 'OK') throw new Error(`host_exec: ${line}`);
  t = t.slice(1);
  return { kind: 'ok', rip: parseInt(t[0], 16), state: state(t.slice(1)) };
}

/** The memory after: the memory before with host_exec's changed runs (`off:hex`) applied. */
function patched(before: Uint8Array, runs: string[]): Uint8Array {
  const mem = before.slice();
  for (const r of runs) {
    const [off, bytes] = r.split(':');
    mem.set(Buffer.from(bytes, 'hex'), parseInt(off, 16));
  }
  return mem;
}

export const FULL_PROFILE: CpuProfile = { vendor: 'GenuineIntel', features: new Set(ALL_FEATURES) };

/** Runs one instruction in picemu from `state`, with the code page filled with hlt like host_exec's. */
export function runPicemu(code: Uint8Array, state: State, profile: CpuProfile = FULL_PROFILE, jit: 'off' | 'always' = 'off'): Result {
  const m = new FlatMemory();
  m.map(CODE_ADDR, 4096, PROT_READ | PROT_WRITE | PROT_EXEC); // RWX like host_exec's: self-modifying code works
  m.map(MEM_ADDR, MEM_SIZE, PROT_READ | PROT_WRITE);
  const page = new Uint8Array(4096).fill(0xf4);
  page.set(code);
  m.load(CODE_ADDR, page);
  m.load(MEM_ADDR, state.mem);
  const cpu = new Cpu(m, { profile, jit });
  state.gpr.forEach((v, i) => (cpu.r64[i] = v));
  cpu.rflags = (state.rflags & FLAG_MASK) | 0x202;
  cpu.mxcsr = state.mxcsr;
  state.xmm.forEach((x, i) => cpu.xmm8.set(x, 16 * i));
  cpu.rip = CODE_ADDR;
  // Like the host: run until control reaches one of the hlt that fill the page (or a syscall returns to the host).
  const out = cpu.run({ maxInstructions: 1_000_000 }); // rep iterations count one by one
  const after = (): State => ({
    rflags: cpu.rflags,
    mxcsr: cpu.mxcsr,
    gpr: [...cpu.r64],
    xmm: Array.from({ length: 16 }, (_, i) => cpu.xmm8.slice(16 * i, 16 * i + 16)),
    mem: m.peek(MEM_ADDR, MEM_SIZE)!,
  });
  if (out.kind === 'fault') {
    const f = out.fault;
    const addr = f.signal === 4 || f.signal === 8 ? f.rip : (f.address ?? 0);
    return { kind: 'sig', signo: f.signal, code: f.code, addr, rip: f.rip, state: after() };
  }
  if (out.kind === 'halt') {
    // The instruction under test was hlt itself: the kernel's answer is SIGSEGV (SI_KERNEL) there.
    if (out.address === CODE_ADDR) return { kind: 'sig', signo: 11, code: 0x80, addr: 0, rip: out.address, state: after() };
    return { kind: 'ok', rip: out.address, state: after() };
  }
  if (out.kind === 'syscall') return { kind: 'ok', rip: cpu.rip, state: after() };
  throw new Error(`picemu run ended with ${out.kind}`);
}

const GPR_NAMES = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** Differences between host and picemu results (empty when they agree), flags masked by `undefinedFlags`. */
export function diff(host: Result, emu: Result, undefinedFlags: number, ignoreGprs: number[] = []): string[] {
  const out: string[] = [];
  if (host.kind !== emu.kind) return [`host ${describe(host)} / picemu ${describe(emu)}`];
  if (host.kind === 'sig' && emu.kind === 'sig') {
    if (host.signo !== emu.signo || host.code !== emu.code || host.addr !== emu.addr || host.rip !== emu.rip) return [`host ${describe(host)} / picemu ${describe(emu)}`];
    // A fault is precise: the state is the one before the instruction (flags included: nothing was committed).
    undefinedFlags = host.signo === 5 ? undefinedFlags : 0;
  }
  if (host.rip !== emu.rip) out.push(`rip host 0x${host.rip.toString(16)} picemu 0x${emu.rip.toString(16)}`);
  const mask = FLAG_MASK & ~undefinedFlags;
  if ((host.state.rflags & mask) !== (emu.state.rflags & mask))
    out.push(`rflags host 0x${(host.state.rflags & mask).toString(16)} picemu 0x${(emu.state.rflags & mask).toString(16)} (mask 0x${mask.toString(16)})`);
  for (let i = 0; i < 16; i++) {
    if (ignoreGprs.includes(i)) continue;
    if (host.state.gpr[i] !== emu.state.gpr[i]) out.push(`${GPR_NAMES[i]} host 0x${host.state.gpr[i].toString(16)} picemu 0x${emu.state.gpr[i].toString(16)}`);
  }
  for (let i = 0; i < 16; i++) if (hexBytes(host.state.xmm[i]) !== hexBytes(emu.state.xmm[i])) out.push(`xmm${i} host ${hexBytes(host.state.xmm[i])} picemu ${hexBytes(emu.state.xmm[i])}`);
  if (host.state.mxcsr !== emu.state.mxcsr) out.push(`mxcsr host ${host.state.mxcsr.toString(16)} picemu ${emu.state.mxcsr.toString(16)}`);
  for (let k = 0; k < MEM_SIZE; k++) {
    if (host.state.mem[k] !== emu.state.mem[k]) {
      out.push(`mem[0x${(MEM_ADDR + k).toString(16)}] host ${host.state.mem[k]} picemu ${emu.state.mem[k]}`);
      break;
    }
  }
  return out;
}

function describe(r: Result): string {
  return r.kind === 'sig' ? `signal ${r.signo} code ${r.code} addr 0x${r.addr.toString(16)} rip 0x${r.rip.toString(16)}` : `completed at 0x${r.rip.toString(16)}`;
}

/** A small deterministic PRNG (xorshift32) so failures are reproducible. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const EDGE = [0n, 1n, 2n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, 0xffffffffffffffffn];

/**
 * The register states a case runs from: `variant` picks edge values or random ones. RSI/RDI point into the
 * data pages, RSP at their top half, RCX is small (counts) in most variants, flags alternate all-clear and all-set.
 */
export function makeState(variant: number, seed: number): State {
  const r = rng(seed * 7919 + variant * 104729 + 1);
  const rand64 = () => (BigInt(r()) << 32n) | BigInt(r());
  const pick = () => {
    const k = r() % 4;
    return k === 0 ? EDGE[r() % EDGE.length] : k === 1 ? BigInt(r() & 0xff) : rand64();
  };
  const gpr = Array.from({ length: 16 }, pick);
  gpr[1] = variant % 3 === 2 ? pick() : BigInt(r() % 70); // rcx
  gpr[4] = BigInt(MEM_ADDR + 0xe00); // rsp
  gpr[6] = BigInt(MEM_ADDR + 0x300 + (r() % 64)); // rsi
  gpr[7] = BigInt(MEM_ADDR + 0x900 + (r() % 64)); // rdi
  if (variant % 4 === 3) gpr[3] = BigInt(r() % 512); // rbx small: in-range bit offsets and indexes
  const mem = new Uint8Array(MEM_SIZE);
  for (let k = 0; k < MEM_SIZE; k++) mem[k] = r() & 0xff;
  const xmm = Array.from({ length: 16 }, () => Uint8Array.from({ length: 16 }, () => r() & 0xff));
  return { rflags: variant % 2 ? FLAG_MASK & ~0x400 : 0, mxcsr: 0x1f80, gpr, xmm, mem };
}
