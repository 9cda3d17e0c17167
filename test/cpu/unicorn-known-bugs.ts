// Where native unicorn-engine (Debian libunicorn2 2.0.1) is wrong and the host CPU agrees with picemu: each
// entry names the instruction forms, what unicorn does and what the host does. The difftest counts a
// divergence as known only when the host was asked and sided with picemu (verdict 'unicorn-bug') and an
// entry matches; implementation-defined results are listed separately and match whatever the verdict.
import { describeCase } from './difftest-core.ts';
import type { Judged } from './difftest-host.ts';

export interface KnownDifference {
  id: string;
  /** 'unicorn-bug': the host sided with picemu. 'implementation-defined': the SDM leaves the result to the CPU. */
  kind: 'unicorn-bug' | 'implementation-defined';
  /** iced Code names this covers. */
  forms: RegExp;
  /** True for the few entries about how unicorn runs (not what an instruction computes), which the host cannot judge. */
  withoutHost?: boolean;
  /** Narrows the entry to the divergences it explains. */
  when?: (j: Judged) => boolean;
  unicorn: string;
  host: string;
}

const onlyMxcsrFlags = (j: Judged) =>
  j.c.diffs.length === 1 && j.c.diffs[0].startsWith('mxcsr') && ((j.c.picemu.state.mxcsr ^ j.c.unicorn.state.mxcsr) & ~0x3f) === 0;
const onlyFlags = (j: Judged) => j.c.diffs.every((d) => d.startsWith('rflags'));
const unicornEnd = (j: Judged) => (j.c.unicorn.end.kind === 'fault' ? j.c.unicorn.end.what : j.c.unicorn.end.kind);
const picemuEnd = (j: Judged) => (j.c.picemu.end.kind === 'fault' ? j.c.picemu.end.what : j.c.picemu.end.kind);

