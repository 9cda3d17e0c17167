// Block compiler: turns a hot basic block into one JavaScript function. The commonest integer forms are
// emitted inline (with flags only where a later instruction can read them); everything else calls its handler.
import { ConditionCode, Mnemonic } from 'iced-x86';
import type { Cpu } from './cpu.ts';
import type { GprOperand, ImmOperand, Insn, MemRef, Operand } from './decode.ts';
import type { Exec } from './handler.ts';
import { effectiveAddress } from './operands.ts';

/** Runs the block's first n instructions; returns how many completed (fewer when code was overwritten). */
export type BlockFn = (c: Cpu, x: Exec[], h: unknown[]) => number;

const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const ALL = 0xffffffff;

interface Emitted {
  code: string;
  /** May fault or call out (memory access, handler call): every flag must be committed before it. */
  mayFault: boolean;
}

const TWO32 = '4294967296';

class Gen {
  helpers: unknown[] = [];
  helper(v: unknown): string {
    this.helpers.push(v);
    return `h[${this.helpers.length - 1}]`;
  }
}

function lo(g: GprOperand): string {
  return `r[${2 * g.reg}]`;
}
function hi(g: GprOperand): string {
  return `r[${2 * g.reg + 1}]`;
}

/** An inline effective address into local `a` (fast path; falls back to the exact closure). */
function address(gen: Gen, m: MemRef): string {
  if (m.ripRelative && !m.seg) return `const a = ${m.absolute};`;
  const slow = gen.helper(effectiveAddress(m));
  if (m.seg || m.addrSize === 32 || Number.isNaN(m.disp) || (m.base < 0 && m.index < 0)) return `const a = ${slow}(c);`;
  const terms: string[] = [];
  if (m.base >= 0) terms.push(`r[${2 * m.base + 1}] * ${TWO32} + r[${2 * m.base}]`);
  if (m.index >= 0) terms.push(`(r[${2 * m.index + 1}] * ${TWO32} + r[${2 * m.index}]) * ${m.scale}`);
  if (m.disp) terms.push(String(m.disp));
  return `let a = ${terms.join(' + ')}; if (!(a >= 0 && a < 140737488355328)) a = ${slow}(c);`;
}

/** Value expressions of a 32-or-narrower source operand (register, immediate or memory via local `a`). */
function src32(op: Operand, width: number): string | null {
  if (op.kind === 'gpr') {
    if (op.width === 32) return lo(op);
    if (op.width === 16) return `(${lo(op)} & 0xffff)`;
    return op.high8 ? `((${lo(op)} >>> 8) & 0xff)` : `(${lo(op)} & 0xff)`;
  }
  if (op.kind === 'imm') return String(width >= 32 ? op.lo >>> 0 : op.lo & ((1 << width) - 1));
  if (op.kind === 'mem') return width === 32 ? 'c.read32(a)' : width === 16 ? 'c.read16(a)' : width === 8 ? 'c.read8(a)' : null;
  return null;
}

type AluKind = 'add' | 'adc' | 'sub' | 'sbb' | 'cmp' | 'and' | 'or' | 'xor' | 'test';
const ALU_OF: Partial<Record<Mnemonic, AluKind>> = {
  [Mnemonic.Add]: 'add',
  [Mnemonic.Adc]: 'adc',
  [Mnemonic.Sub]: 'sub',
  [Mnemonic.Sbb]: 'sbb',
  [Mnemonic.Cmp]: 'cmp',
  [Mnemonic.And]: 'and',
  [Mnemonic.Or]: 'or',
  [Mnemonic.Xor]: 'xor',
  [Mnemonic.Test]: 'test',
};

function flags32(kind: 'add' | 'sub' | 'logic', live: number, width = 32): string {
  const out: string[] = [];
  if (live & CF) out.push(kind === 'add' ? 'c.cf = s > 4294967295 ? 1 : 0;' : kind === 'sub' ? 'c.cf = s < 0 ? 1 : 0;' : 'c.cf = 0;');
  if (live & OF) out.push(kind === 'add' ? 'c.of = ((a0 ^ v) & (b0 ^ v)) >>> 31;' : kind === 'sub' ? 'c.of = ((a0 ^ b0) & (a0 ^ v)) >>> 31;' : 'c.of = 0;');
  if (live & ZF) out.push('c.zr = v;');
  if (live & SF) out.push(width === 32 ? 'c.sr = v | 0;' : `c.sr = v << ${32 - width};`);
  if (live & PF) out.push('c.pr = v;');
  if (live & AF) out.push(kind === 'logic' ? 'c.ar = 0;' : 'c.ar = a0 ^ b0 ^ v;');
  return out.join(' ');
}

