// `print`/`display` expressions as gdb hands type them, over picemu's untyped world: numbers, $registers
// ($pc, $sp, $fp too), symbols (their address), `&SYM`, `*EXPR` (a long), C casts and `{TYPE} ADDR` for
// typed reads, arithmetic, shifts, bitwise and comparison operators, parentheses. Memory is read with peek.

export interface CType {
  name: string;
  size: 1 | 2 | 4 | 8;
  signed: boolean;
  /** A pointer's target type. */
  pointee?: CType;
}

export interface Value {
  value: bigint;
  type: CType;
}

export interface EvalEnv {
  /** A register by name (rax, eax, xmm0, rip…); undefined when there is none. */
  register(name: string): bigint | undefined;
  /** A symbol's mapped address; undefined when unknown. */
  symbol(name: string): number | undefined;
  /** Reads memory without faulting; null when unmapped. */
  read(va: number, size: number): Uint8Array | null;
}

export class ExpressionError extends Error {
  override name = 'ExpressionError';
}

const LONG: CType = { name: 'long', size: 8, signed: true };
const ULONG: CType = { name: 'unsigned long', size: 8, signed: false };
const BASE_TYPES: Record<string, CType> = {
  char: { name: 'char', size: 1, signed: true }, 'signed char': { name: 'signed char', size: 1, signed: true },
  'unsigned char': { name: 'unsigned char', size: 1, signed: false },
  short: { name: 'short', size: 2, signed: true }, 'unsigned short': { name: 'unsigned short', size: 2, signed: false },
  int: { name: 'int', size: 4, signed: true }, unsigned: { name: 'unsigned int', size: 4, signed: false },
  'unsigned int': { name: 'unsigned int', size: 4, signed: false },
  long: LONG, 'long long': LONG, 'unsigned long': ULONG, 'unsigned long long': ULONG,
  int8_t: { name: 'int8_t', size: 1, signed: true }, uint8_t: { name: 'uint8_t', size: 1, signed: false },
  int16_t: { name: 'int16_t', size: 2, signed: true }, uint16_t: { name: 'uint16_t', size: 2, signed: false },
  int32_t: { name: 'int32_t', size: 4, signed: true }, uint32_t: { name: 'uint32_t', size: 4, signed: false },
  int64_t: { name: 'int64_t', size: 8, signed: true }, uint64_t: { name: 'uint64_t', size: 8, signed: false },
  size_t: { name: 'size_t', size: 8, signed: false }, void: { name: 'void', size: 1, signed: false },
};
/** Symbols, `&SYM`, $pc/$sp/$fp: addresses with no type of their own (`*` reads a long there). */
const UNTYPED: CType = { name: 'void *', size: 8, signed: false, pointee: BASE_TYPES.void! };
/** $pc, $rip: gdb's type for a code address. */
const CODE: CType = { name: 'void (*)()', size: 8, signed: false, pointee: BASE_TYPES.void! };
const REGISTER_ALIASES: Record<string, string> = { pc: 'rip', sp: 'rsp', fp: 'rbp', eflags: 'rflags' };

export function pointerTo(t: CType): CType {
  return { name: `${t.name} *`, size: 8, signed: false, pointee: t };
}

/** The value as the type holds it (truncated, sign-extended when signed). */
export function normalize(value: bigint, type: CType): bigint {
  const bits = type.size * 8;
  return type.signed ? BigInt.asIntN(bits, value) : BigInt.asUintN(bits, value);
}

type Token = { kind: 'num'; value: bigint } | { kind: 'reg'; name: string } | { kind: 'id'; name: string } | { kind: 'op'; text: string };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(0x[0-9a-fA-F]+|\d+)|\$([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_.][A-Za-z0-9_.@]*|'[^']+')|(<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!()<>{}]))/y;
  let k = 0;
  while (k < text.length) {
    if (/^\s*$/.test(text.slice(k))) break;
    re.lastIndex = k;
    const m = re.exec(text);
    if (!m) throw new ExpressionError(`cannot parse '${text.slice(k).trim()}'`);
    k = re.lastIndex;
    if (m[1] !== undefined) out.push({ kind: 'num', value: BigInt(m[1]) });
    else if (m[2] !== undefined) out.push({ kind: 'reg', name: m[2] });
    else if (m[3] !== undefined) out.push({ kind: 'id', name: m[3].replace(/^'|'$/g, '') });
    else out.push({ kind: 'op', text: m[4]! });
  }
  return out;
}

const BINARY: Record<string, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6, '<': 7, '>': 7, '<=': 7, '>=': 7,
  '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};
const TYPE_WORDS = new Set(['char', 'short', 'int', 'long', 'unsigned', 'signed', ...Object.keys(BASE_TYPES).filter((k) => !k.includes(' '))]);

