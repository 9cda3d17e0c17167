// VEX forms whose per-lane behaviour is their SSE form's (float arithmetic, compares, conversions, comis,
// rounding, blends, ...): each runs the SSE handler on scratch slots (16: the r/m source, 17: vvvv source and
// destination), once per 128-bit lane, then writes the destination as VEX does (bits 255:128 zeroed for
// VEX.128). Memory operands are read here, whole, so VEX's no-alignment rule holds.
import { Code } from 'iced-x86';
import type { Cpu } from '../cpu.ts';
import type { Insn, Operand } from '../decode.ts';
import type { Exec, HandlerDef } from '../handler.ts';
import { handlerFor } from '../table.ts';
import { GuestFault } from '../faults.ts';
import { immOf, loader, storer, VA, VB, VD, vlen } from './avx-common.ts';
import { dotProduct } from './sse-float.ts';
import { beginFp, endFp } from './sse-common.ts';
import { fp } from './sse-softfloat.ts';
import { handlers as sseHandlers } from './sse-all.ts';

const NAMES = Object.keys(Code).filter((k) => Number.isNaN(Number(k)));
const SSE_CODES = new Set(sseHandlers.flatMap((h) => h.codes));

/** Forms written out elsewhere (avx-int.ts, avx-move.ts) or whose VEX meaning differs from the SSE one. */
// (vblendps/pd imm8 select elements across both lanes, vmpsadbw ymm takes its upper lane's offsets from imm8[5:3];
// the mixed xmm/ymm conversions cross lanes; vdpps ymm runs its steps over both lanes at once.)
const EXCLUDED = /^VEX_(Vmpsadbw_ymm|Vmov(?!(hl|lh|h|l)p[sd]_)|Vp(?!hminposuw|cmp[ei]str)|Vand|Vor|Vxor|Vunpck|Vshuf|Vbroadcast|Vinsert|Vextract|Vperm|Vzero|Vlddqu|Vmaskmov|Vldmxcsr|Vstmxcsr|Vblendp[sd]|Vdpp[sd])/;
/** SSE forms that only read their first operand (it is not written back). */
const READ_ONLY_FIRST = /^(Comis|Ucomis|Pcmp[ei]str)/;
/** SSE forms whose result goes to XMM0 (pcmpestrm/pcmpistrm): under VEX its bits 255:128 are zeroed too. */
const WRITES_XMM0 = /^Pcmp[ei]strm/;

interface Pair {
  vex: string;
  legacy: string;
  /** The VEX form has a vvvv source (operand 1) the SSE form lacks. */
  vvvv: boolean;
  /** 'lane': the SSE form per 128-bit lane; 'widen' (ymm from xmm/m128) and 'narrow' (xmm from ymm/m256): per half. */
  kind: 'lane' | 'widen' | 'narrow';
}

/** VEX code name → its SSE code name: drop `VEX_`, the `V`, the vvvv operand, and widen ymm/256 shapes to one lane. */
function pairOf(vex: string): Pair | undefined {
  if (!vex.startsWith('VEX_V') || EXCLUDED.test(vex)) return undefined;
  const [m, ...shape] = vex.slice(5).split('_');
  const mnemonic = m.charAt(0).toUpperCase() + m.slice(1);
  // Conversions between 128 and 256 bits: the SSE form on each half (its source or its result is 64 bits).
  if (shape.length === 2 && shape[0] === 'ymm' && shape[1] === 'xmmm128') {
    const legacy = `${mnemonic}_xmm_xmmm64`;
    return SSE_CODES.has(legacy) ? { vex, legacy, vvvv: false, kind: 'widen' } : undefined;
  }
  if (shape.length === 2 && shape[0] === 'xmm' && shape[1] === 'ymmm256') {
    const legacy = `${mnemonic}_xmm_xmmm128`;
    return SSE_CODES.has(legacy) ? { vex, legacy, vvvv: false, kind: 'narrow' } : undefined;
  }
  if (shape.some((t) => t.includes('ymm')) && shape.some((t) => t.startsWith('xmm'))) return undefined;
  const lane = shape.map((s) => s.replace('ymmm256', 'xmmm128').replace(/^ymm$/, 'xmm'));
  const direct = [mnemonic, ...lane].join('_');
  if (SSE_CODES.has(direct)) return { vex, legacy: direct, vvvv: false, kind: 'lane' };
  if (lane.length >= 3 && lane[1] === 'xmm') {
    const dropped = [mnemonic, lane[0], ...lane.slice(2)].join('_');
    if (SSE_CODES.has(dropped)) return { vex, legacy: dropped, vvvv: true, kind: 'lane' };
  }
  return undefined;
}