function flags64(kind: 'add' | 'sub' | 'logic', live: number): string {
  const out: string[] = [];
  if (live & CF) out.push(kind === 'add' ? 'c.cf = sh > 4294967295 ? 1 : 0;' : kind === 'sub' ? 'c.cf = sh < 0 ? 1 : 0;' : 'c.cf = 0;');
  if (live & OF) out.push(kind === 'add' ? 'c.of = ((ah ^ vh) & (bh ^ vh)) >>> 31;' : kind === 'sub' ? 'c.of = ((ah ^ bh) & (ah ^ vh)) >>> 31;' : 'c.of = 0;');
  if (live & ZF) out.push('c.zr = vl | vh;');
  if (live & SF) out.push('c.sr = vh | 0;');
  if (live & PF) out.push('c.pr = vl;');
  if (live & AF) out.push(kind === 'logic' ? 'c.ar = 0;' : 'c.ar = al ^ bl ^ vl;');
  return out.join(' ');
}

function alu(gen: Gen, insn: Insn, kind: AluKind, live: number): Emitted | null {
  const [d0, s] = insn.ops;
  const writes = kind !== 'cmp' && kind !== 'test';
  // cmp/test with a memory first operand: compare the loaded value (nothing is written back).
  if (d0.kind === 'mem' && !writes && (d0.size === 4 || d0.size === 8) && (s.kind === 'gpr' || s.kind === 'imm')) return aluMemCompare(gen, insn, kind, live, d0.size === 4 ? 32 : 64);
  const d = d0;
  if (d.kind === 'gpr' && d.width === 8 && !d.high8 && (s.kind === 'imm' || (s.kind === 'gpr' && s.width === 8 && !s.high8))) return alu8(insn, kind, live, d);
  if (d.kind !== 'gpr' || (d.width !== 32 && d.width !== 64)) return null;
  const family = kind === 'add' || kind === 'adc' ? 'add' : kind === 'sub' || kind === 'sbb' || kind === 'cmp' ? 'sub' : 'logic';
  const carry = kind === 'adc' ? ' + c.cf' : kind === 'sbb' ? ' - c.cf' : '';
  const op = kind === 'and' || kind === 'test' ? '&' : kind === 'or' ? '|' : '^';
  let pre = '';
  let mayFault = false;
  if (s.kind === 'mem') {
    pre = address(gen, insn.mem!);
    mayFault = true;
  } else if (s.kind !== 'gpr' && s.kind !== 'imm') return null;
  if (d.width === 32) {
    const b = src32(s, 32);
    if (!b) return null;
    const body =
      family === 'logic'
        ? `const a0 = ${lo(d)}, b0 = ${b}, v = (a0 ${op} b0) >>> 0;`
        : `const a0 = ${lo(d)}, b0 = ${b}, s = a0 ${family === 'add' ? '+' : '-'} b0${carry}, v = s >>> 0;`;
    const store = writes ? `${lo(d)} = v; ${hi(d)} = 0;` : '';
    return { code: `{ ${pre} ${body} ${flags32(family, live)} ${store} }`, mayFault };
  }
  // 64-bit
  let bl: string;
  let bh: string;
  if (s.kind === 'gpr') {
    if (s.width !== 64) return null;
    bl = lo(s);
    bh = hi(s);
  } else if (s.kind === 'imm') {
    bl = String((s as ImmOperand).lo >>> 0);
    bh = String((s as ImmOperand).hi >>> 0);
  } else {
    pre += ' const bl0 = c.read64(a), bh0 = c.hi;';
    bl = 'bl0';
    bh = 'bh0';
  }
  const head = `const al = ${lo(d)}, ah = ${hi(d)}, bl = ${bl}, bh = ${bh};`;
  const body =
    family === 'logic'
      ? `const vl = (al ${op} bl) >>> 0, vh = (ah ${op} bh) >>> 0;`
      : family === 'add'
        ? `const sl = al + bl${carry}, sh = ah + bh + (sl > 4294967295 ? 1 : 0), vl = sl >>> 0, vh = sh >>> 0;`
        : `const sl = al - bl${carry}, sh = ah - bh - (sl < 0 ? 1 : 0), vl = sl >>> 0, vh = sh >>> 0;`;
  const store = writes ? `${lo(d)} = vl; ${hi(d)} = vh;` : '';
  return { code: `{ ${pre} ${head} ${body} ${flags64(family, live)} ${store} }`, mayFault };
}

