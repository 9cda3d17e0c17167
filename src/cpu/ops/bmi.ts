// BMI1 (andn bextr blsi blsmsk blsr) and BMI2 (bzhi mulx pdep pext rorx sarx shlx shrx): VEX-encoded GPR
// instructions, computed on bigints (exact at both widths). lzcnt/tzcnt live in bits.ts.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { setResultFlags } from '../flags.ts';
import type { HandlerDef } from '../handler.ts';
import { getter, setter, widthOf } from '../operands.ts';

/** Reads operand i as an unsigned bigint of its width. */
function big(insn: Insn, i: number): (c: Cpu) => bigint {
  const w = widthOf(insn, i);
  const g = getter(insn, i, w);
  if (w === 64)
    return (c) => {
      const lo = g(c);
      return (BigInt(c.hi) << 32n) | BigInt(lo);
    };
  return (c) => BigInt(g(c));
}
function put(insn: Insn, i: number): (c: Cpu, v: bigint) => void {
  const w = widthOf(insn, i);
  const s = setter(insn, i, false, w);
  return (c, v) => s(c, Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn));
}

/** A result with ZF/SF (and PF: undefined for these, set as the result's) from `value`, CF and OF given. */
function flags(c: Cpu, w: number, v: bigint, cf: number, zfCleared = false): void {
  setResultFlags(c, w, Number(v & 0xffffffffn), Number(v >> 32n));
  if (zfCleared) c.zr = 1;
  c.cf = cf;
  c.of = 0;
}

type Op = (x: bigint, y: bigint, w: number, mask: bigint) => bigint;

/** dst, a, b with a flag rule: the BMI1 and BZHI shapes. */
function withFlags(compute: Op, cf: (x: bigint, y: bigint, w: number) => number, zfCleared = false, unary = false) {
  return (insn: Insn) => {
    const w = widthOf(insn, 0);
    const mask = (1n << BigInt(w)) - 1n;
    const a = big(insn, 1);
    const b = unary ? () => 0n : big(insn, 2);
    const set = put(insn, 0);
    return (c: Cpu) => {
      const x = a(c), y = b(c);
      const v = compute(x, y, w, mask) & mask;
      set(c, v);
      flags(c, w, v, cf(x, y, w), zfCleared);
    };
  };
}
/** dst, a, b without flags. */
function noFlags(compute: Op) {
  return (insn: Insn) => {
    const w = widthOf(insn, 0);
    const mask = (1n << BigInt(w)) - 1n;
    const a = big(insn, 1);
    const b = insn.ops[2].kind === 'imm' ? ((v: bigint) => () => v)(BigInt(insn.ops[2].lo & 0xff)) : big(insn, 2);
    const set = put(insn, 0);
    return (c: Cpu) => set(c, compute(a(c), b(c), w, mask) & mask);
  };
}

const andn: Op = (x, y, _w, m) => ~x & y & m;
const bextr: Op = (x, y, w) => {
  const start = Number(y & 0xffn), len = Number((y >> 8n) & 0xffn);
  if (start >= w) return 0n;
  return (x >> BigInt(start)) & ((1n << BigInt(len)) - 1n);
};
const bzhi: Op = (x, y, w) => {
  const n = Number(y & 0xffn);
  return n >= w ? x : x & ((1n << BigInt(n)) - 1n);
};
const pdep: Op = (src, mask, w) => {
  let r = 0n, k = 0n;
  for (let i = 0n; i < BigInt(w); i++)
    if ((mask >> i) & 1n) {
      r |= ((src >> k) & 1n) << i;
      k++;
    }
  return r;
};
const pext: Op = (src, mask, w) => {
  let r = 0n, k = 0n;
  for (let i = 0n; i < BigInt(w); i++)
    if ((mask >> i) & 1n) {
      r |= ((src >> i) & 1n) << k;
      k++;
    }
  return r;
};
const rorx: Op = (x, n, w, m) => {
  const s = n & BigInt(w - 1);
  return ((x >> s) | (x << (BigInt(w) - s))) & m;
};
const countMask = (w: number) => BigInt(w - 1);
const shlx: Op = (x, n, w, m) => (x << (n & countMask(w))) & m;
const shrx: Op = (x, n, w) => x >> (n & countMask(w));
const sarx: Op = (x, n, w, m) => BigInt.asUintN(w, BigInt.asIntN(w, x) >> (n & countMask(w))) & m;

/** mulx hi, lo, src: RDX/EDX times src, unsigned; no flags. hi is written last (it wins when both name one register). */
function mulx(insn: Insn) {
  const w = widthOf(insn, 0);
  const mask = (1n << BigInt(w)) - 1n;
  const src = big(insn, 2);
  const setHi = put(insn, 0), setLo = put(insn, 1);
  return (c: Cpu) => {
    const d = w === 64 ? (BigInt(c.r32[5]) << 32n) | BigInt(c.r32[4]) : BigInt(c.r32[4]);
    const p = d * src(c);
    setLo(c, p & mask);
    setHi(c, (p >> BigInt(w)) & mask);
  };
}

const both = (m: string, shape: string) => [`VEX_${m}_${shape.replaceAll('N', '32')}`, `VEX_${m}_${shape.replaceAll('N', '64')}`];

export const handlers: HandlerDef[] = [
  { codes: both('Andn', 'rN_rN_rmN'), build: withFlags(andn, () => 0), feature: 'bmi1' },
  { codes: both('Bextr', 'rN_rmN_rN'), build: withFlags(bextr, () => 0), feature: 'bmi1' },
  { codes: both('Blsi', 'rN_rmN'), build: withFlags((x, _y, _w, m) => -x & m & x, (x) => (x !== 0n ? 1 : 0), false, true), feature: 'bmi1' },
  { codes: both('Blsmsk', 'rN_rmN'), build: withFlags((x, _y, _w, m) => ((x - 1n) & m) ^ x, (x) => (x === 0n ? 1 : 0), true, true), feature: 'bmi1' },
  { codes: both('Blsr', 'rN_rmN'), build: withFlags((x, _y, _w, m) => (x - 1n) & m & x, (x) => (x === 0n ? 1 : 0), false, true), feature: 'bmi1' },
  { codes: both('Bzhi', 'rN_rmN_rN'), build: withFlags(bzhi, (_x, y, w) => (Number(y & 0xffn) > w - 1 ? 1 : 0)), feature: 'bmi2' },
  { codes: both('Pdep', 'rN_rN_rmN'), build: noFlags(pdep), feature: 'bmi2' },
  { codes: both('Pext', 'rN_rN_rmN'), build: noFlags(pext), feature: 'bmi2' },
  { codes: both('Rorx', 'rN_rmN_imm8'), build: noFlags(rorx), feature: 'bmi2' },
  { codes: both('Shlx', 'rN_rmN_rN'), build: noFlags(shlx), feature: 'bmi2' },
  { codes: both('Shrx', 'rN_rmN_rN'), build: noFlags(shrx), feature: 'bmi2' },
  { codes: both('Sarx', 'rN_rmN_rN'), build: noFlags(sarx), feature: 'bmi2' },
  { codes: both('Mulx', 'rN_rN_rmN'), build: mulx, feature: 'bmi2' },
];
