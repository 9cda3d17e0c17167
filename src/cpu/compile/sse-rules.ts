// The region compiler's rules for SSE integer forms on XMM registers (the `compile` fields in ops/sse-int.ts,
// ops/sse-logic.ts, ops/sse-move.ts): lane-wise binary operations as one WebAssembly SIMD instruction, 128-bit moves.
import type { Operand } from '../decode.ts';
import type { CompileRule } from './rule.ts';

function xmmOk(op: Operand | undefined): op is { kind: 'xmm'; reg: number } {
  return !!op && op.kind === 'xmm' && !op.ymm;
}
const isM128 = (op: Operand | undefined) => op?.kind === 'mem' && op.size === 16;

/** `op xmm, xmm/m128` as the SIMD operation `simd` (legacy SSE: a memory operand must be 16-byte aligned, #GP otherwise). */
export function sseBinaryRule(simd: number): CompileRule {
  return (insn) => {
    const [d, s] = insn.ops;
    if (!xmmOk(d) || !(xmmOk(s) || isM128(s))) return null;
    return {
      exits: s.kind === 'mem',
      emit(e, _, k) {
        e.f.get(e.x[d.reg]);
        e.xmmSource(insn, s, true, k);
        e.f.simd(simd).set(e.x[d.reg]);
      },
    };
  };
}

/** 128-bit moves between XMM registers and memory; `aligned` forms exit (for the interpreter's #GP) on a misaligned address. */
export function sseMoveRule(aligned: boolean): CompileRule {
  return (insn) => {
    const [d, s] = insn.ops;
    const load = xmmOk(d) && (xmmOk(s) || isM128(s));
    const store = isM128(d) && xmmOk(s);
    if (!load && !store) return null;
    return {
      exits: d.kind === 'mem' || s.kind === 'mem',
      emit(e, _, k) {
        if (xmmOk(d)) {
          e.xmmSource(insn, s, aligned, k);
          e.f.set(e.x[d.reg]);
          return;
        }
        e.storeXmm(insn, aligned, e.x[(s as { reg: number }).reg], k);
      },
    };
  };
}