/** 8-bit ALU between low-byte registers or with an immediate. */
function alu8(insn: Insn, kind: AluKind, live: number, d: GprOperand): Emitted | null {
  const s = insn.ops[1];
  const writes = kind !== 'cmp' && kind !== 'test';
  const family = kind === 'add' || kind === 'adc' ? 'add' : kind === 'sub' || kind === 'sbb' || kind === 'cmp' ? 'sub' : 'logic';
  const carry = kind === 'adc' ? ' + c.cf' : kind === 'sbb' ? ' - c.cf' : '';
  const op = kind === 'and' || kind === 'test' ? '&' : kind === 'or' ? '|' : '^';
  const b = s.kind === 'imm' ? String(s.lo & 0xff) : `(${lo(s as GprOperand)} & 0xff)`;
  const body =
    family === 'logic'
      ? `const a0 = ${lo(d)} & 0xff, b0 = ${b}, v = a0 ${op} b0;`
      : `const a0 = ${lo(d)} & 0xff, b0 = ${b}, s = a0 ${family === 'add' ? '+' : '-'} b0${carry}, v = s & 0xff;`;
  const f: string[] = [];
  if (live & CF) f.push(family === 'add' ? 'c.cf = s > 255 ? 1 : 0;' : family === 'sub' ? 'c.cf = s < 0 ? 1 : 0;' : 'c.cf = 0;');
  if (live & OF) f.push(family === 'add' ? 'c.of = (((a0 ^ v) & (b0 ^ v)) >>> 7) & 1;' : family === 'sub' ? 'c.of = (((a0 ^ b0) & (a0 ^ v)) >>> 7) & 1;' : 'c.of = 0;');
  if (live & ZF) f.push('c.zr = v;');
  if (live & SF) f.push('c.sr = v << 24;');
  if (live & PF) f.push('c.pr = v;');
  if (live & AF) f.push(family === 'logic' ? 'c.ar = 0;' : 'c.ar = a0 ^ b0 ^ v;');
  const store = writes ? `${lo(d)} = (${lo(d)} & 0xffffff00) | v;` : '';
  return { code: `{ ${body} ${f.join(' ')} ${store} }`, mayFault: false };
}

/** shl/shr/sar of a 64-bit register by a constant nonzero count. */
function shift64(insn: Insn, live: number, d: GprOperand, n: number): Emitted | null {
  const m = insn.mnemonic;
  const L = lo(d);
  const H = hi(d);
  let body: string;
  let cf: string;
  let of: string;
  if (m === Mnemonic.Shl || m === Mnemonic.Sal) {
    if (n < 32) {
      body = `const vh = ((ah << ${n}) | (al >>> ${32 - n})) >>> 0, vl = (al << ${n}) >>> 0;`;
      cf = `(ah >>> ${32 - n}) & 1`;
    } else if (n === 32) {
      body = 'const vh = al, vl = 0;';
      cf = 'ah & 1';
    } else {
      body = `const vh = (al << ${n - 32}) >>> 0, vl = 0;`;
      cf = `(al >>> ${64 - n}) & 1`;
    }
    of = '(vh >>> 31) ^ c.cf';
  } else if (m === Mnemonic.Shr || m === Mnemonic.Sar) {
    const sar = m === Mnemonic.Sar;
    if (n < 32) {
      body = `const vl = ((al >>> ${n}) | (ah << ${32 - n})) >>> 0, vh = ${sar ? `((ah | 0) >> ${n}) >>> 0` : `ah >>> ${n}`};`;
      cf = `(al >>> ${n - 1}) & 1`;
    } else if (n === 32) {
      body = `const vl = ah, vh = ${sar ? '((ah | 0) >> 31) >>> 0' : '0'};`;
      cf = 'al >>> 31';
    } else {
      body = `const vl = ${sar ? `((ah | 0) >> ${n - 32}) >>> 0` : `ah >>> ${n - 32}`}, vh = ${sar ? '((ah | 0) >> 31) >>> 0' : '0'};`;
      cf = sar ? `((ah | 0) >> ${n - 33}) & 1` : `(ah >>> ${n - 33}) & 1`;
    }
    of = !sar && n === 1 ? 'ah >>> 31' : '0';
  } else return null;
  const f: string[] = [];
  if (live & (CF | OF)) f.push(`c.cf = ${cf};`);
  if (live & OF) f.push(`c.of = ${of};`);
  if (live & ZF) f.push('c.zr = vl | vh;');
  if (live & SF) f.push('c.sr = vh | 0;');
  if (live & PF) f.push('c.pr = vl;');
  if (live & AF) f.push('c.ar = 0;');
  return { code: `{ const al = ${L}, ah = ${H}; ${body} ${f.join(' ')} ${L} = vl; ${H} = vh; }`, mayFault: false };
}

