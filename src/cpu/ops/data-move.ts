// Data movement: mov/movzx/movsx/movsxd, lea, xchg, cmovcc, setcc, bswap, movbe, cbw..cqo, nops, flag moves.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { condition } from '../flags.ts';
import { getter, leaHalves, rmwGetter, setter, widthOf } from '../operands.ts';
import { AF, CF, PF, SF, ZF } from '../state.ts';
import { codesMatching, type Exec, type HandlerDef } from '../handler.ts';
import { cmovRule, extendRule, leaRule, movRule, nopRule, setccRule } from '../compile/integer-rules.ts';

function mov(insn: Insn): Exec {
  const w = widthOf(insn, 0);
  const d = insn.ops[0];
  const s = insn.ops[1];
  if (d.kind === 'gpr' && s.kind === 'gpr' && w >= 32) {
    const di = 2 * d.reg;
    const si = 2 * s.reg;
    return w === 64
      ? (c) => {
          const r = c.r32;
          r[di] = r[si];
          r[di + 1] = r[si + 1];
        }
      : (c) => {
          const r = c.r32;
          r[di] = r[si];
          r[di + 1] = 0;
        };
  }
  if (d.kind === 'gpr' && s.kind === 'imm' && w >= 32) {
    const di = 2 * d.reg;
    const lo = s.lo;
    const hi = w === 64 ? s.hi : 0;
    return (c) => {
      c.r32[di] = lo;
      c.r32[di + 1] = hi;
    };
  }
  const g = getter(insn, 1, w);
  const set = setter(insn, 0);
  return (c) => {
    const lo = g(c);
    set(c, lo, c.hi);
  };
}

/** movzx / movsx / movsxd: source width from operand 1, destination from operand 0. */
function extend(signed: boolean) {
  return (insn: Insn): Exec => {
    const dw = widthOf(insn, 0);
    const sw = widthOf(insn, 1);
    const g = getter(insn, 1, sw);
    const set = setter(insn, 0);
    const sh = 32 - sw;
    if (!signed) return (c) => set(c, g(c), 0);
    return (c) => {
      const v = sw === 32 ? g(c) | 0 : (g(c) << sh) >> sh;
      set(c, dw === 64 ? v >>> 0 : dw === 32 ? v >>> 0 : v & ((1 << dw) - 1), v < 0 ? 0xffffffff : 0);
    };
  };
}

