// FMA3: vfmadd/vfmsub/vfnmadd/vfnmsub (132, 213, 231; ps pd ss sd) and vfmaddsub/vfmsubadd, each lane rounded
// once from the exact a*b ± c (sse-softfloat.ts fusedMulAdd, on bigints), MXCSR flags and #XM as SSE arithmetic.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import { codesMatching } from '../handler.ts';
import { codeName, loader, storer, VA, VB, VC, VD, vlen } from './avx-common.ts';
import { beginFp, endFp } from './sse-common.ts';
import { fusedMulAdd } from './sse-softfloat.ts';

/** The operation from the mnemonic: sign rules per lane and which sources are a, b, c (132, 213, 231). */
function fma(insn: Insn, name: string) {
  const m = /^VEX_Vf(n?)m(add|sub|addsub|subadd)(132|213|231)(ps|pd|ss|sd)_/.exec(name);
  if (!m) throw new Error(`fma: ${name}`);
  const [, neg, kind, order, type] = m;
  const double = type.endsWith('d');
  const scalar = type.startsWith('s');
  const size = double ? 8 : 4;
  const L = vlen(insn);
  const n = scalar ? 1 : L / size;
  const l1 = loader(insn, 0, VA, L), l2 = loader(insn, 1, VB, L), l3 = loader(insn, 2, VC, L);
  const st = storer(insn, 0, VD, L);
  const get = (v: typeof VA, i: number) => (double ? v.u64[i] : BigInt(v.u32[i]));
  const negProduct = neg === 'n';
  return (c: Cpu) => {
    l1(c);
    l2(c);
    l3(c);
    beginFp(c);
    VD.u8.set(VA.u8);
    if (scalar) VD.u8.fill(0, 16);
    for (let i = 0; i < n; i++) {
      const s1 = get(VA, i), s2 = get(VB, i), s3 = get(VC, i);
      const [a, b, x] = order === '132' ? [s1, s3, s2] : order === '213' ? [s2, s1, s3] : [s2, s3, s1];
      // addsub: subtract in even lanes, add in odd ones; subadd the reverse.
      const sub = kind === 'sub' || (kind === 'addsub' && i % 2 === 0) || (kind === 'subadd' && i % 2 === 1);
      // NaN priority is the multiplicands then the addend (measured on the host: a, b, c whatever the form).
      const r = fusedMulAdd(double, a, b, x, negProduct, sub, [a, b, x]);
      if (double) VD.u64[i] = r;
      else VD.u32[i] = Number(r);
    }
    endFp(c);
    st(c);
  };
}

const CODES = codesMatching(/^VEX_Vfn?m(add|sub|addsub|subadd)(132|213|231)(ps|pd|ss|sd)_/);
export const handlers: HandlerDef[] = [{ codes: CODES, build: (insn) => fma(insn, codeName(insn)), feature: 'fma' }];