function aluMemCompare(gen: Gen, insn: Insn, kind: AluKind, live: number, width: 32 | 64): Emitted | null {
  const s = insn.ops[1];
  const family = kind === 'cmp' ? 'sub' : 'logic';
  const pre = address(gen, insn.mem!);
  if (width === 32) {
    const b = src32(s, 32);
    if (!b) return null;
    const body = family === 'logic' ? 'const a0 = c.read32(a), b0 = ' + b + ', v = (a0 & b0) >>> 0;' : 'const a0 = c.read32(a), b0 = ' + b + ', s = a0 - b0, v = s >>> 0;';
    return { code: `{ ${pre} ${body} ${flags32(family, live)} }`, mayFault: true };
  }
  if (s.kind === 'gpr' && s.width !== 64) return null;
  const bl = s.kind === 'gpr' ? lo(s) : String((s as ImmOperand).lo >>> 0);
  const bh = s.kind === 'gpr' ? hi(s) : String((s as ImmOperand).hi >>> 0);
  const head = `const al = c.read64(a), ah = c.hi, bl = ${bl}, bh = ${bh};`;
  const body = family === 'logic' ? 'const vl = (al & bl) >>> 0, vh = (ah & bh) >>> 0;' : 'const sl = al - bl, sh = ah - bh - (sl < 0 ? 1 : 0), vl = sl >>> 0, vh = sh >>> 0;';
  return { code: `{ ${pre} ${head} ${body} ${flags64(family, live)} }`, mayFault: true };
}

function unary(insn: Insn, live: number): Emitted | null {
  const d = insn.ops[0];
  if (d.kind !== 'gpr' || (d.width !== 32 && d.width !== 64)) return null;
  const m = insn.mnemonic;
  if (d.width === 32) {
    if (m === Mnemonic.Not) return { code: `${lo(d)} = ~${lo(d)} >>> 0; ${hi(d)} = 0;`, mayFault: false };
    const body =
      m === Mnemonic.Inc
        ? `const a0 = ${lo(d)}, b0 = 1, s = a0 + 1, v = s >>> 0;`
        : m === Mnemonic.Dec
          ? `const a0 = ${lo(d)}, b0 = 1, s = a0 - 1, v = s >>> 0;`
          : `const b0 = ${lo(d)}, a0 = 0, s = -b0, v = s >>> 0;`;
    const fam = m === Mnemonic.Inc ? 'add' : 'sub';
    return { code: `{ ${body} ${flags32(fam, live & insn.flagsWritten)} ${lo(d)} = v; ${hi(d)} = 0; }`, mayFault: false };
  }
  if (m === Mnemonic.Not) return { code: `${lo(d)} = ~${lo(d)} >>> 0; ${hi(d)} = ~${hi(d)} >>> 0;`, mayFault: false };
  const body =
    m === Mnemonic.Inc
      ? `const al = ${lo(d)}, ah = ${hi(d)}, bl = 1, bh = 0, sl = al + 1, sh = ah + (sl > 4294967295 ? 1 : 0), vl = sl >>> 0, vh = sh >>> 0;`
      : m === Mnemonic.Dec
        ? `const al = ${lo(d)}, ah = ${hi(d)}, bl = 1, bh = 0, sl = al - 1, sh = ah - (sl < 0 ? 1 : 0), vl = sl >>> 0, vh = sh >>> 0;`
        : `const al = 0, ah = 0, bl = ${lo(d)}, bh = ${hi(d)}, sl = -bl, sh = -bh - (sl < 0 ? 1 : 0), vl = sl >>> 0, vh = sh >>> 0;`;
  const fam = m === Mnemonic.Inc ? 'add' : 'sub';
  return { code: `{ ${body} ${flags64(fam, live & insn.flagsWritten)} ${lo(d)} = vl; ${hi(d)} = vh; }`, mayFault: false };
}

