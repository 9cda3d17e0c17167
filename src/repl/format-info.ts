// gdb's `info` views: registers with decoded flags (and vector/x87 on request), breakpoints, shared libraries,
// inferiors, proc mappings, frame.
import { hex } from '../util/numbers.ts';
import type { Palette } from './palette.ts';

export interface RegisterFacts {
  name: string;
  value: bigint;
  bits: number;
  /** gdb's group: general, float (x87), vector (xmm, mxcsr, ymm), system (fs_base…). */
  group: 'general' | 'float' | 'vector' | 'system';
}

const EFLAGS: [string, number][] = [['CF', 0], ['PF', 2], ['AF', 4], ['ZF', 6], ['SF', 7], ['TF', 8], ['IF', 9], ['DF', 10], ['OF', 11], ['NT', 14], ['RF', 16], ['VM', 17], ['AC', 18], ['VIF', 19], ['VIP', 20], ['ID', 21]];
const MXCSR: [string, number][] = [['IE', 0], ['DE', 1], ['ZE', 2], ['OE', 3], ['UE', 4], ['PE', 5], ['DAZ', 6], ['IM', 7], ['DM', 8], ['ZM', 9], ['OM', 10], ['UM', 11], ['PM', 12], ['FZ', 15]];

/** `[ IF ZF PF ]`, as gdb decodes eflags and mxcsr. */
export function decodeFlags(value: bigint, bits: [string, number][]): string {
  const set = bits.filter(([, b]) => (value >> BigInt(b)) & 1n).map(([n]) => n);
  return `[ ${set.join(' ')}${set.length ? ' ' : ''}]`;
}

function lanes(value: bigint, laneBits: number, count: number): bigint[] {
  return Array.from({ length: count }, (_, k) => BigInt.asUintN(laneBits, value >> BigInt(k * laneBits)));
}

/** One `info registers` line: name, hex, natural (decimal, flags, or vector lanes). */
export function registerLine(r: RegisterFacts, changed: boolean, pal: Palette, codeSymbol?: (va: number) => string | undefined): string {
  let natural: string;
  if (r.name === 'eflags' || r.name === 'rflags') natural = decodeFlags(r.value, EFLAGS);
  else if (r.name === 'mxcsr') natural = decodeFlags(r.value, MXCSR);
  else if (r.bits >= 128) {
    const l32 = lanes(r.value, 32, r.bits / 32).map((v) => hex(v));
    const l64 = lanes(r.value, 64, r.bits / 64).map((v) => hex(v));
    natural = `{v${r.bits / 32}_int32 = {${l32.join(', ')}}, v${r.bits / 64}_int64 = {${l64.join(', ')}}}`;
  } else if (r.bits === 80) natural = hex(r.value);
  else if (r.name === 'rip') {
    const sym = r.value < 1n << 53n ? codeSymbol?.(Number(r.value)) : undefined;
    natural = hex(r.value) + (sym ? ` <${sym}>` : '');
  } else if (r.name === 'rsp' || r.name === 'rbp') natural = hex(r.value);
  else natural = BigInt.asIntN(r.bits, r.value).toString();
  const line = `${r.name.padEnd(15)}${hex(r.value).padEnd(19)}${natural}`;
  return changed ? `${pal.changed(line)} *` : line;
}

/** `codeSymbol` names rip's place as gdb does (`fn+9`, decimal offset). */
export function formatRegisterTable(regs: readonly RegisterFacts[], changed: ReadonlySet<string>, pal: Palette, codeSymbol?: (va: number) => string | undefined): string {
  return regs.map((r) => registerLine(r, changed.has(r.name) || (r.name === 'eflags' && changed.has('rflags')), pal, codeSymbol)).join('\n');
}

export interface BreakpointFacts {
  id: number;
  temporary: boolean;
  enabled: boolean;
  /** Address in the current process, when it resolves there. */
  address?: number;
  what: string;
  condition?: string;
  hits: number;
}

export function formatBreakpoints(list: readonly BreakpointFacts[]): string {
  if (list.length === 0) return 'No breakpoints.';
  const lines = ['Num     Type           Disp Enb Address            What'];
  for (const b of list) {
    const address = b.address !== undefined ? '0x' + b.address.toString(16).padStart(16, '0') : '<not here>'.padEnd(18);
    lines.push(`${String(b.id).padEnd(8)}${'breakpoint'.padEnd(15)}${(b.temporary ? 'del' : 'keep').padEnd(5)}${(b.enabled ? 'y' : 'n').padEnd(4)}${address} ${b.what}`);
    if (b.condition) lines.push(`\tstop only if ${b.condition}`);
    if (b.hits) lines.push(`\tbreakpoint already hit ${b.hits} time${b.hits === 1 ? '' : 's'}`);
  }
  return lines.join('\n');
}

export interface LibraryFacts {
  path: string;
  /** .text's mapped start and end, as gdb's From and To. */
  from?: number;
  to?: number;
  symbols: boolean;
}

export function formatSharedLibraries(libs: readonly LibraryFacts[]): string {
  if (libs.length === 0) return 'No shared libraries loaded at this time.';
  const addr = (v?: number) => (v === undefined ? ''.padEnd(18) : '0x' + v.toString(16).padStart(16, '0'));
  return ['From                To                  Syms Read   Shared Object Library',
    ...libs.map((l) => `${addr(l.from)}  ${addr(l.to)}  ${(l.symbols ? 'Yes' : 'Yes (*)').padEnd(12)}${l.path}`)].join('\n');
}

/** `info proc mappings`: gdb's table over a maps text. */
export function formatProcMappings(pid: number, maps: string): string {
  const lines = [`process ${pid}`, 'Mapped address spaces:', '', `${'Start Addr'.padStart(20)}${'End Addr'.padStart(19)}${'Size'.padStart(11)}${'Offset'.padStart(11)}  Perms  objfile`];
  for (const l of maps.split('\n')) {
    const f = l.trim().split(/\s+/);
    if (f.length < 5) continue;
    const [start, end] = f[0]!.split('-').map((x) => BigInt('0x' + x)) as [bigint, bigint];
    lines.push(`${hex(start).padStart(20)}${hex(end).padStart(19)}${hex(end - start).padStart(11)}${hex(BigInt('0x' + f[2]!)).padStart(11)}  ${f[1]!.padEnd(5)}  ${f.slice(5).join(' ')}`);
  }
  return lines.join('\n');
}
