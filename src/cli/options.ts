// Option parsing for every command: `--opt value`, `--opt=value`, flags, `--` ending options, negative numbers as
// arguments; `--help`/`-h` anywhere before `--` asks for help. Bad usage is a UsageError naming the option.
import { parseInteger } from '../util/numbers.ts';
import { UsageError } from './errors.ts';

export interface OptionSpec {
  /** `--procs` */
  name: string;
  /** The value's placeholder (`N`, `TYPE`); absent for a flag. */
  value?: string;
  help: string;
  /** May be given more than once (every value is kept). */
  repeatable?: boolean;
}

export interface ParsedOptions {
  positional: string[];
  /** Option name → its values in order (a flag has one empty string per use). */
  values: Map<string, string[]>;
}

/** Thrown by parseOptions for `--help`: the CLI prints the command's help and exits 0. */
export class HelpRequest extends Error {
  override name = 'HelpRequest';
}

const isNumber = (a: string): boolean => parseInteger(a) !== undefined || /^-(\d|\.\d)/.test(a);

export function parseOptions(argv: readonly string[], specs: readonly OptionSpec[]): ParsedOptions {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: ParsedOptions = { positional: [], values: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      out.positional.push(...argv.slice(i + 1));
      break;
    }
    if (a === '--help' || a === '-h') throw new HelpRequest();
    if (!a.startsWith('-') || a === '-' || isNumber(a)) {
      out.positional.push(a);
      continue;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    const spec = byName.get(name);
    if (!spec) throw new UsageError(`unknown option '${name}'`);
    let value = '';
    if (spec.value) {
      const next = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (next === undefined) throw new UsageError(`${name} needs a value (${spec.value})`);
      value = next;
    } else if (eq > 0) {
      throw new UsageError(`${name} takes no value`);
    }
    const seen = out.values.get(name);
    if (seen && !spec.repeatable && spec.value) throw new UsageError(`${name} given twice`);
    out.values.set(name, [...(seen ?? []), value]);
  }
  return out;
}

/** The last value of an option, or undefined. */
export const optionValue = (p: ParsedOptions, name: string): string | undefined => p.values.get(name)?.at(-1);
export const hasFlag = (p: ParsedOptions, name: string): boolean => p.values.has(name);

/** An integer option within [min, max] (decimal or 0x hex), or `fallback` when absent. */
export function integerOption(p: ParsedOptions, name: string, min: number, max: number, fallback: number): number {
  const text = optionValue(p, name);
  if (text === undefined) return fallback;
  const v = parseInteger(text);
  if (v === undefined || v < BigInt(min) || v > BigInt(max)) throw new UsageError(`${name}: bad value '${text}' (want an integer from ${min} to ${max})`);
  return Number(v);
}

/** A number of seconds (> 0, decimals allowed), or undefined when absent. */
export function secondsOption(p: ParsedOptions, name: string): number | undefined {
  const text = optionValue(p, name);
  return text === undefined ? undefined : parseSeconds(name, text);
}

/** `text` as a number of seconds (> 0, decimals allowed), or a UsageError naming the option. */
export function parseSeconds(name: string, text: string): number {
  const v = /^(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : NaN;
  if (!(v > 0) || v > 1e6) throw new UsageError(`${name}: bad value '${text}' (want seconds, e.g. 5 or 0.5)`);
  return v;
}

/** --budget and --timeout, shared by the commands that run guest code (run, exec, repl); `what` says what they bound and the defaults. */
export function limitOptionSpecs(what: string, defaults: { budget: string; timeout: string }): OptionSpec[] {
  return [
    { name: '--budget', value: 'N', help: `stop ${what} after N instructions (default ${defaults.budget})` },
    { name: '--timeout', value: 'S', help: `stop ${what} after S seconds of wall-clock time (default ${defaults.timeout})` },
  ];
}

/** The limits of a library call (Process.call's defaults). */
export const LIMIT_OPTIONS: readonly OptionSpec[] = limitOptionSpecs('each call', { budget: '200000000', timeout: '30' });

export const MAX_BUDGET = Number.MAX_SAFE_INTEGER;

/** --budget's value: a number of instructions, at least 1 (decimal or 0x hex), or a UsageError. */
export function parseBudget(text: string): number {
  const v = parseInteger(text);
  if (v === undefined || v < 1n || v > BigInt(MAX_BUDGET)) throw new UsageError(`--budget: bad value '${text}' (want an integer from 1 to ${MAX_BUDGET})`);
  return Number(v);
}

/** --budget and --timeout as the library's CallOptions spell them. */
export function limitOptions(p: ParsedOptions): { budget?: number; deadlineMs?: number } {
  const text = optionValue(p, '--budget');
  const budget = text === undefined ? undefined : parseBudget(text);
  const seconds = secondsOption(p, '--timeout');
  return { ...(budget !== undefined ? { budget } : {}), ...(seconds !== undefined ? { deadlineMs: Math.round(seconds * 1000) } : {}) };
}