/** shl/shr/sar of a 32-bit register by a constant nonzero count. */
function shift(insn: Insn, live: number): Emitted | null {
  const [d, s] = insn.ops;
  if (d.kind === 'gpr' && d.width === 64) {
    const n64 = s === undefined ? 1 : s.kind === 'imm' ? s.lo & 63 : -1;
    return n64 > 0 ? shift64(insn, live, d, n64) : null;
  }
  if (d.kind !== 'gpr' || d.width !== 32) return null;
  const n = s === undefined ? 1 : s.kind === 'imm' ? s.lo & 31 : -1;
  if (n <= 0) return null;
  const m = insn.mnemonic;
  const flags: string[] = [];
  let body: string;
  if (m === Mnemonic.Shl || m === Mnemonic.Sal) {
    body = `const a0 = ${lo(d)}, v = (a0 << ${n}) >>> 0;`;
    if (live & (CF | OF)) flags.push(`c.cf = (a0 >>> ${32 - n}) & 1;`);
    if (live & OF) flags.push('c.of = (v >>> 31) ^ c.cf;');
  } else if (m === Mnemonic.Shr) {
    body = `const a0 = ${lo(d)}, v = a0 >>> ${n};`;
    if (live & CF) flags.push(`c.cf = (a0 >>> ${n - 1}) & 1;`);
    if (live & OF) flags.push(`c.of = (((a0 >>> ${n - 1}) ^ v) >>> 31) & 1;`);
  } else if (m === Mnemonic.Sar) {
    body = `const a0 = ${lo(d)}, v = ((a0 | 0) >> ${n}) >>> 0;`;
    if (live & CF) flags.push(`c.cf = ((a0 | 0) >> ${n - 1}) & 1;`);
    if (live & OF) flags.push('c.of = 0;');
  } else return null;
  if (live & ZF) flags.push('c.zr = v;');
  if (live & SF) flags.push('c.sr = v | 0;');
  if (live & PF) flags.push('c.pr = v;');
  if (live & AF) flags.push('c.ar = 0;');
  return { code: `{ ${body} ${flags.join(' ')} ${lo(d)} = v; ${hi(d)} = 0; }`, mayFault: false };
}

const COND: Partial<Record<ConditionCode, string>> = {
  [ConditionCode.o]: 'c.of !== 0',
  [ConditionCode.no]: 'c.of === 0',
  [ConditionCode.b]: 'c.cf !== 0',
  [ConditionCode.ae]: 'c.cf === 0',
  [ConditionCode.e]: 'c.zr === 0',
  [ConditionCode.ne]: 'c.zr !== 0',
  [ConditionCode.be]: '(c.cf !== 0 || c.zr === 0)',
  [ConditionCode.a]: '(c.cf === 0 && c.zr !== 0)',
  [ConditionCode.s]: 'c.sr < 0',
  [ConditionCode.ns]: 'c.sr >= 0',
  [ConditionCode.l]: '((c.sr < 0) !== (c.of !== 0))',
  [ConditionCode.ge]: '((c.sr < 0) === (c.of !== 0))',
  [ConditionCode.le]: '(c.zr === 0 || (c.sr < 0) !== (c.of !== 0))',
  [ConditionCode.g]: '(c.zr !== 0 && (c.sr < 0) === (c.of !== 0))',
};