const CODE = Code as unknown as Record<string, Code>;
const PAIRS = NAMES.map(pairOf).filter((p): p is Pair => p !== undefined);

const lane16 = (c: Cpu, reg: number, lane: number, slot: number) => {
  const from = lane ? c.ymmHi8 : c.xmm8;
  c.xmm8.set(from.subarray(reg * 16, reg * 16 + 16), slot * 16);
};

function adapt(pair: Pair) {
  return (insn: Insn, cpu: Cpu): Exec => {
    const entry = handlerFor(CODE[pair.legacy]);
    if (!entry) throw new Error(`no SSE handler for ${pair.legacy}`);
    const L = /_ymm/.test(pair.vex) ? 2 : 1;
    if (pair.kind !== 'lane') return halves(pair, insn, cpu, entry.build);
    const ops = insn.ops;
    const dst = ops[0];
    const src1 = pair.vvvv ? ops[1] : null;
    const rest = ops.slice(pair.vvvv ? 2 : 1);
    // The SSE form's operands: destination (slot 17, or the GPR), then the rest with xmm/ymm/mem vector sources in slot 16.
    // The vector source: the operand whose SSE shape is xmm or xmm/mNN (GPR/memory integer sources stay as they are).
    const tokens = pair.legacy.split('_').slice(2);
    const vecIndex = rest.findIndex((_, k) => tokens[k]?.startsWith('xmm'));
    const legacyOps: Operand[] = [dst.kind === 'xmm' ? { kind: 'xmm', reg: 17 } : dst, ...rest.map((o, k) => (k === vecIndex ? ({ kind: 'xmm', reg: 16 } as Operand) : o))];
    const keepsMem = legacyOps.some((o) => o.kind === 'mem');
    const synthetic = Object.create(Object.getPrototypeOf(insn)) as Insn;
    Object.assign(synthetic, insn, { code: CODE[pair.legacy], ops: legacyOps, mem: keepsMem ? insn.mem : null });
    Object.defineProperty(synthetic, 'text', { value: insn.text });
    const run = entry.build(synthetic, cpu);
    const vec = vecIndex >= 0 ? rest[vecIndex] : null;
    const loadVec = vec ? (vec.kind === 'xmm' ? null : loader(insn, ops.indexOf(vec), VB, 16)) : null;
    const vecReg = vec && vec.kind === 'xmm' ? vec.reg : -1;
    const s1 = src1 && src1.kind === 'xmm' ? src1.reg : -1;
    const d = dst.kind === 'xmm' && !READ_ONLY_FIRST.test(pair.legacy) ? dst.reg : -1;
    // An SSE form that reads its destination (comis, the scalar forms without vvvv): slot 17 starts as it.
    const readsDst = d >= 0 && !pair.vvvv;
    const zeroXmm0Upper = WRITES_XMM0.test(pair.legacy);
    return (c: Cpu) => {
      if (loadVec) loadVec(c);
      // Every lane runs (an exception in one does not stop the other: the host reports both lanes' flags); MXCSR's
      // new flags are gathered and reported once at the end, where an unmasked one traps before anything is written.
      const saved = c.mxcsr;
      let raised = 0;
      for (let lane = 0; lane < L; lane++) {
        c.mxcsr = saved;
        if (s1 >= 0) lane16(c, s1, lane, 17);
        else if (readsDst || (dst.kind === 'xmm' && d < 0)) lane16(c, (dst as { reg: number }).reg, lane, 17);
        if (vecReg >= 0) lane16(c, vecReg, lane, 16);
        else if (loadVec) c.xmm8.set(VB.u8.subarray(lane * 16, lane * 16 + 16), 256);
        try {
          run(c);
        } catch (e) {
          if (!(e instanceof GuestFault) || e.kind !== 'simd-exception') throw e;
        }
        raised |= c.mxcsr & 0x3f;
        if (d >= 0) VD.u8.set(c.xmm8.subarray(272, 288), lane * 16);
      }
      c.mxcsr = saved;
      beginFp(c);
      fp.flags = raised & ~(saved & 0x3f);
      endFp(c);
      if (zeroXmm0Upper) c.ymmHi8.fill(0, 0, 16);
      if (d >= 0) {
        c.xmm8.set(VD.u8.subarray(0, 16), d * 16);
        if (L === 2) c.ymmHi8.set(VD.u8.subarray(16, 32), d * 16);
        else c.ymmHi8.fill(0, d * 16, d * 16 + 16);
      }
    };
  };
}