class Parser {
  private k = 0;
  constructor(private readonly tokens: Token[], private readonly env: EvalEnv) {}

  parse(): Value {
    if (this.tokens.length === 0) throw new ExpressionError('an expression is needed');
    const v = this.binary(0);
    if (this.k < this.tokens.length) throw new ExpressionError(`unexpected '${describe(this.tokens[this.k]!)}'`);
    return v;
  }

  private peekOp(text: string): boolean {
    const t = this.tokens[this.k];
    return t?.kind === 'op' && t.text === text;
  }

  private expect(text: string): void {
    if (!this.peekOp(text)) throw new ExpressionError(`'${text}' expected`);
    this.k++;
  }

  private binary(minPrec: number): Value {
    let left = this.unary();
    for (;;) {
      const t = this.tokens[this.k];
      const prec = t?.kind === 'op' ? BINARY[t.text] : undefined;
      if (prec === undefined || prec < minPrec) break;
      this.k++;
      const right = this.binary(prec + 1);
      left = apply((t as { text: string }).text, left, right);
    }
    return left;
  }

  /** A type name at the cursor (`unsigned int *`), or undefined (cursor unchanged). */
  private typeName(): CType | undefined {
    const start = this.k;
    const words: string[] = [];
    while (this.tokens[this.k]?.kind === 'id' && TYPE_WORDS.has((this.tokens[this.k] as { name: string }).name)) {
      words.push((this.tokens[this.k] as { name: string }).name);
      this.k++;
    }
    let type = words.length ? BASE_TYPES[words.join(' ')] ?? (words[0] === 'signed' ? BASE_TYPES[words.slice(1).join(' ') || 'int'] : undefined) : undefined;
    if (!type) {
      this.k = start;
      return undefined;
    }
    while (this.peekOp('*')) {
      this.k++;
      type = pointerTo(type);
    }
    return type;
  }

  private unary(): Value {
    const t = this.tokens[this.k];
    if (t?.kind === 'op') {
      switch (t.text) {
        case '-': { this.k++; const v = this.unary(); const type = promoted(v.type); return arith(-v.value, type); }
        case '+': this.k++; return this.unary();
        case '~': { this.k++; const v = this.unary(); return { value: normalize(~v.value, v.type), type: v.type }; }
        case '!': this.k++; return { value: this.unary().value === 0n ? 1n : 0n, type: BASE_TYPES.int! };
        case '*': { this.k++; return this.deref(this.unary()); }
        case '&': {
          this.k++;
          const n = this.tokens[this.k];
          if (n?.kind !== 'id') throw new ExpressionError("'&' needs a symbol");
          this.k++;
          return { value: BigInt(this.symbol(n.name)), type: UNTYPED };
        }
        case '{': {
          this.k++;
          const type = this.typeName();
          if (!type) throw new ExpressionError('a type is needed in {TYPE} ADDR');
          this.expect('}');
          return this.read(this.unary().value, type);
        }
        case '(': {
          this.k++;
          const type = this.typeName();
          if (type) {
            this.expect(')');
            const v = this.unary();
            return { value: normalize(v.value, type), type };
          }
          const v = this.binary(0);
          this.expect(')');
          return v;
        }
      }
    }
    return this.primary();
  }

  private primary(): Value {
    const t = this.tokens[this.k++];
    if (!t) throw new ExpressionError('the expression ends too early');
    switch (t.kind) {
      case 'num': return { value: t.value, type: literalType(t.value) };
      case 'reg': {
        const name = REGISTER_ALIASES[t.name] ?? t.name;
        const v = this.env.register(name);
        if (v === undefined) throw new ExpressionError(`no register $${t.name}`);
        if (name === 'rip') return { value: v, type: CODE };
        const pointer = name === 'rsp' || name === 'rbp';
        if (v > 0xffffffffffffffffn) throw new ExpressionError(`$${t.name} is wider than 64 bits: use info registers ${t.name}`);
        return { value: pointer ? v : BigInt.asIntN(64, v), type: pointer ? UNTYPED : LONG };
      }
      case 'id': return { value: BigInt(this.symbol(t.name)), type: UNTYPED };
      case 'op': throw new ExpressionError(`unexpected '${t.text}'`);
    }
  }

  private symbol(name: string): number {
    const va = this.env.symbol(name);
    if (va === undefined) throw new ExpressionError(`no symbol "${name}" in the loaded modules`);
    return va;
  }

  private deref(v: Value): Value {
    // A typed pointer reads its type; an untyped address (a number, a symbol, void *) reads a long.
    const type = v.type.pointee && v.type.pointee.name !== 'void' ? v.type.pointee : LONG;
    return this.read(v.value, type);
  }

