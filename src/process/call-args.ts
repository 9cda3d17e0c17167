// The System V AMD64 calling convention for calls into the guest: which argument goes to which register or
// stack slot, and how a return value is read back as the caller asked (int, uint, long, ulong, ptr, f64, cstr).
import type { VirtAddr } from '../mm/types.ts';
import { parseInteger } from '../util/numbers.ts';

/** An argument after strings and buffers have been placed in guest memory: an integer/pointer or a double. */
export type PlacedArg = { kind: 'int'; value: bigint } | { kind: 'f64'; value: number };

/** Integer/pointer argument registers, in order (GPR encoding numbers: rdi, rsi, rdx, rcx, r8, r9). */
export const INT_ARG_REGS = [7, 6, 2, 1, 8, 9] as const;
/** Doubles go in xmm0-xmm7. */
export const VECTOR_ARG_COUNT = 8;

export interface ArgumentLayout {
  /** GPR number → value. */
  registers: Map<number, bigint>;
  /** XMM register number → double. */
  vectors: Map<number, number>;
  /** Eightbytes passed on the stack, first argument at the lowest address (just above the return address). */
  stack: bigint[];
  /** al for variadic callees: how many vector registers carry arguments. */
  vectorCount: number;
}

/** Classifies arguments the way the psABI does for INTEGER and SSE scalars. */
export function layoutArguments(args: readonly PlacedArg[]): ArgumentLayout {
  const layout: ArgumentLayout = { registers: new Map(), vectors: new Map(), stack: [], vectorCount: 0 };
  let ints = 0;
  let vecs = 0;
  for (const a of args) {
    if (a.kind === 'int') {
      const v = BigInt.asUintN(64, a.value);
      if (ints < INT_ARG_REGS.length) layout.registers.set(INT_ARG_REGS[ints++]!, v);
      else layout.stack.push(v);
    } else if (vecs < VECTOR_ARG_COUNT) {
      layout.vectors.set(vecs++, a.value);
    } else {
      layout.stack.push(f64Bits(a.value));
    }
  }
  layout.vectorCount = vecs;
  return layout;
}

export function f64Bits(v: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v, true);
  return view.getBigUint64(0, true);
}

/**
 * Where rsp must be at the callee's first instruction: the stack arguments sit at rsp+8, rsp+16, …, the
 * return address at rsp, and rsp+8 is 16-byte aligned (so rsp % 16 == 8 on entry, as after a `call`).
 * `top` is the highest usable address; a 128-byte red zone of the caller is left free above the arguments.
 */
export function entryStackPointer(top: VirtAddr, stackWords: number): VirtAddr {
  const argsBase = Math.floor((top - 128 - stackWords * 8) / 16) * 16;
  return argsBase - 8;
}

/** One argument of a guest call, as a user typed it (`picemu run`, the REPL's `call`). */
export type CallArg =
  | { kind: 'int'; value: bigint }
  | { kind: 'str'; text: string }
  | { kind: 'hex'; bytes: Uint8Array }
  | { kind: 'f64'; value: number };

/** A call argument given as text that is not one of parseCallArg's forms. */
export class CallArgError extends Error {
  override name = 'CallArgError';
}

/**
 * One call argument as users type it (SPEC.md's `run` ARG, the REPL's `call`): an integer (decimal, negative or
 * 0x hex), `str:TEXT`, `hex:BYTES` or `f64:NUMBER`. Throws CallArgError for anything else.
 */
export function parseCallArg(text: string): CallArg {
  if (text.startsWith('str:')) return { kind: 'str', text: text.slice(4) };
  if (text.startsWith('hex:')) {
    const digits = text.slice(4).replace(/[\s_:]/g, '');
    if (digits.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(digits)) throw new CallArgError(`bad hex: argument '${text}' (want pairs of hex digits)`);
    const bytes = new Uint8Array(digits.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
    return { kind: 'hex', bytes };
  }
  if (text.startsWith('f64:')) {
    const body = text.slice(4).trim();
    // Number('') is 0 and Number('0x10') is 16: accept only decimal/exponent forms and the IEEE specials.
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(body) && !/^[-+]?(inf|infinity|nan)$/i.test(body)) {
      throw new CallArgError(`bad f64: argument '${text}'`);
    }
    const special = body.replace(/^[-+]/, '').toLowerCase();
    const value = special.startsWith('inf') ? (body.startsWith('-') ? -Infinity : Infinity) : special === 'nan' ? NaN : Number(body);
    return { kind: 'f64', value };
  }
  const value = parseInteger(text);
  if (value === undefined) throw new CallArgError(`bad argument '${text}': want an integer, str:TEXT, hex:BYTES or f64:NUMBER`);
  if (value < -(1n << 63n) || value >= 1n << 64n) throw new CallArgError(`argument '${text}' does not fit in 64 bits`);
  return { kind: 'int', value };
}

export const RETURN_TYPES = ['int', 'uint', 'long', 'ulong', 'ptr', 'f64', 'cstr', 'void'] as const;
export type ReturnKind = (typeof RETURN_TYPES)[number];

/** A call's result as the caller asked for it. */
export type CallResult =
  | { type: 'int' | 'uint' | 'long' | 'ulong'; value: bigint }
  | { type: 'ptr'; value: VirtAddr | bigint }
  | { type: 'f64'; value: number }
  | { type: 'cstr'; value: string | null; address: VirtAddr }
  | { type: 'void' };

/** Reads a return value from rax/xmm0; `readCString` reads the guest string at an address (null when unreadable). */
export function decodeResult(kind: ReturnKind, rax: bigint, xmm0Bits: bigint, readCString: (va: VirtAddr) => string | null): CallResult {
  switch (kind) {
    case 'int': return { type: 'int', value: BigInt.asIntN(32, rax) };
    case 'uint': return { type: 'uint', value: BigInt.asUintN(32, rax) };
    case 'long': return { type: 'long', value: BigInt.asIntN(64, rax) };
    case 'ulong': return { type: 'ulong', value: BigInt.asUintN(64, rax) };
    case 'ptr': {
      const v = BigInt.asUintN(64, rax);
      return { type: 'ptr', value: v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v };
    }
    case 'f64': {
      const view = new DataView(new ArrayBuffer(8));
      view.setBigUint64(0, BigInt.asUintN(64, xmm0Bits), true);
      return { type: 'f64', value: view.getFloat64(0, true) };
    }
    case 'cstr': {
      const address = Number(BigInt.asUintN(64, rax));
      return { type: 'cstr', value: address === 0 ? null : readCString(address), address };
    }
    case 'void': return { type: 'void' };
  }
}

/** SPEC.md's `results` strings: decimal for integers, 0x hex for ptr, shortest round-trip decimal for f64, the string for cstr. */
export function resultText(r: CallResult): string {
  switch (r.type) {
    case 'int': case 'uint': case 'long': case 'ulong': return r.value.toString();
    case 'ptr': return '0x' + r.value.toString(16);
    case 'f64': return Object.is(r.value, -0) ? '-0' : String(r.value);
    // C's NULL as C programmers write it; a pointer that is not NULL but cannot be read says so.
    case 'cstr': return r.value ?? (Number(r.address) === 0 ? 'NULL' : `(unreadable string at 0x${r.address.toString(16)})`);
    case 'void': return '';
  }
}