/** widen: result half k from source bytes 8k..8k+7; narrow: source half k gives result bytes 8k..8k+7. Then VEX's write. */
function halves(pair: Pair, insn: Insn, cpu: Cpu, build: (insn: Insn, cpu: Cpu) => Exec): Exec {
  const synthetic = Object.create(Object.getPrototypeOf(insn)) as Insn;
  Object.assign(synthetic, insn, { code: CODE[pair.legacy], ops: [{ kind: 'xmm', reg: 17 }, { kind: 'xmm', reg: 16 }] as Operand[], mem: null });
  Object.defineProperty(synthetic, 'text', { value: insn.text });
  const run = build(synthetic, cpu);
  const dst = insn.ops[0] as { reg: number };
  const load = loader(insn, 1, VB, pair.kind === 'narrow' ? 32 : 16);
  const widen = pair.kind === 'widen';
  return (c: Cpu) => {
    load(c);
    // As for lanes: both halves run, their flags are reported together.
    const saved = c.mxcsr;
    let raised = 0;
    for (let k = 0; k < 2; k++) {
      c.xmm8.fill(0, 256, 272);
      c.xmm8.set(widen ? VB.u8.subarray(8 * k, 8 * k + 8) : VB.u8.subarray(16 * k, 16 * k + 16), 256);
      c.mxcsr = saved;
      try {
        run(c);
      } catch (e) {
        if (!(e instanceof GuestFault) || e.kind !== 'simd-exception') throw e;
      }
      raised |= c.mxcsr & 0x3f;
      if (widen) VD.u8.set(c.xmm8.subarray(272, 288), 16 * k);
      else VD.u8.set(c.xmm8.subarray(272, 280), 8 * k);
    }
    c.mxcsr = saved;
    beginFp(c);
    fp.flags = raised & ~(saved & 0x3f);
    endFp(c);
    c.xmm8.set(VD.u8.subarray(0, 16), dst.reg * 16);
    if (widen) c.ymmHi8.set(VD.u8.subarray(16, 32), dst.reg * 16);
    else c.ymmHi8.fill(0, dst.reg * 16, dst.reg * 16 + 16);
  };
}

/** vdpps/vdppd: the SSE dot product over each lane, its steps (and their exceptions) shared by the lanes. */
function vdp(double: boolean) {
  return (insn: Insn): Exec => {
    const L = vlen(insn);
    const la = loader(insn, 1, VA, L), lb = loader(insn, 2, VB, L), st = storer(insn, 0, VD, L);
    const k = immOf(insn);
    return (c: Cpu) => {
      la(c);
      lb(c);
      dotProduct(c, VA.u32, 0, VB.u32, 0, k, L / 16, double, VD.u32, 0);
      st(c);
    };
  };
}
const DOT: HandlerDef[] = [
  { codes: ['VEX_Vdpps_xmm_xmm_xmmm128_imm8', 'VEX_Vdpps_ymm_ymm_ymmm256_imm8'], build: vdp(false), feature: 'avx' },
  { codes: ['VEX_Vdppd_xmm_xmm_xmmm128_imm8'], build: vdp(true), feature: 'avx' },
];

/** ldmxcsr/stmxcsr under VEX: the same operation. */
const MXCSR: HandlerDef[] = [
  { codes: ['VEX_Vldmxcsr_m32'], build: (insn, cpu) => handlerFor(Code.Ldmxcsr_m32)!.build(insn, cpu), feature: 'avx' },
  { codes: ['VEX_Vstmxcsr_m32'], build: (insn, cpu) => handlerFor(Code.Stmxcsr_m32)!.build(insn, cpu), feature: 'avx' },
];

export const handlers: HandlerDef[] = [...PAIRS.map((p) => ({ codes: [p.vex], build: adapt(p), feature: 'avx' as const })), ...MXCSR, ...DOT];

/** The pairs (for tests and the coverage report). */
export const VEX_SSE_PAIRS: readonly Pair[] = PAIRS;