export const UNICORN_KNOWN_BUGS: readonly KnownDifference[] = [
  {
    id: 'no-gp-on-misaligned-or-reserved',
    kind: 'unicorn-bug',
    forms: /xmm|m128|Cmpxchg16b|Ldmxcsr/,
    when: (j) => j.host.startsWith('SIG 11 128') && (unicornEnd(j) === 'ok' || unicornEnd(j) === 'not-executed') && picemuEnd(j) === 'general-protection',
    unicorn: 'completes a legacy SSE access to a 16-byte operand that is not 16-byte aligned (movaps, paddd m128, cmpxchg16b, ...), and ldmxcsr of a value with reserved bits set',
    host: '#GP: SIGSEGV with si_code SI_KERNEL',
  },
  {
    id: 'mxcsr-exception-flags-not-set',
    kind: 'unicorn-bug',
    forms: /./,
    when: onlyMxcsrFlags,
    unicorn: 'leaves the MXCSR exception flags (IE, DE, ZE, OE, UE, PE) unchanged after SSE arithmetic, conversions and comparisons',
    host: 'sets the flags the operation raised (e.g. PE for an inexact addps)',
  },
  {
    id: 'sse-cmp-predicate',
    kind: 'unicorn-bug',
    forms: /^Cmp(ps|pd|ss|sd)_xmm_xmmm\d+_imm8$/,
    unicorn: 'for cmpps/cmppd/cmpss/cmpsd whose imm8 has bits above 2 set: leaves the destination unchanged (and RIP on the instruction)',
    host: 'uses imm8[2:0] as the predicate and writes the mask',
  },
  {
    id: 'sse-min-max-nan-zero',
    kind: 'unicorn-bug',
    forms: /^(Min|Max)(ps|pd|ss|sd)_/,
    when: (j) => j.c.diffs.some((d) => d.startsWith('xmm')),
    unicorn: 'min/max with a NaN or with +0/-0 operands returns the first operand',
    host: 'returns the second (source) operand, as the SDM specifies',
  },
  {
    id: 'no-divide-error',
    kind: 'unicorn-bug',
    forms: /^(Div|Idiv)_/,
    when: (j) => j.host.startsWith('SIG 8'),
    unicorn: 'div/idiv whose quotient overflows completes (div) or reports interrupt 8 (idiv) instead of #DE',
    host: '#DE: SIGFPE FPE_INTDIV',
  },
  {
    id: 'int-n-delivered-as-vector',
    kind: 'unicorn-bug',
    forms: /^Int_imm8$/,
    unicorn: 'delivers `int N` to the interrupt hook as vector N',
    host: 'user-mode `int N` (N not 3/4/0x80) is #GP: SIGSEGV SI_KERNEL',
  },
  {
    id: 'int1-invalid-opcode',
    kind: 'unicorn-bug',
    forms: /^Int1$/,
    unicorn: 'raises #UD for int1 (icebp, F1)',
    host: '#DB: SIGTRAP',
  },
  {
    id: 'ud0-ud1-ud2-not-raised',
    kind: 'unicorn-bug',
    forms: /^Ud[012]/,
    when: (j) => unicornEnd(j) === 'not-executed',
    unicorn: 'stops on ud0/ud1/ud2 (seen with REX or 66 prefixes) without raising #UD',
    host: '#UD: SIGILL ILL_ILLOPN',
  },
  {
    id: 'group-opcode-rejected',
    kind: 'unicorn-bug',
    forms: /^(Mov_rm(8|16|32|64)_imm(8|16|32)|Test_rm(8|16|32|64)_imm(8|16|32)_F[67]r1)$/,
    when: (j) => unicornEnd(j) === 'invalid-opcode' || unicornEnd(j) === 'not-executed',
    unicorn: 'raises #UD for, or stops without executing, C6/C7 /0 with REX.R (or other ignored bits) set and the F6/F7 /1 aliases of test',
    host: 'executes them (REX.R is ignored in a /digit opcode; F6 /1 is test)',
  },
  {
    id: 'movbe-popcnt-not-executed',
    kind: 'unicorn-bug',
    forms: /^(Movbe|Popcnt)_/,
    unicorn: 'does not execute movbe and popcnt (destination and flags unchanged, RIP left on the instruction)',
    host: 'executes them (the host advertises MOVBE and POPCNT, as picemu does with those features on)',
  },
  {
    id: 'lahf-sahf-with-rex',
    kind: 'unicorn-bug',
    forms: /^(Lahf|Sahf)$/,
    unicorn: 'with a REX prefix, lahf stores the flags into SPL and sahf reads SPL instead of AH',
    host: 'lahf/sahf always use AH',
  },
  {
    id: 'lock-neg-flags',
    kind: 'unicorn-bug',
    forms: /^Neg_rm(8|16|32|64)$/,
    when: (j) => j.c.bytes.startsWith('f0') && onlyFlags(j),
    unicorn: 'lock neg on memory computes SF/PF (and ZF) from the wrong value',
    host: 'flags of the negated value',
  },
  {
    id: 'shift-rotate-flags',
    kind: 'unicorn-bug',
    forms: /^(Shl|Sal|Shr|Sar|Rcl|Rcr|Shld|Shrd)_/,
    when: onlyFlags,
    unicorn: 'wrong CF for shifts by CL or imm8 on memory operands and counts beyond the width (shl/shr/sar/shld/shrd), wrong OF for multi-bit rcl/rcr',
    host: 'CF is the last bit shifted out; OF as the host computes it',
  },
  {
    id: 'shld-shrd-memory',
    kind: 'unicorn-bug',
    forms: /^(Shld|Shrd)_rm(16|32|64)_r(16|32|64)_(CL|imm8)$/,
    when: (j) => j.c.diffs.every((d) => d.startsWith('rflags') || d.startsWith('memory')),
    unicorn: 'shld/shrd on a memory operand: wrong CF and a wrong byte stored next to the operand',
    host: 'the shifted value in the operand and CF = last bit out',
  },
  {
    id: 'non-canonical-as-page-fault',
    kind: 'unicorn-bug',
    forms: /^(Bt|Bts|Btr|Btc)_/,
    when: (j) => (j.host.startsWith('SIG 11 128') || j.host.startsWith('SIG 7 128')) && unicornEnd(j).startsWith('unmapped'),
    unicorn: 'reports an access to a non-canonical address (bt with a large register bit offset) as an unmapped read',
    host: '#GP: SIGSEGV SI_KERNEL; #SS (SIGBUS SI_KERNEL) when the address is rbp/rsp-based',
  },
  {
    id: 'non-canonical-wraps-to-mapped-page',
    kind: 'unicorn-bug',
    forms: /^(Bt|Bts|Btr|Btc)_/,
    when: (j) => (j.host.startsWith('SIG 11 128') || j.host.startsWith('SIG 7 128')) && unicornEnd(j) === 'ok',
    unicorn: 'drops the bits of a non-canonical address above bit 47 (bt with a large register bit offset): the access lands on whatever is mapped there (seen with the wasm build of 2.1.4)',
    host: '#GP: SIGSEGV SI_KERNEL; #SS (SIGBUS SI_KERNEL) when the address is rbp/rsp-based',
  },
  {
    id: 'cmpxchg32-dest-zero-extended',
    kind: 'unicorn-bug',
    forms: /^Cmpxchg_rm32_r32$/,
    unicorn: 'when the comparison fails, zero-extends the 32-bit register destination it did not write',
    host: 'leaves the destination register untouched (only EAX is written, zero-extended)',
  },
  {
    id: 'bsr-bsf-zero-source-zero-extends',
    kind: 'unicorn-bug',
    forms: /^(Bsr|Bsf)_r32_rm32$/,
    unicorn: 'with a zero source, clears the upper half of the 64-bit destination',
    host: 'leaves the whole destination register unchanged',
  },
  {
    id: 'count-overshoot',
    kind: 'unicorn-bug',
    forms: /./,
    when: (j) => unicornEnd(j) === 'breakpoint' && !/^Int3$/.test(j.c.name),
    unicorn: 'emu_start(count=1) sometimes goes on to the next instruction (the int3 filler after the one under test), after completing the instruction or instead of faulting on it',
    host: 'the instruction completes or faults, and the trap flag stops before the next one (host_single.c)',
  },
  {
    id: 'ret-imm16-sign-extended',
    kind: 'unicorn-bug',
    forms: /^Retnq_imm16$/,
    when: (j) => j.c.diffs.length === 1 && j.c.diffs[0].startsWith('rsp') && ((j.c.picemu.state.gpr[4] - j.c.unicorn.state.gpr[4]) & 0xffffffffffffffffn) === 0x10000n,
    unicorn: 'ret imm16 with imm16 >= 0x8000 releases imm16 - 0x10000 bytes (sign-extends the count)',
    host: 'releases imm16 bytes, zero-extended (single-stepped by host_single.c)',
  },
  {
    id: 'sse-float-special-operands',
    kind: 'unicorn-bug',
    forms: /^(Add|Sub|Mul|Div|Sqrt|Hadd|Hsub|Addsub|Dp|Round|Cvt[a-z0-9]*)(ps|pd|ss|sd|2[a-z0-9]+)?_/,
    when: (j) => j.c.diffs.some((d) => d.startsWith('xmm')),
    unicorn: 'ignores MXCSR.DAZ/FTZ (denormal inputs and results) and returns another NaN than the host for invalid operations',
    host: 'flushes denormals per DAZ/FTZ; invalid operations give the default QNaN or the quieted first NaN operand, as the SDM tables say',
  },
  {
    id: 'ssse3-horizontal-same-register',
    kind: 'unicorn-bug',
    forms: /^Ph(add|sub)(w|d|sw)_xmm_xmmm128$/,
    unicorn: 'phaddw/phaddd/phsubw/phsubd/phaddsw/phsubsw with the same register as both operands read a half already overwritten',
    host: 'both operands are read before the destination is written',
  },
  {
    id: 'pcmpestr-lengths',
    kind: 'unicorn-bug',
    forms: /^Pcmpestr[im]/,
    unicorn: 'pcmpestri/pcmpestrm take the explicit lengths wrongly (only the low 32 bits of RAX/RDX with REX.W; SF/ZF without saturating them to the element count), so index, mask and flags differ',
    host: 'lengths from EAX/EDX (RAX/RDX with REX.W), absolute value saturated to the element count, as the SDM defines',
  },
  {
    id: 'bswap-16',
    kind: 'implementation-defined',
    forms: /^Bswap_r16$/,
    unicorn: 'bswap of a 16-bit register: a byte swap of the low 32 bits',
    host: 'the SDM leaves the result undefined; this host (AMD) clears the low 16 bits, as picemu does',
  },
  {
    id: 'rcp-rsqrt-approximation',
    kind: 'implementation-defined',
    forms: /^(Rcpps|Rcpss|Rsqrtps|Rsqrtss)_/,
    unicorn: 'its own approximation',
    host: 'the SDM only bounds the relative error (1.5 × 2^-12); Intel and AMD tables differ',
  },
  {
    id: 'shld-shrd-16-count-over-16',
    kind: 'implementation-defined',
    forms: /^(Shld|Shrd)_rm16_r16_(CL|imm8)$/,
    when: (j) => j.verdict !== 'picemu-bug',
    unicorn: 'some result',
    host: 'the SDM leaves the result and flags undefined when the count exceeds 16',
  },
];