function mov(gen: Gen, insn: Insn): Emitted | null {
  const [d, s] = insn.ops;
  if (d.kind === 'gpr' && (d.width === 32 || d.width === 64)) {
    if (s.kind === 'gpr' && s.width === d.width) return { code: d.width === 32 ? `${lo(d)} = ${lo(s)}; ${hi(d)} = 0;` : `${lo(d)} = ${lo(s)}; ${hi(d)} = ${hi(s)};`, mayFault: false };
    if (s.kind === 'imm') return { code: `${lo(d)} = ${s.lo >>> 0}; ${hi(d)} = ${d.width === 64 ? s.hi >>> 0 : 0};`, mayFault: false };
    if (s.kind === 'mem') {
      const a = address(gen, insn.mem!);
      return { code: d.width === 32 ? `{ ${a} ${lo(d)} = c.read32(a); ${hi(d)} = 0; }` : `{ ${a} const v = c.read64(a); ${lo(d)} = v; ${hi(d)} = c.hi; }`, mayFault: true };
    }
    return null;
  }
  if (d.kind === 'mem' && (s.kind === 'gpr' || s.kind === 'imm')) {
    const a = address(gen, insn.mem!);
    const w = d.size;
    if (s.kind === 'gpr' && s.width !== w * 8) return null;
    const vlo = s.kind === 'gpr' ? lo(s) : String(s.lo >>> 0);
    const vhi = s.kind === 'gpr' ? hi(s) : String(s.hi >>> 0);
    if (w === 8) return { code: `{ ${a} c.write64(a, ${vlo}, ${vhi}); }`, mayFault: true };
    if (w === 4) return { code: `{ ${a} c.write32(a, ${vlo}); }`, mayFault: true };
    if (w === 1 && s.kind === 'gpr' && !s.high8) return { code: `{ ${a} c.write8(a, ${vlo} & 0xff); }`, mayFault: true };
    return null;
  }
  return null;
}

function movx(gen: Gen, insn: Insn): Emitted | null {
  const [d, s] = insn.ops;
  if (d.kind !== 'gpr' || (d.width !== 32 && d.width !== 64)) return null;
  const sw = s.kind === 'gpr' ? s.width : s.kind === 'mem' ? s.size * 8 : 0;
  if (sw !== 8 && sw !== 16 && !(sw === 32 && insn.mnemonic === Mnemonic.Movsxd)) return null;
  const pre = s.kind === 'mem' ? address(gen, insn.mem!) : '';
  const v = src32(s, sw);
  if (!v) return null;
  const signed = insn.mnemonic !== Mnemonic.Movzx;
  const val = signed ? (sw === 32 ? `(${v} | 0)` : `((${v} << ${32 - sw}) >> ${32 - sw})`) : v;
  const store = !signed ? `${lo(d)} = v; ${hi(d)} = 0;` : d.width === 64 ? `${lo(d)} = v >>> 0; ${hi(d)} = v < 0 ? 4294967295 : 0;` : `${lo(d)} = v >>> 0; ${hi(d)} = 0;`;
  return { code: `{ ${pre} const v = ${val}; ${store} }`, mayFault: s.kind === 'mem' };
}

function lea(insn: Insn): Emitted | null {
  const d = insn.ops[0];
  const m = insn.mem!;
  if (d.kind !== 'gpr' || (d.width !== 32 && d.width !== 64) || m.seg) return null;
  if (m.ripRelative) return { code: `${lo(d)} = ${m.dispLo}; ${hi(d)} = ${d.width === 64 && m.addrSize === 64 ? m.dispHi : 0};`, mayFault: false };
  const lt = [String(m.dispLo)];
  const ht = [String(m.dispHi)];
  if (m.base >= 0) {
    lt.push(`r[${2 * m.base}]`);
    ht.push(`r[${2 * m.base + 1}]`);
  }
  if (m.index >= 0) {
    lt.push(`r[${2 * m.index}] * ${m.scale}`);
    ht.push(`r[${2 * m.index + 1}] * ${m.scale}`);
  }
  if (d.width === 32 || m.addrSize === 32) return { code: `${lo(d)} = (${lt.join(' + ')}) >>> 0; ${hi(d)} = 0;`, mayFault: false };
  return { code: `{ const l = ${lt.join(' + ')}; const t = ${ht.join(' + ')} + Math.floor(l / ${TWO32}); ${lo(d)} = l >>> 0; ${hi(d)} = t >>> 0; }`, mayFault: false };
}

