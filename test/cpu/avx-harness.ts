// The host CPU as oracle for VEX instructions (test/helpers/c/host_avx.c): YMM states, runs on the host and in
// picemu, differences; and encodings of every VEX form picemu registers, found by decoding VEX byte patterns.
import { execFileSync } from 'node:child_process';
import { Code, Decoder, DecoderOptions } from 'iced-x86';
import { Cpu } from '../../src/cpu/cpu.ts';
import { ALL_FEATURES, type CpuProfile } from '../../src/cpu/features.ts';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/mm/types.ts';
import { buildCHelper } from '../helpers/oracles.ts';
import { CODE_ADDR, decodeAt, FLAG_MASK, MEM_ADDR, rng } from './host-exec.ts';
import { FlatMemory } from './flat-memory.ts';

export const AVX_MEM_SIZE = 8192;
export const FULL: CpuProfile = { vendor: 'GenuineIntel', features: new Set(ALL_FEATURES) };

export interface YState {
  rflags: number;
  mxcsr: number;
  gpr: bigint[];
  ymm: Uint8Array[];
  mem: Uint8Array;
}
export type YResult =
  | { kind: 'ok'; rip: number; state: YState }
  | { kind: 'sig'; signo: number; code: number; addr: number; rip: number; state: YState };

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Runs cases on the host CPU, one process for all. */
export function runHostAvx(cases: { code: Uint8Array; state: YState }[]): YResult[] {
  const exe = buildCHelper('host_avx');
  const input = cases.map(({ code, state: s }) => [hex(code), s.rflags.toString(16), s.mxcsr.toString(16), ...s.gpr.map((v) => v.toString(16)), ...s.ymm.map(hex), hex(s.mem)].join(' ')).join('\n');
  const out = execFileSync(exe, { input: input + '\n', encoding: 'utf8', maxBuffer: 1 << 30 }).trim().split('\n');
  if (out.length !== cases.length) throw new Error(`host_avx answered ${out.length} lines for ${cases.length} cases`);
  return out.map((line, k) => {
    const t = line.split(' ');
    const state = (u: string[]): YState => {
      const mem = cases[k].state.mem.slice();
      for (const run of u.slice(34)) {
        const [off, bytes] = run.split(':');
        mem.set(Buffer.from(bytes, 'hex'), parseInt(off, 16));
      }
      return { rflags: parseInt(u[0], 16), mxcsr: parseInt(u[1], 16), gpr: u.slice(2, 18).map((h) => BigInt('0x' + h)), ymm: u.slice(18, 34).map((h) => Uint8Array.from(Buffer.from(h, 'hex'))), mem };
    };
    // Addresses as picemu keeps them: sign-extended numbers, exact for every canonical address.
    const address = (h: string) => Number(BigInt.asIntN(64, BigInt('0x' + h)));
    if (t[0] === 'SIG') return { kind: 'sig', signo: +t[1], code: +t[2], addr: address(t[3]), rip: address(t[4]), state: state(t.slice(5)) };
    if (t[0] !== 'OK') throw new Error(`host_avx: ${line}`);
    return { kind: 'ok', rip: address(t[1]), state: state(t.slice(2)) };
  });
}

