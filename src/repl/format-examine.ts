// `x/NFU ADDR` as gdb prints it: N units of size U (b h w g) in format F (x d u o t a c), a line labelled with
// its address and `<symbol+off>`; `s` strings (C escapes, octal) and `i` instructions (capstone) too.
import { disassembleSync } from '../trace/disassemble.ts';

export type Unit = 'b' | 'h' | 'w' | 'g';
export interface ExamineFormat {
  count: number;
  format: string;
  unit: Unit;
}

const UNIT_SIZE: Record<Unit, number> = { b: 1, h: 2, w: 4, g: 8 };
/** Values per line, as gdb: 8 bytes, 8 halfwords, 4 words, 2 giants. */
const PER_LINE: Record<Unit, number> = { b: 8, h: 8, w: 4, g: 2 };

/** Parses `/NFU` (letters in any order after the count); `previous` supplies what is left out, as in gdb. */
export function parseExamineFormat(spec: string, previous: ExamineFormat): ExamineFormat {
  const m = /^(\d*)([a-z]*)$/i.exec(spec);
  if (!m) throw new Error(`bad format '/${spec}' (want /NFU: count, format x d u o t a c s i, unit b h w g)`);
  const out: ExamineFormat = { count: m[1] ? Number(m[1]) : 1, format: previous.format, unit: previous.unit };
  if (out.count < 1 || out.count > 4096) throw new Error(`bad count '${m[1]}' (1 to 4096)`);
  for (const ch of m[2]!) {
    if ('bhwg'.includes(ch)) out.unit = ch as Unit;
    else if ('xduotacsi'.includes(ch)) out.format = ch;
    else throw new Error(`unknown letter '${ch}' in /${spec} (formats x d u o t a c s i, units b h w g)`);
  }
  if (out.format === 'a') out.unit = 'g';
  if (out.format === 'c' && !/[bhwg]/.test(m[2]!)) out.unit = 'b';
  return out;
}

export function unitSize(unit: Unit): number {
  return UNIT_SIZE[unit];
}

function valueText(v: bigint, size: number, format: string, symbolize: (va: number) => string | undefined): string {
  const bits = size * 8;
  const u = BigInt.asUintN(bits, v);
  switch (format) {
    case 'x': return '0x' + u.toString(16).padStart(size * 2, '0');
    case 'd': return BigInt.asIntN(bits, v).toString();
    case 'u': return u.toString();
    case 'o': return '0' + u.toString(8);
    case 't': return u.toString(2).padStart(bits, '0');
    case 'a': {
      const s = u < 1n << 53n ? symbolize(Number(u)) : undefined;
      return `0x${u.toString(16)}${s ? ` <${s}>` : ''}`;
    }
    case 'c': {
      const c = Number(u & 0xffn);
      return `${BigInt.asIntN(8, BigInt(c))} '${c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '\\' + c.toString(8).padStart(3, '0')}'`;
    }
  }
  throw new Error(`format '${format}' is not a number format`);
}

/** `label:` for an address: `0x7f… <sym+off>`. */
export function examineLabel(va: number, symbolize: (va: number) => string | undefined): string {
  const s = symbolize(va);
  return `0x${va.toString(16)}${s ? ` <${s}>` : ''}:`;
}

/** The lines of `x/NFU` over `bytes` read from `start` (count × unit bytes, or fewer when memory ended). */
export function formatExamine(start: number, bytes: Uint8Array, f: ExamineFormat, symbolize: (va: number) => string | undefined): string {
  const size = UNIT_SIZE[f.unit];
  const perLine = f.format === 'c' ? 8 : PER_LINE[f.unit];
  const lines: string[] = [];
  const n = Math.floor(bytes.length / size);
  for (let k = 0; k < n; k += perLine) {
    const values: string[] = [];
    for (let j = k; j < Math.min(n, k + perLine); j++) {
      let v = 0n;
      for (let b = size - 1; b >= 0; b--) v = (v << 8n) | BigInt(bytes[j * size + b]!);
      values.push(valueText(v, size, f.format, symbolize));
    }
    lines.push(`${examineLabel(start + k * size, symbolize)}\t${values.join('\t')}`);
  }
  return lines.join('\n');
}

const C_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\033', 34: '\\"', 92: '\\\\' };
/** gdb prints at most this many characters of a string (`set print elements`), then `...`. */
export const STRING_LIMIT = 200;

/** A C string as gdb's x/s prints it: quoted, C escapes, other non-printable bytes as 3-digit octal. */
export function gdbString(bytes: Uint8Array): string {
  const shown = bytes.subarray(0, STRING_LIMIT);
  let out = '"';
  for (const b of shown) out += C_ESCAPES[b] ?? (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '\\' + b.toString(8).padStart(3, '0'));
  return out + '"' + (bytes.length > STRING_LIMIT ? '...' : '');
}

/** What x/NFU reads through: memory (as much as is mapped from `va`, null when `va` is not), rip for `=>`, names. */
export interface MemoryView {
  readUpTo(va: number, length: number): Uint8Array | null;
  rip?: number;
  symbolize(va: number): string | undefined;
}

export class MemoryUnreadable extends Error {
  override name = 'MemoryUnreadable';
  constructor(va: number) {
    super(`cannot access memory at address 0x${va.toString(16)}`);
  }
}

const MAX_INSN = 15;

/** x/NFU's text from `va` and the address after what it showed (where an Enter goes on). */
export function examineMemory(va: number, f: ExamineFormat, view: MemoryView): { text: string; next: number } {
  if (f.format === 'i') {
    const bytes = view.readUpTo(va, f.count * MAX_INSN);
    if (!bytes) throw new MemoryUnreadable(va);
    const insns = disassembleSync(bytes, va, f.count);
    const lines = insns.map((i) => `${i.address === view.rip ? '=> ' : '   '}${examineLabel(i.address, view.symbolize)}\t${i.text}`);
    const last = insns.at(-1);
    return { text: lines.join('\n'), next: last ? last.address + last.size : va };
  }
  if (f.format === 's') {
    const lines: string[] = [];
    let at = va;
    for (let k = 0; k < f.count; k++) {
      const bytes = view.readUpTo(at, 4096);
      if (!bytes) throw new MemoryUnreadable(at);
      const nul = bytes.indexOf(0);
      const body = bytes.subarray(0, nul < 0 ? bytes.length : nul);
      lines.push(`${examineLabel(at, view.symbolize)}\t${gdbString(body)}`);
      // As gdb: a string longer than its print limit goes on from where the shown part ended.
      at += body.length > STRING_LIMIT ? STRING_LIMIT : body.length + 1;
    }
    return { text: lines.join('\n'), next: at };
  }
  const unit = unitSize(f.unit);
  const size = unit * f.count;
  const bytes = view.readUpTo(va, size);
  if (!bytes || bytes.length < unit) throw new MemoryUnreadable(va);
  const complete = Math.floor(bytes.length / unit) * unit;
  const shown = formatExamine(va, bytes.subarray(0, complete), f, view.symbolize);
  return { text: shown + (bytes.length < size ? `\ncannot access memory at address 0x${(va + complete).toString(16)}` : ''), next: va + complete };
}