/** push/pop of a 64-bit register, call rel32, ret: inline when RSP is an ordinary user address, else the handler. */
function stack(gen: Gen, insn: Insn, index: number): Emitted | null {
  const m = insn.mnemonic;
  const slow = `x[${index}](c);`;
  // RSP - 8 without a borrow out of the low half, in user space: the common case.
  const down = `const sl = r[8] - 8, sh = r[9]; if (sl < 0 || sh >= 32768) ${slow} else {`;
  if (m === Mnemonic.Push) {
    const s = insn.ops[0];
    if (s.kind !== 'gpr' || s.width !== 64) return null;
    // Read the value before RSP moves (push rsp pushes the old value).
    return { code: `{ const vl = ${lo(s)}, vh = ${hi(s)}; ${down} c.write64(sh * ${TWO32} + sl, vl, vh); r[8] = sl; } }`, mayFault: true };
  }
  if (m === Mnemonic.Pop) {
    const d = insn.ops[0];
    if (d.kind !== 'gpr' || d.width !== 64) return null;
    return {
      code: `{ const sl = r[8], sh = r[9]; if (sl > 4294967287 || sh >= 32768) ${slow} else { const vl = c.read64(sh * ${TWO32} + sl), vh = c.hi; r[8] = sl + 8; ${lo(d)} = vl; ${hi(d)} = vh; } }`,
      mayFault: true,
    };
  }
  if (m === Mnemonic.Call && insn.ops[0].kind === 'branch') {
    const n = insn.next;
    return { code: `{ ${down} c.write64(sh * ${TWO32} + sl, ${n % 4294967296}, ${Math.floor(n / 4294967296)}); r[8] = sl; c.rip = ${insn.ops[0].target}; } }`, mayFault: true };
  }
  if (m === Mnemonic.Ret && insn.ops.length === 0) {
    return {
      code: `{ const sl = r[8], sh = r[9]; if (sl > 4294967287 || sh >= 32768) ${slow} else { const vl = c.read64(sh * ${TWO32} + sl), vh = c.hi; if (vh >= 32768) ${slow} else { r[8] = sl + 8; c.rip = vh * ${TWO32} + vl; } } }`,
      mayFault: true,
    };
  }
  return null;
}