  private read(address: bigint, type: CType): Value {
    if (address < 0n || address >= 1n << 53n) throw new ExpressionError(`cannot access memory at address 0x${BigInt.asUintN(64, address).toString(16)}`);
    const bytes = this.env.read(Number(address), type.size);
    if (!bytes) throw new ExpressionError(`cannot access memory at address 0x${address.toString(16)}`);
    let v = 0n;
    for (let k = type.size - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[k]!);
    return { value: normalize(v, type), type };
  }
}

function describe(t: Token): string {
  return t.kind === 'num' ? String(t.value) : t.kind === 'reg' ? '$' + t.name : t.kind === 'id' ? t.name : t.text;
}

function arith(v: bigint, type: CType): Value {
  return { value: normalize(v, type), type };
}

/** C's literal types, as gdb gives them: int, unsigned int, long, unsigned long, by the value's size. */
function literalType(v: bigint): CType {
  if (v < 1n << 31n) return BASE_TYPES.int!;
  if (v < 1n << 32n) return BASE_TYPES.unsigned!;
  if (v < 1n << 63n) return LONG;
  return ULONG;
}

/** Integer promotion: anything narrower than int becomes int; pointers take part as long. */
function promoted(t: CType): CType {
  if (t.pointee) return LONG;
  return t.size < 4 ? BASE_TYPES.int! : t;
}

/** The usual arithmetic conversions: the wider type; at equal width, unsigned wins. */
function common(a: CType, b: CType): CType {
  const [x, y] = [promoted(a), promoted(b)];
  if (x.size !== y.size) return x.size > y.size ? x : y;
  return !x.signed ? x : y;
}

function apply(op: string, a: Value, b: Value): Value {
  const wide = common(a.type, b.type);
  const bool = (x: boolean): Value => ({ value: x ? 1n : 0n, type: BASE_TYPES.int! });
  switch (op) {
    case '+': return arith(a.value + b.value, wide);
    case '-': return arith(a.value - b.value, wide);
    case '*': return arith(a.value * b.value, wide);
    case '/': case '%': {
      if (b.value === 0n) throw new ExpressionError('division by zero');
      return arith(op === '/' ? a.value / b.value : a.value % b.value, wide);
    }
    case '&': return arith(a.value & b.value, wide);
    case '|': return arith(a.value | b.value, wide);
    case '^': return arith(a.value ^ b.value, wide);
    case '<<': return arith(a.value << (b.value & 63n), wide);
    case '>>': return arith(a.value >> (b.value & 63n), wide);
    case '==': return bool(a.value === b.value);
    case '!=': return bool(a.value !== b.value);
    case '<': return bool(a.value < b.value);
    case '>': return bool(a.value > b.value);
    case '<=': return bool(a.value <= b.value);
    case '>=': return bool(a.value >= b.value);
    case '&&': return bool(a.value !== 0n && b.value !== 0n);
    case '||': return bool(a.value !== 0n || b.value !== 0n);
  }
  throw new ExpressionError(`unknown operator ${op}`);
}

export function evaluate(text: string, env: EvalEnv): Value {
  return new Parser(tokenize(text), env).parse();
}

/** gdb's print formats: x d u o t c a, and the natural one (decimal; pointers in hex). */
export function formatValue(v: Value, format: string | undefined, symbolize: (va: number) => string | undefined): string {
  const unsigned = BigInt.asUintN(v.type.size * 8, v.value);
  switch (format) {
    case 'x': return '0x' + unsigned.toString(16);
    case 'o': return '0' + unsigned.toString(8);
    case 't': return unsigned.toString(2);
    case 'd': return BigInt.asIntN(v.type.size * 8, v.value).toString();
    case 'u': return unsigned.toString();
    case 'c': {
      const c = Number(unsigned & 0xffn);
      return `${v.type.size === 1 && !v.type.signed ? c : BigInt.asIntN(8, BigInt(c))} '${c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '\\' + c.toString(8).padStart(3, '0')}'`;
    }
    case 'a': case undefined: {
      if (format === undefined && v.type.size === 1 && !v.type.pointee) return formatValue(v, 'c', symbolize);
      if (format === 'a' || v.type.pointee) {
        const sym = unsigned < 1n << 53n ? symbolize(Number(unsigned)) : undefined;
        return `${v.type.pointee && format !== 'a' ? `(${v.type.name}) ` : ''}0x${unsigned.toString(16)}${sym ? ` <${sym}>` : ''}`;
      }
      return v.value.toString();
    }
    default: throw new ExpressionError(`unknown format letter '${format}' (x d u o t c a)`);
  }
}