/** Inputs the difftest never gives unicorn because they crash the whole process (difftest-core.ts avoids them). */
export const AVOIDED_UNICORN_CRASHES: readonly { forms: RegExp; input: string; unicorn: string; host: string }[] = [
  {
    forms: /^Pcmpestr[im]/,
    input: 'EAX or EDX (RAX/RDX with REX.W) = INT_MIN as the explicit string length',
    unicorn: 'segmentation fault of the host process (the length\'s absolute value overflows and indexes out of bounds)',
    host: 'the length saturates to the element count (16 or 8), no fault',
  },
];

/** The entry that explains a judged divergence, or undefined. */
export function knownDifference(j: Judged): KnownDifference | undefined {
  return UNICORN_KNOWN_BUGS.find(
    (k) =>
      k.forms.test(j.c.name) &&
      (k.kind === 'implementation-defined' || j.verdict === 'unicorn-bug' || (k.withoutHost && j.verdict === 'not-arbitrable')) &&
      (!k.when || k.when(j)),
  );
}

/** Judged divergences split into those a known entry explains (counted by entry id) and the unexplained rest. */
export function explainDivergences(judged: readonly Judged[]): { known: Map<string, number>; unexplained: Judged[] } {
  const known = new Map<string, number>();
  const unexplained: Judged[] = [];
  for (const j of judged) {
    const k = knownDifference(j);
    if (k) known.set(k.id, (known.get(k.id) ?? 0) + 1);
    else unexplained.push(j);
  }
  return { known, unexplained };
}

/** An unexplained divergence as the difftest reports it: the case, then the host's result and both comparisons. */
export function describeJudged(j: Judged): string {
  return `${describeCase(j.c, j.verdict)}\n  host: ${j.host}\n  picemu vs host: ${j.picemuVsHost.join('; ') || 'same'}\n  unicorn vs host: ${j.unicornVsHost.join('; ') || 'same'}`;
}