/** One instruction's inline code, or null to call its handler. */
function emit(gen: Gen, insn: Insn, live: number, index: number): Emitted | null {
  if (insn.bitness !== 64) return null;
  // A branch to a non-canonical target (#GP when taken) goes through its handler.
  if (insn.ops[0]?.kind === 'branch' && Number.isNaN(insn.ops[0].target)) return null;
  const m = insn.mnemonic;
  if (m === Mnemonic.Push || m === Mnemonic.Pop || m === Mnemonic.Call || m === Mnemonic.Ret) return stack(gen, insn, index);
  const kind = ALU_OF[m];
  if (kind) return alu(gen, insn, kind, live & insn.flagsWritten);
  switch (m) {
    case Mnemonic.Mov:
      return mov(gen, insn);
    case Mnemonic.Movzx:
    case Mnemonic.Movsx:
    case Mnemonic.Movsxd:
      return movx(gen, insn);
    case Mnemonic.Lea:
      return lea(insn);
    case Mnemonic.Inc:
    case Mnemonic.Dec:
    case Mnemonic.Neg:
    case Mnemonic.Not:
      return unary(insn, live);
    case Mnemonic.Shl:
    case Mnemonic.Sal:
    case Mnemonic.Shr:
    case Mnemonic.Sar:
      return shift(insn, live & insn.flagsWritten);
    case Mnemonic.Nop:
    case Mnemonic.Endbr64:
      return { code: '', mayFault: false };
    case Mnemonic.Seto:
    case Mnemonic.Setno:
    case Mnemonic.Setb:
    case Mnemonic.Setae:
    case Mnemonic.Sete:
    case Mnemonic.Setne:
    case Mnemonic.Setbe:
    case Mnemonic.Seta:
    case Mnemonic.Sets:
    case Mnemonic.Setns:
    case Mnemonic.Setl:
    case Mnemonic.Setge:
    case Mnemonic.Setle:
    case Mnemonic.Setg: {
      const d = insn.ops[0];
      const cond = COND[insn.cc];
      if (!cond || d.kind !== 'gpr' || d.high8) return null;
      return { code: `${lo(d)} = (${lo(d)} & 0xffffff00) | (${cond} ? 1 : 0);`, mayFault: false };
    }
    case Mnemonic.Jmp: {
      const t = insn.ops[0];
      return t.kind === 'branch' ? { code: `c.rip = ${t.target};`, mayFault: false } : null;
    }
    case Mnemonic.Cmovo:
    case Mnemonic.Cmovno:
    case Mnemonic.Cmovb:
    case Mnemonic.Cmovae:
    case Mnemonic.Cmove:
    case Mnemonic.Cmovne:
    case Mnemonic.Cmovbe:
    case Mnemonic.Cmova:
    case Mnemonic.Cmovs:
    case Mnemonic.Cmovns:
    case Mnemonic.Cmovl:
    case Mnemonic.Cmovge:
    case Mnemonic.Cmovle:
    case Mnemonic.Cmovg: {
      const [d, s] = insn.ops;
      const cond = COND[insn.cc];
      if (!cond || d.kind !== 'gpr' || s.kind !== 'gpr' || d.width !== s.width || (d.width !== 32 && d.width !== 64)) return null;
      return { code: d.width === 32 ? `${lo(d)} = ${cond} ? ${lo(s)} : ${lo(d)}; ${hi(d)} = 0;` : `if (${cond}) { ${lo(d)} = ${lo(s)}; ${hi(d)} = ${hi(s)}; }`, mayFault: false };
    }
  }
  if (insn.flow === 3 /* ConditionalBranch */ && insn.ops[0]?.kind === 'branch' && COND[insn.cc] && insn.rep === 0 && !isLoop(m)) {
    return { code: `if (${COND[insn.cc]}) c.rip = ${(insn.ops[0] as { target: number }).target};`, mayFault: false };
  }
  return null;
}

function isLoop(m: Mnemonic): boolean {
  return m === Mnemonic.Loop || m === Mnemonic.Loope || m === Mnemonic.Loopne || m === Mnemonic.Jrcxz || m === Mnemonic.Jecxz || m === Mnemonic.Jcxz;
}

/** Compiles the first `n` instructions of a block. */
export function compileBlock(insns: Insn[], n: number): { fn: BlockFn; helpers: unknown[]; inlined: number } {
  const gen = new Gen();
  // Flag liveness, backwards: at the end everything is live; an instruction that may fault or calls out needs all.
  const liveOut = new Array<number>(n);
  const emitted = new Array<Emitted | null>(n);
  let live = ALL;
  for (let i = n - 1; i >= 0; i--) {
    liveOut[i] = live;
    // First pass with everything live decides the shape (and whether it may fault); the second emits with real liveness.
    const probe = emit(new Gen(), insns[i], ALL, i);
    if (!probe || probe.mayFault) live = ALL;
    else live = (live & ~insns[i].flagsWritten) | insns[i].flagsRead;
  }
  let inlined = 0;
  const parts: string[] = ['const r = c.r32;', 'let i = 0;', 'try {'];
  for (let i = 0; i < n; i++) {
    const e = emit(gen, insns[i], liveOut[i], i);
    emitted[i] = e;
    if (i > 0) parts.push(`i = ${i};`);
    if (e) {
      inlined++;
      parts.push(e.code);
      // A write may land on this block's code (self-modifying code): leave before running stale instructions.
      if (e.mayFault && /write|x\[/.test(e.code)) parts.push(`if (c.smc) return ${i + 1};`);
    } else {
      parts.push(`x[${i}](c);`);
      parts.push(`if (c.smc) return ${i + 1};`);
    }
  }
  parts.push(`return ${n};`, '} catch (e) { c.jitIndex = i; throw e; }');
  const fn = new Function('c', 'x', 'h', parts.join('\n')) as BlockFn;
  return { fn, helpers: gen.helpers, inlined };
}
