// The host CPU as the judge of a difftest divergence: replays the case natively and says which engine, if
// either, agrees with the hardware. test/helpers/c/host_sse.c runs ordinary instructions; host_single.c
// (single-stepped with the trap flag) runs the ones that use the stack or branch.
import { execFileSync } from 'node:child_process';
import { Decoder, DecoderOptions } from 'iced-x86';
import { diffStates, newState, type LockState, type StepEnd } from '../helpers/lockstep.ts';
import { buildCHelper, hasCc } from '../helpers/oracles.ts';
import { CODE, MEM_BYTES, STACK, type CaseRecord } from './difftest-core.ts';

export type Verdict = 'unicorn-bug' | 'picemu-bug' | 'both-differ' | 'host-cannot-tell' | 'not-arbitrable';

const hexOf = (b: Uint8Array) => [...b].map((v) => v.toString(16).padStart(2, '0')).join('');

export interface Judged {
  c: CaseRecord;
  verdict: Verdict;
  host: string;
  /** What differs between the host and picemu / unicorn. */
  picemuVsHost: string[];
  unicornVsHost: string[];
}

/** The instruction moved to host_sse's CODE_ADDR: a RIP-relative displacement is rewritten to reach the same bytes. */
function relocated(c: CaseRecord): Uint8Array {
  const bytes = Uint8Array.from(c.bytes.split(' ').map((h) => parseInt(h, 16)));
  const d = new Decoder(64, bytes, DecoderOptions.None);
  d.ip = BigInt(c.address);
  const instr = d.decode();
  if (instr.isIpRelMemoryOperand) {
    const o = d.getConstantOffsets(instr);
    const view = new DataView(bytes.buffer);
    view.setInt32(o.displacementOffset, view.getInt32(o.displacementOffset, true) + (c.address - CODE), true);
  }
  instr.free();
  d.free();
  return bytes;
}

const hex = (b: Uint8Array) => [...b].map((v) => v.toString(16).padStart(2, '0')).join('');

function caseLine(c: CaseRecord): string {
  const s = c.before;
  const gprs = [...s.gpr].map((v) => v.toString(16).padStart(16, '0')).join(' ');
  const xmms = Array.from({ length: 16 }, (_, x) => hex(s.xmm.subarray(16 * x, 16 * x + 16))).join(' ');
  return `${hex(relocated(c))} ${s.rflags.toString(16)} ${s.mxcsr.toString(16)} ${gprs} ${xmms} ${hex(c.mem)}`;
}

interface HostResult {
  signal?: { signo: number; code: number };
  state?: LockState;
  mem?: Uint8Array;
}

function parseHost(line: string): HostResult {
  const parts = line.trim().split(' ');
  if (parts[0] === 'SIG') return { signal: { signo: Number(parts[1]), code: Number(parts[2]) } };
  const s = newState();
  s.rflags = parseInt(parts[0], 16);
  s.mxcsr = parseInt(parts[1], 16);
  for (let r = 0; r < 16; r++) s.gpr[r] = BigInt(`0x${parts[2 + r]}`);
  for (let x = 0; x < 16; x++) {
    const h = parts[18 + x];
    for (let k = 0; k < 16; k++) s.xmm[16 * x + k] = parseInt(h.slice(2 * k, 2 * k + 2), 16);
  }
  const m = parts[34];
  const mem = new Uint8Array(MEM_BYTES);
  for (let k = 0; k < MEM_BYTES; k++) mem[k] = parseInt(m.slice(2 * k, 2 * k + 2), 16);
  return { state: s, mem };
}