function lea(insn: Insn): Exec {
  const addr = leaHalves(insn.mem!);
  const set = setter(insn, 0);
  const w = widthOf(insn, 0);
  const d = insn.ops[0];
  const m = insn.mem!;
  // Common shape: base + disp (no index), 64-bit.
  if (d.kind === 'gpr' && w === 64 && m.base >= 0 && m.index < 0 && !m.ripRelative && m.addrSize === 64) {
    const di = 2 * d.reg;
    const b = 2 * m.base;
    const dl = m.dispLo;
    const dh = m.dispHi;
    return (c) => {
      const r = c.r32;
      const lo = r[b] + dl;
      r[di + 1] = (r[b + 1] + dh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
      r[di] = lo >>> 0;
    };
  }
  return (c) => {
    addr(c);
    set(c, c.ea, c.hi);
  };
}

function xchg(insn: Insn): Exec {
  const w = widthOf(insn, 0);
  // Memory operand first (it may fault); the register is written last.
  const memFirst = insn.ops[1].kind === 'mem' ? 1 : 0;
  const other = 1 - memFirst;
  const ga = rmwGetter(insn, memFirst, w);
  const gb = getter(insn, other, w);
  const sa = setter(insn, memFirst, true, w);
  const sb = setter(insn, other, false, w);
  return (c) => {
    const a = ga(c);
    const ah = c.hi;
    const b = gb(c);
    const bh = c.hi;
    sa(c, b, bh);
    sb(c, a, ah);
  };
}

function cmov(insn: Insn): Exec {
  const p = condition(insn.cc);
  const w = widthOf(insn, 0);
  const g = getter(insn, 1, w);
  const set = setter(insn, 0);
  const d = insn.ops[0];
  return (c) => {
    // The source is read (and may fault) even when the condition is false.
    const lo = g(c);
    if (p(c)) set(c, lo, c.hi);
    else if (w === 32 && d.kind === 'gpr') c.r32[2 * d.reg + 1] = 0; // 32-bit cmov zero-extends even when false
  };
}

function setcc(insn: Insn): Exec {
  const p = condition(insn.cc);
  const set = setter(insn, 0);
  return (c) => set(c, p(c) ? 1 : 0, 0);
}

function bswap32(x: number): number {
  return ((x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

function bswap(insn: Insn): Exec {
  const d = insn.ops[0];
  if (d.kind !== 'gpr') throw new Error('bswap operand');
  const i = 2 * d.reg;
  if (d.width === 64) {
    return (c) => {
      const r = c.r32;
      const lo = r[i];
      r[i] = bswap32(r[i + 1]);
      r[i + 1] = bswap32(lo);
    };
  }
  if (d.width === 32) {
    return (c) => {
      c.r32[i] = bswap32(c.r32[i]);
      c.r32[i + 1] = 0;
    };
  }
  // bswap r16 is undefined; hardware (and unicorn) give 0 in the low word.
  return (c) => {
    c.r32[i] = c.r32[i] & 0xffff0000;
  };
}

function movbe(insn: Insn): Exec {
  const w = widthOf(insn, 0);
  const g = getter(insn, 1, w);
  const set = setter(insn, 0);
  return (c) => {
    const lo = g(c);
    if (w === 64) set(c, bswap32(c.hi), bswap32(lo));
    else if (w === 32) set(c, bswap32(lo), 0);
    else set(c, ((lo & 0xff) << 8) | (lo >>> 8), 0);
  };
}

// cbw/cwde/cdqe: sign-extend the low half of the accumulator into all of it.
const cbw: Exec = (c) => {
  const r = c.r32;
  r[0] = (r[0] & 0xffff0000) | (((r[0] << 24) >> 24) & 0xffff);
};
const cwde: Exec = (c) => {
  const r = c.r32;
  r[0] = (r[0] << 16) >> 16;
  r[1] = 0;
};
const cdqe: Exec = (c) => {
  const r = c.r32;
  r[1] = r[0] & 0x80000000 ? 0xffffffff : 0;
};
// cwd/cdq/cqo: the accumulator's sign into rdx.
const cwd: Exec = (c) => {
  const r = c.r32;
  r[4] = (r[4] & 0xffff0000) | (r[0] & 0x8000 ? 0xffff : 0);
};
const cdq: Exec = (c) => {
  const r = c.r32;
  r[4] = r[0] & 0x80000000 ? 0xffffffff : 0;
  r[5] = 0;
};
const cqo: Exec = (c) => {
  const r = c.r32;
  r[4] = r[5] = r[1] & 0x80000000 ? 0xffffffff : 0;
};

const nop: Exec = () => {};

/** F3 90 is pause, but with REX.B it is xchg r8, rax (what the CPU runs; iced names it pause). */
function pause(insn: Insn): Exec {
  const k = insn.bytes.indexOf(0x90);
  const rex = k > 0 && (insn.bytes[k - 1] & 0xf0) === 0x40 ? insn.bytes[k - 1] : 0;
  if (!(rex & 1)) return nop;
  const wide = (rex & 8) !== 0;
  return (c) => {
    const r = c.r32;
    const lo = r[0];
    const hi = r[1];
    r[0] = r[16];
    r[16] = lo;
    if (wide) {
      r[1] = r[17];
      r[17] = hi;
    } else {
      r[1] = 0;
      r[17] = 0;
    }
  };
}

// lahf/sahf: SF ZF AF PF CF <-> AH (bit 1 always set).
const lahf: Exec = (c: Cpu) => {
  const f = (c.rflags & (SF | ZF | AF | PF | CF)) | 2;
  c.r32[0] = (c.r32[0] & 0xffff00ff) | (f << 8);
};
const sahf: Exec = (c: Cpu) => {
  const ah = (c.r32[0] >>> 8) & 0xff;
  c.cf = ah & 1;
  c.setPF((ah & PF) !== 0);
  c.setAF((ah & AF) !== 0);
  c.setZF((ah & ZF) !== 0);
  c.setSF((ah & SF) !== 0);
};

const sizes = (prefix: string) => codesMatching(new RegExp(`^${prefix}`));

export const handlers: HandlerDef[] = [
  {
    codes: [
      ...['rm8_r8', 'rm16_r16', 'rm32_r32', 'rm64_r64', 'r8_rm8', 'r16_rm16', 'r32_rm32', 'r64_rm64'],
      ...['AL_moffs8', 'AX_moffs16', 'EAX_moffs32', 'RAX_moffs64', 'moffs8_AL', 'moffs16_AX', 'moffs32_EAX', 'moffs64_RAX'],
      ...['r8_imm8', 'r16_imm16', 'r32_imm32', 'r64_imm64', 'rm8_imm8', 'rm16_imm16', 'rm32_imm32', 'rm64_imm32'],
    ].map((f) => `Mov_${f}`),
    build: mov,
    compile: movRule,
  },
  { codes: sizes('Movzx_'), build: extend(false), compile: extendRule(false) },
  { codes: [...sizes('Movsx_'), ...sizes('Movsxd_')], build: extend(true), compile: extendRule(true) },
  { codes: ['Lea_r16_m', 'Lea_r32_m', 'Lea_r64_m'], build: lea, compile: leaRule },
  { codes: sizes('Xchg_'), build: xchg },
  { codes: sizes('Cmov'), build: cmov, compile: cmovRule },
  { codes: codesMatching(/^Set(o|no|b|ae|e|ne|be|a|s|ns|p|np|l|ge|le|g)_rm8$/), build: setcc, compile: setccRule },
  { codes: ['Bswap_r16', 'Bswap_r32', 'Bswap_r64'], build: bswap },
  { codes: sizes('Movbe_'), build: movbe, feature: 'movbe' },
  { codes: ['Cbw'], build: () => cbw },
  { codes: ['Cwde'], build: () => cwde },
  { codes: ['Cdqe'], build: () => cdqe },
  { codes: ['Cwd'], build: () => cwd },
  { codes: ['Cdq'], build: () => cdq },
  { codes: ['Cqo'], build: () => cqo },
  { codes: ['Nopw', 'Nopd', 'Nopq', 'Nop_rm16', 'Nop_rm32', 'Nop_rm64', 'Endbr64', 'Endbr32'], build: () => nop, compile: nopRule },
  { codes: ['Pause'], build: pause },
  { codes: ['Lahf'], build: () => lahf },
  { codes: ['Sahf'], build: () => sahf },
  { codes: ['Clc'], build: () => (c) => void (c.cf = 0) },
  { codes: ['Stc'], build: () => (c) => void (c.cf = 1) },
  { codes: ['Cmc'], build: () => (c) => void (c.cf ^= 1) },
  { codes: ['Cld'], build: () => (c) => void (c.df = 0) },
  { codes: ['Std'], build: () => (c) => void (c.df = 1) },
];
