// Parses `picemu run LIB SYMBOL [ARG...] [options]` (SPEC.md) into a typed request; bad usage is a UsageError.
import { RETURN_TYPES, type CallArg, type ReturnKind } from '../process/call-args.ts';
import { parseInteger } from '../util/numbers.ts';
import { UsageError } from './errors.ts';
import { ENGINE_USAGE, takeEngineOption } from './engine-option.ts';
import type { EngineName } from '../process/engines/engine.ts';

export type { CallArg };
export type ReturnType = ReturnKind;

export interface RunRequest {
  library: string;
  symbol: string;
  args: CallArg[];
  procs: number;
  calls: number;
  /** undefined: the default bases (different per process, fixed). */
  seed?: number;
  trace: boolean;
  json: boolean;
  ret: ReturnType;
  /** What executes the code (default picemu's CPU). */
  engine?: EngineName;
}

export const RUN_USAGE = `usage: picemu run LIB SYMBOL [ARG...] [--procs N] [--calls K] [--seed S] [--ret TYPE] [--trace] [--json] [${ENGINE_USAGE}]
  ARG: an integer (decimal, negative or 0x hex), str:TEXT, hex:BYTES, f64:NUMBER
  --ret: ${RETURN_TYPES.join(', ')}`;

/** One ARG of SPEC.md's `run`. */
export function parseCallArg(text: string): CallArg {
  if (text.startsWith('str:')) return { kind: 'str', text: text.slice(4) };
  if (text.startsWith('hex:')) {
    const digits = text.slice(4).replace(/[\s_:]/g, '');
    if (digits.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(digits)) throw new UsageError(`bad hex: argument '${text}' (want pairs of hex digits)`);
    const bytes = new Uint8Array(digits.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
    return { kind: 'hex', bytes };
  }
  if (text.startsWith('f64:')) {
    const body = text.slice(4).trim();
    // Number('') is 0 and Number('0x10') is 16: accept only decimal/exponent forms and the IEEE specials.
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(body) && !/^[-+]?(inf|infinity|nan)$/i.test(body)) {
      throw new UsageError(`bad f64: argument '${text}'`);
    }
    const special = body.replace(/^[-+]/, '').toLowerCase();
    const value = special.startsWith('inf') ? (body.startsWith('-') ? -Infinity : Infinity) : special === 'nan' ? NaN : Number(body);
    return { kind: 'f64', value };
  }
  const value = parseInteger(text);
  if (value === undefined) throw new UsageError(`bad argument '${text}': want an integer, str:TEXT, hex:BYTES or f64:NUMBER`);
  if (value < -(1n << 63n) || value >= 1n << 64n) throw new UsageError(`argument '${text}' does not fit in 64 bits`);
  return { kind: 'int', value };
}

function count(option: string, text: string | undefined, min: number): number {
  if (text === undefined) throw new UsageError(`${option} needs a value`);
  const v = parseInteger(text);
  if (v === undefined || v < BigInt(min) || v > 4096n) throw new UsageError(`${option}: bad value '${text}' (want an integer from ${min} to 4096)`);
  return Number(v);
}

export function parseRunArgs(all: string[]): RunRequest {
  const { engine, rest: argv } = takeEngineOption(all);
  const positional: string[] = [];
  const req: Omit<RunRequest, 'library' | 'symbol' | 'args'> = { procs: 2, calls: 1, trace: false, json: false, ret: 'int', ...(engine ? { engine } : {}) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    // `--opt=value` is accepted as well as `--opt value`.
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    const inline = eq > 0 ? a.slice(eq + 1) : undefined;
    const value = (): string | undefined => inline ?? argv[++i];
    switch (name) {
      case '--procs': req.procs = count('--procs', value(), 1); break;
      case '--calls': req.calls = count('--calls', value(), 0); break;
      case '--seed': {
        const text = value();
        const v = text === undefined ? undefined : parseInteger(text);
        if (v === undefined || v < 0n || v > BigInt(Number.MAX_SAFE_INTEGER)) throw new UsageError(`--seed: bad value '${text ?? ''}' (want a non-negative integer)`);
        req.seed = Number(v);
        break;
      }
      case '--ret': {
        const text = value();
        if (!RETURN_TYPES.includes(text as ReturnType)) throw new UsageError(`--ret: bad type '${text ?? ''}' (want one of ${RETURN_TYPES.join(', ')})`);
        req.ret = text as ReturnType;
        break;
      }
      case '--trace': req.trace = true; break;
      case '--json': req.json = true; break;
      default:
        // A negative number is an argument, not an option.
        if (a.startsWith('--') || (a.startsWith('-') && parseInteger(a) === undefined && a.length > 1)) throw new UsageError(`unknown option '${a}'\n${RUN_USAGE}`);
        positional.push(a);
    }
  }
  if (positional.length < 2) throw new UsageError(`run needs LIB and SYMBOL\n${RUN_USAGE}`);
  const [library, symbol, ...rest] = positional as [string, string, ...string[]];
  return { library, symbol, args: rest.map(parseCallArg), ...req };
}