/** The signal (and si_code where it tells kinds apart) Linux would deliver for an engine's outcome ("": none). */
function signalOf(e: StepEnd): string {
  if (e.kind !== 'fault') return '';
  if (e.what.startsWith('unmapped-')) return '11/1';
  if (e.what.startsWith('protection-')) return '11/2';
  if (e.what === 'general-protection') return '11/128';
  if (e.what === 'stack-fault') return '7/128'; // #SS (a non-canonical rsp/rbp-based address): SIGBUS SI_KERNEL
  if (e.what === 'invalid-opcode' || e.what === 'unimplemented') return '4';
  if (e.what === 'divide-error') return '8/1';
  if (e.what === 'simd-exception') return '8';
  // int3 is reported with SI_KERNEL; int1 (icebp) with TRAP_BRKPT.
  if (e.what === 'breakpoint') return '5/128';
  if (e.what === 'debug-trap') return '5/1';
  if (e.what === 'not-executed') return 'none (unicorn stopped without executing it)';
  return `none (${e.what})`; // e.g. unicorn's interrupt-N for `int N`: no signal matches
}

function hostSignal(signo: number, code: number): string {
  if (signo === 11) return `11/${code}`;
  if (signo === 8 && (code === 1 || code === 2)) return '8/1';
  if (signo === 5 || signo === 7) return `${signo}/${code}`;
  return String(signo);
}

function compareToHost(h: HostResult, end: StepEnd, state: LockState, mem: Uint8Array, flagMask: number, next: number): string[] {
  if (h.signal) return signalOf(end) === hostSignal(h.signal.signo, h.signal.code) ? [] : [`host signal ${h.signal.signo} (code ${h.signal.code}) vs ${end.kind === 'fault' ? end.what : end.kind}`];
  if (end.kind !== 'ok') return [`host completes vs ${end.kind === 'fault' ? end.what : end.kind}`];
  // host_sse does not report rsp (the instruction runs on its own stack); completing means RIP moved past it.
  const a = { ...h.state!, gpr: h.state!.gpr.slice(), rip: next };
  const b = { ...state, gpr: state.gpr.slice() };
  a.gpr[4] = b.gpr[4] = 0n;
  const out = diffStates(a, b, flagMask);
  const at = h.mem!.findIndex((v, i) => v !== mem[i]);
  if (at >= 0) out.push(`memory +0x${at.toString(16)}: host 0x${h.mem![at].toString(16)} vs 0x${mem[at].toString(16)}`);
  return out;
}


/** host_single's input: the instruction at its own address, every register (rsp too), MEM and the stack page. */
function singleLine(c: CaseRecord): string {
  const s = c.before;
  const gprs = [...s.gpr].map((v) => v.toString(16).padStart(16, '0')).join(' ');
  const xmms = Array.from({ length: 16 }, (_, x) => hexOf(s.xmm.subarray(16 * x, 16 * x + 16))).join(' ');
  return `${c.bytes.split(' ').join('')} ${c.address.toString(16)} ${s.rflags.toString(16)} ${s.mxcsr.toString(16)} ${gprs} ${xmms} ${hexOf(c.mem)} ${hexOf(c.stack)}`;
}

function parseSingle(line: string): { signal?: { signo: number; code: number }; state?: LockState; mem?: Uint8Array; stack?: Uint8Array } {
  const parts = line.trim().split(' ');
  if (parts[0] === 'SIG') return { signal: { signo: Number(parts[1]), code: Number(parts[2]) } };
  const s = newState();
  s.rip = parseInt(parts[0], 16);
  s.rflags = parseInt(parts[1], 16);
  s.mxcsr = parseInt(parts[2], 16);
  for (let r = 0; r < 16; r++) s.gpr[r] = BigInt(`0x${parts[3 + r]}`);
  for (let x = 0; x < 16; x++) for (let k = 0; k < 16; k++) s.xmm[16 * x + k] = parseInt(parts[19 + x].slice(2 * k, 2 * k + 2), 16);
  const bytesOf = (h: string) => Uint8Array.from({ length: h.length / 2 }, (_, k) => parseInt(h.slice(2 * k, 2 * k + 2), 16));
  return { state: s, mem: bytesOf(parts[35]), stack: bytesOf(parts[36]) };
}

