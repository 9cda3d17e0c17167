// Native-execution oracles for tests: call a library function on the real machine (native_call.c) and
// observe the signal the kernel delivers when a function faults (signal_probe.c).
import { execFileSync } from 'node:child_process';
import { buildCHelper } from './oracles.ts';

export type NativeReturn = 'int' | 'uint' | 'long' | 'ulong' | 'ptr' | 'f64' | 'cstr' | 'void';

export interface NativeCallOptions {
  /** How many times to call the function in one process (default 1). */
  calls?: number;
  /** How to print the result (default 'int'), as `picemu run --ret`. */
  ret?: NativeReturn;
}

/** Formats a double as the shortest decimal that round-trips (JavaScript's own `String(number)`). */
export function formatF64Bits(bitsHex: string): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(bitsHex));
  return String(view.getFloat64(0));
}

/**
 * dlopens `lib` natively (RTLD_NOW) and calls `symbol` `calls` times in one process with `args` (integers,
 * `str:TEXT`, `hex:BYTES`, `f64:NUMBER`, as `picemu run` takes them). Returns one string per call: decimal
 * for integer types, 0x-hex for ptr, shortest round-trip decimal for f64, the string for cstr, '' for void.
 */
export function nativeCall(lib: string, symbol: string, args: (string | number | bigint)[] = [], options: NativeCallOptions = {}): string[] {
  const calls = options.calls ?? 1;
  const ret = options.ret ?? 'int';
  const exe = buildCHelper('native_call', ['-ldl']);
  const out = execFileSync(exe, [lib, symbol, String(calls), ret, ...args.map(String)], { encoding: 'utf8' });
  const lines = out.split('\n');
  lines.pop(); // the text ends with a newline
  if (lines.length !== calls) throw new Error(`native_call printed ${lines.length} lines for ${calls} calls: ${JSON.stringify(out)}`);
  return ret === 'f64' ? lines.map((l) => formatF64Bits(l.slice('f64:'.length))) : lines;
}

/** What the kernel reported for a faulting native call (offsets are relative to the library's base). */
export interface NativeSignal {
  signal: 'SIGSEGV' | 'SIGILL' | 'SIGFPE' | 'SIGTRAP' | 'SIGBUS';
  signo: number;
  /** si_code, e.g. SEGV_MAPERR = 1, SEGV_ACCERR = 2, ILL_ILLOPN = 2, FPE_INTDIV = 1, SI_KERNEL = 0x80. */
  code: number;
  /** si_addr, absolute. */
  addr: bigint;
  /** si_addr - base when si_addr lies inside the library, else null. */
  addrOffset: number | null;
  /** The RIP the kernel saved in the signal frame, absolute, and relative to the base. */
  rip: bigint;
  ripOffset: number | null;
  base: bigint;
}

export type NativeOutcome = NativeSignal | { returned: bigint; base: bigint };

/** Calls `symbol` of `lib` natively in a child process with fault handlers installed; reports the signal. */
export function nativeSignal(lib: string, symbol: string, args: (number | bigint)[] = []): NativeOutcome {
  const exe = buildCHelper('signal_probe', ['-ldl']);
  const out = execFileSync(exe, [lib, symbol, ...args.map(String)], { encoding: 'utf8' });
  const raw = JSON.parse(out.trim()) as Record<string, unknown>;
  if ('returned' in raw) return { returned: BigInt(raw.returned as string), base: BigInt(raw.base as string) };
  const offset = (v: unknown): number | null => (v === null ? null : Number(v as string));
  return {
    signal: raw.signal as NativeSignal['signal'],
    signo: raw.signo as number,
    code: raw.code as number,
    addr: BigInt(raw.addr as string),
    addrOffset: offset(raw.addrOffset),
    rip: BigInt(raw.rip as string),
    ripOffset: offset(raw.ripOffset),
    base: BigInt(raw.base as string),
  };
}