/** Runs the code in picemu from `state` (code page of hlt, as on the host). */
// PICEMU_TEST_JIT=always (float-host-jit.test.ts): the tables that do not choose run every case through the compilers.
export function runPicemuAvx(code: Uint8Array, state: YState, profile: CpuProfile = FULL, jit: 'off' | 'always' = process.env.PICEMU_TEST_JIT === 'always' ? 'always' : 'off'): YResult {
  const m = new FlatMemory();
  m.map(CODE_ADDR, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
  m.map(MEM_ADDR, AVX_MEM_SIZE, PROT_READ | PROT_WRITE);
  const page = new Uint8Array(4096).fill(0xf4);
  page.set(code);
  m.load(CODE_ADDR, page);
  m.load(MEM_ADDR, state.mem);
  const cpu = new Cpu(m, { profile, jit });
  state.gpr.forEach((v, i) => (cpu.r64[i] = v));
  cpu.rflags = (state.rflags & FLAG_MASK) | 0x202;
  cpu.mxcsr = state.mxcsr;
  state.ymm.forEach((y, i) => {
    cpu.xmm8.set(y.subarray(0, 16), 16 * i);
    cpu.ymmHi8.set(y.subarray(16, 32), 16 * i);
  });
  cpu.rip = CODE_ADDR;
  const out = cpu.run({ maxInstructions: 1000 });
  const after = (): YState => ({
    rflags: cpu.rflags,
    mxcsr: cpu.mxcsr,
    gpr: [...cpu.r64],
    ymm: Array.from({ length: 16 }, (_, i) => Uint8Array.from([...cpu.xmm8.subarray(16 * i, 16 * i + 16), ...cpu.ymmHi8.subarray(16 * i, 16 * i + 16)])),
    mem: m.peek(MEM_ADDR, AVX_MEM_SIZE)!,
  });
  if (out.kind === 'fault') {
    const f = out.fault;
    const addr = f.signal === 4 || f.signal === 8 ? f.rip : (f.address ?? 0);
    return { kind: 'sig', signo: f.signal, code: f.code, addr, rip: f.rip, state: after() };
  }
  if (out.kind === 'halt') return { kind: 'ok', rip: out.address, state: after() };
  throw new Error(`picemu run ended with ${out.kind}`);
}

const GPR = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
/** Differences (empty when host and picemu agree); flags the instruction leaves undefined are masked. */
export function diffAvx(host: YResult, emu: YResult, undefinedFlags: number): string[] {
  const d = (r: YResult) => (r.kind === 'sig' ? `signal ${r.signo} code ${r.code} addr 0x${r.addr.toString(16)} rip 0x${r.rip.toString(16)}` : `completed at 0x${r.rip.toString(16)}`);
  if (host.kind !== emu.kind || host.rip !== emu.rip) return [`host ${d(host)} / picemu ${d(emu)}`];
  if (host.kind === 'sig' && emu.kind === 'sig' && (host.signo !== emu.signo || host.code !== emu.code || host.addr !== emu.addr)) return [`host ${d(host)} / picemu ${d(emu)}`];
  const out: string[] = [];
  const mask = FLAG_MASK & ~(host.kind === 'sig' ? 0 : undefinedFlags);
  if ((host.state.rflags & mask) !== (emu.state.rflags & mask)) out.push(`rflags host 0x${(host.state.rflags & mask).toString(16)} picemu 0x${(emu.state.rflags & mask).toString(16)}`);
  if (host.state.mxcsr !== emu.state.mxcsr) out.push(`mxcsr host ${host.state.mxcsr.toString(16)} picemu ${emu.state.mxcsr.toString(16)}`);
  for (let i = 0; i < 16; i++) if (host.state.gpr[i] !== emu.state.gpr[i]) out.push(`${GPR[i]} host 0x${host.state.gpr[i].toString(16)} picemu 0x${emu.state.gpr[i].toString(16)}`);
  for (let i = 0; i < 16; i++) if (hex(host.state.ymm[i]) !== hex(emu.state.ymm[i])) out.push(`ymm${i} host ${hex(host.state.ymm[i])} picemu ${hex(emu.state.ymm[i])}`);
  for (let k = 0; k < AVX_MEM_SIZE; k++)
    if (host.state.mem[k] !== emu.state.mem[k]) {
      out.push(`mem[0x${(MEM_ADDR + k).toString(16)}] host ${host.state.mem[k]} picemu ${emu.state.mem[k]}`);
      break;
    }
  return out;
}

/**
 * `diff` without the ymm lines where both sides are estimates that agree: rcp/rsqrt (form names Vrcp…, Vrsqrt…) have
 * a relative error of at most 1.5 * 2^-12 and model-specific tables, so lanes within 3 * 2^-12 of the host's agree.
 */
export function withoutAgreeingEstimates(formName: string, diff: string[], host: YResult, emu: YResult): string[] {
  if (!/Vrcp|Vrsqrt/.test(formName) || host.kind !== 'ok') return diff;
  const reg = (line: string) => +line.slice(3, line.indexOf(' '));
  return diff.filter((line) => !line.startsWith('ymm') || !estimatesAgree(host.state.ymm[reg(line)]!, emu.state.ymm[reg(line)]!));
}

function estimatesAgree(a: Uint8Array, b: Uint8Array): boolean {
  const x = new Float32Array(a.buffer, a.byteOffset, 8), y = new Float32Array(b.buffer, b.byteOffset, 8);
  const xi = new Uint32Array(a.buffer, a.byteOffset, 8), yi = new Uint32Array(b.buffer, b.byteOffset, 8);
  for (let k = 0; k < 8; k++) {
    if (xi[k] === yi[k]) continue;
    if (!Number.isFinite(x[k]) || !Number.isFinite(y[k]) || x[k] === 0 || Math.abs(y[k] - x[k]) > 3 * 2 ** -12 * Math.abs(x[k])) return false;
  }
  return true;
}

/** A random YMM state: RSI/RDI/RSP point into the data pages; `variant` mixes special lane values in. */
export function makeYState(seed: number, variant = 0): YState {
  const r = rng(seed * 7919 + variant * 104729 + 17);
  const rand64 = () => (BigInt(r()) << 32n) | BigInt(r());
  const special = [0n, 1n, 0xffffffffffffffffn, 0x8000000000000000n, 0x7fffffffffffffffn, 0x80008000_80008000n, 0x00ff00ff_00ff00ffn, 0x3f800000_bf800000n, 0x7ff00000_00000000n];
  const gpr = Array.from({ length: 16 }, () => (r() % 3 === 0 ? special[r() % special.length] : r() % 3 === 1 ? BigInt(r() % 300) : rand64()));
  gpr[4] = BigInt(MEM_ADDR + 0x1800);
  gpr[6] = BigInt(MEM_ADDR + 0x400 + (r() % 64));
  gpr[7] = BigInt(MEM_ADDR + 0xc00 + (r() % 64));
  const ymm = Array.from({ length: 16 }, () => {
    const y = new Uint8Array(32);
    const v = new BigUint64Array(y.buffer);
    for (let k = 0; k < 4; k++) v[k] = variant % 2 && r() % 2 ? special[r() % special.length] : rand64();
    return y;
  });
  const mem = new Uint8Array(AVX_MEM_SIZE);
  for (let k = 0; k < mem.length; k++) mem[k] = r() & 0xff;
  return { rflags: r() & FLAG_MASK & ~0x400, mxcsr: 0x1f80, gpr, ymm, mem };
}

/** An encoding to vary: register or memory form; `vsib`: the memory operand is a VSIB (gathers). */
export interface VexTemplate {
  bytes: Uint8Array;
  mem: boolean;
  vsib?: boolean;
}

/**
 * Encodings of the given iced Codes: every VEX3 byte pattern (map 0F/0F38/0F3A, pp, L, W, opcode) is decoded
 * with a register ModRM and with `[rsi + disp8]`, and the first that decodes to a wanted Code is kept as a
 * template; `variants` then draws register numbers, vvvv, displacement and imm8 at random for it.
 */
export function vexTemplates(wanted: ReadonlySet<Code>): Map<Code, VexTemplate[]> {
  const found = new Map<Code, VexTemplate[]>();
  for (const map of [1, 2, 3])
    for (let pp = 0; pp < 4; pp++)
      for (let L = 0; L < 2; L++)
        for (let W = 0; W < 2; W++)
          for (let op = 0; op < 256; op++)
            for (const mem of [false, true]) {
              // modrm: register form reg=1 rm=2; memory form reg=1, [rsi + disp8]; vvvv 1100 or (forms that require it) 1111.
              for (const [reg, vvvv] of [1, 0, 2, 3, 4, 5, 6, 7].flatMap((g) => [[g, 0xc], [g, 0xf]])) {
                const modrm = mem ? 0x46 | (reg << 3) : 0xc2 | (reg << 3);
                let bytes = Uint8Array.from([0xc4, 0xe0 | map, (W << 7) | (vvvv << 3) | (L << 2) | pp, op, modrm, 0x10, 0x22, 0x00, 0x00]);
                let ins = decodeOne(bytes);
                let vsib = false;
                // The gathers' memory operand needs a SIB byte (VSIB): [rsi + xmm3·1 + disp8].
                if (ins === undefined && mem && map === 2) {
                  bytes = Uint8Array.from([0xc4, 0xe0 | map, (W << 7) | (vvvv << 3) | (L << 2) | pp, op, 0x44 | (reg << 3), 0x1e, 0x10, 0x00, 0x00]);
                  ins = decodeOne(bytes);
                  vsib = true;
                }
                if (ins === undefined || !wanted.has(ins.code)) continue;
                const list = found.get(ins.code) ?? [];
                if (!list.some((t) => t.mem === mem)) list.push({ bytes: bytes.slice(0, ins.len), mem, ...(vsib ? { vsib } : {}) });
                found.set(ins.code, list);
              }
            }
  // vzeroupper/vzeroall (no ModRM) and the 2-byte VEX forms decode above too; other non-VEX codes (xsave, xgetbv) are not VEX.
  return found;
}
function decodeOne(bytes: Uint8Array): { code: Code; len: number } | undefined {
  const d = new Decoder(64, bytes, DecoderOptions.None);
  d.ip = BigInt(CODE_ADDR);
  const ins = d.decode();
  try {
    return ins.code === Code.INVALID ? undefined : { code: ins.code, len: ins.length };
  } finally {
    ins.free();
    d.free();
  }
}

/** A variant of a template: random reg/rm (register form) or reg (memory form), vvvv, disp8 and imm8. */
export function variant(t: VexTemplate, r: () => number): Uint8Array {
  if (t.vsib) return vsibVariant(t, r);
  const b = t.bytes.slice();
  // R̄, B̄ (register form only: in the memory form B̄ stays 1 so the base is rsi) and vvvv.
  const rbar = r() & 1, bbar = t.mem ? 1 : r() & 1;
  b[1] = (b[1] & 0x1f) | (rbar << 7) | 0x40 | (bbar << 5);
  // Keep vvvv = 1111 when the template had it so (forms that require it), else draw one.
  if (((t.bytes[2] >> 3) & 0xf) !== 0xf) b[2] = (b[2] & 0x87) | ((r() & 0xf) << 3);
  // ModRM.reg: random, unless it selects the operation (group opcodes such as vpsllw imm8, blsr/blsi): then the template's.
  const reg = r() & 7;
  const same = decodeOne(t.bytes)?.code;
  b[4] = t.mem ? 0x46 | (reg << 3) : 0xc0 | (reg << 3) | (r() & 7);
  if (decodeOne(b)?.code !== same) b[4] = (b[4] & 0xc7) | (t.bytes[4] & 0x38);
  if (t.mem) b[5] = r() % 0x60;
  // A trailing imm8 (present when the template is longer than prefix+opcode+modrm(+disp8)).
  const base = t.mem ? 6 : 5;
  if (b.length > base) b[base] = r() & 0xff;
  return b;
}

export { decodeAt };

/** A gather variant: random destination (ModRM.reg, R̄), mask (vvvv), index register (SIB.index, X̄), scale and disp8; base rsi. */
function vsibVariant(t: VexTemplate, r: () => number): Uint8Array {
  const b = t.bytes.slice();
  b[1] = (b[1] & 0x1f) | ((r() & 1) << 7) | ((r() & 1) << 6) | 0x20;
  b[2] = (b[2] & 0x87) | ((r() & 0xf) << 3);
  b[4] = 0x44 | ((r() & 7) << 3);
  b[5] = ((r() & 3) << 6) | ((r() & 7) << 3) | 6;
  b[6] = r() % 0x60;
  return b;
}

/**
 * A state for a gather: the index register's elements chosen so that base + index·scale + disp lands in the data
 * pages, except, in one case of four, one element that points past them (an unmapped page: the gather faults
 * there, having loaded the elements before it); one case in eight keeps its random indices.
 */
export function gatherState(code: Uint8Array, state: YState, r: () => number): YState {
  const b = code;
  const index = ((b[5] >> 3) & 7) | (b[1] & 0x40 ? 0 : 8);
  const scale = 1 << (b[5] >> 6);
  const qwordIndex = b[3] === 0x91 || b[3] === 0x93;
  const base = Number(state.gpr[6]) + b[6];
  const ymm = state.ymm.map((y) => y.slice());
  const dv = new DataView(ymm[index].buffer);
  const count = qwordIndex ? 4 : 8;
  // One case in eight keeps the random index (far addresses: unmapped, kernel-half, non-canonical).
  if (r() % 8 === 0) return state;
  const wild = r() % 4 === 0 ? r() % count : -1;
  for (let e = 0; e < count; e++) {
    // Any alignment; the element read stays inside the data pages (the index rounds the address up by < scale).
    const target = e === wild ? MEM_ADDR + AVX_MEM_SIZE + (r() % 64) : MEM_ADDR + (r() % (AVX_MEM_SIZE - 16));
    const idx = Math.ceil((target - base) / scale);
    if (qwordIndex) dv.setBigInt64(8 * e, BigInt(idx), true);
    else dv.setInt32(4 * e, idx, true);
  }
  return { ...state, ymm };
}