function compareToSingle(h: ReturnType<typeof parseSingle>, e: CaseRecord['picemu'], flagMask: number): string[] {
  if (h.signal) return signalOf(e.end) === hostSignal(h.signal.signo, h.signal.code) ? [] : [`host signal ${h.signal.signo} (code ${h.signal.code}) vs ${e.end.kind === 'fault' ? e.end.what : e.end.kind}`];
  if (e.end.kind !== 'ok') return [`host completes vs ${e.end.kind === 'fault' ? e.end.what : e.end.kind}`];
  const out = diffStates(h.state!, e.state, flagMask);
  const at = h.mem!.findIndex((v, i) => v !== e.mem[i]);
  if (at >= 0) out.push(`memory +0x${at.toString(16)}: host 0x${h.mem![at].toString(16)} vs 0x${e.mem[at].toString(16)}`);
  const st = h.stack!.findIndex((v, i) => v !== e.stack[i]);
  if (st >= 0) out.push(`stack +0x${st.toString(16)}: host 0x${h.stack![st].toString(16)} vs 0x${e.stack[st].toString(16)}`);
  return out;
}

let singleHelper: string | undefined;

/** Judges stack-using and branching cases with host_single. */
function judgeSingle(cases: CaseRecord[]): Judged[] {
  singleHelper ??= buildCHelper('host_single');
  const lines = execFileSync(singleHelper, [], { input: cases.map(singleLine).join('\n') + '\n', encoding: 'utf8', maxBuffer: 256 << 20 }).trim().split('\n');
  return cases.map((c, i) => {
    const h = parseSingle(lines[i]);
    // pushf under single-step pushes the trap flag host_single set: not part of the case.
    if (/^Pushf/.test(c.name) && h.state && h.stack) {
      const at = Number(h.state.gpr[4]) - STACK + 1;
      if (at >= 0 && at < h.stack.length) h.stack[at] &= ~1;
    }
    const pv = compareToSingle(h, c.picemu, c.flagMask);
    const uv = compareToSingle(h, c.unicorn, c.flagMask);
    const verdict: Verdict = !pv.length && uv.length ? 'unicorn-bug' : pv.length && !uv.length ? 'picemu-bug' : pv.length ? 'both-differ' : 'host-cannot-tell';
    return { c, verdict, host: lines[i].startsWith('SIG') ? lines[i] : 'completes', picemuVsHost: pv, unicornVsHost: uv };
  });
}

let helper: string | undefined;

/** Judges divergences with the host CPU (one child process for all of them). Needs cc. */
export function judge(cases: CaseRecord[]): Judged[] {
  const arbitrable = cases.filter((c) => c.arbitrable);
  if (!hasCc()) return cases.map((c) => ({ c, verdict: 'not-arbitrable' as Verdict, host: 'no cc', picemuVsHost: [], unicornVsHost: [] }));
  const stepped = cases.filter((c) => !c.arbitrable);
  const out: Judged[] = stepped.length ? judgeSingle(stepped) : [];
  if (!arbitrable.length) return out;
  helper ??= buildCHelper('host_sse');
  const input = arbitrable.map(caseLine).join('\n') + '\n';
  const lines = execFileSync(helper, [], { input, encoding: 'utf8', maxBuffer: 64 << 20 }).trim().split('\n');
  arbitrable.forEach((c, i) => {
    const h = parseHost(lines[i]);
    const next = c.address + c.bytes.split(' ').length;
    const pv = compareToHost(h, c.picemu.end, c.picemu.state, c.picemu.mem, c.flagMask, next);
    const uv = compareToHost(h, c.unicorn.end, c.unicorn.state, c.unicorn.mem, c.flagMask, next);
    const verdict: Verdict = !pv.length && uv.length ? 'unicorn-bug' : pv.length && !uv.length ? 'picemu-bug' : pv.length ? 'both-differ' : 'host-cannot-tell';
    out.push({ c, verdict, host: lines[i].startsWith('SIG') ? lines[i] : 'completes', picemuVsHost: pv, unicornVsHost: uv });
  });
  return out;
}
