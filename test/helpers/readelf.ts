// binutils' readelf as an oracle: runs it and parses the parts of its output the ELF tests compare.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const opts = { encoding: 'utf8' as const, maxBuffer: 1024 * 1024 * 1024 };

export function readelf(args: string[], path: string): string {
  return execFileSync('readelf', [...args, path], { ...opts, stdio: ['ignore', 'pipe', 'ignore'] });
}

export async function readelfAsync(args: string[], path: string): Promise<string> {
  const { stdout } = await execFileAsync('readelf', [...args, path], opts);
  return stdout;
}

/** The "Program Headers:" block of `readelf -lW` (up to the blank line before "Section to Segment mapping"). */
export function programHeadersBlock(text: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf('Program Headers:');
  if (start < 0) return text.includes('There are no program headers') ? 'There are no program headers in this file.\n' : '';
  let end = start;
  while (end < lines.length && lines[end] !== '') end++;
  return lines.slice(start, end).join('\n') + '\n';
}

export interface ReadelfSymbol {
  index: number;
  value: bigint;
  size: bigint;
  type: string;
  bind: string;
  vis: string;
  ndx: string;
  /** Name with readelf's version suffix. */
  name: string;
}

/** Symbol tables from `readelf -sW [--dyn-syms]`, by table name ('.dynsym', '.symtab'). */
export function parseSymbolTables(text: string): Map<string, ReadelfSymbol[]> {
  const tables = new Map<string, ReadelfSymbol[]>();
  let current: ReadelfSymbol[] | undefined;
  for (const line of text.split('\n')) {
    const t = /^Symbol table '([^']+)' contains/.exec(line);
    if (t) {
      current = [];
      tables.set(t[1]!, current);
      continue;
    }
    const m = /^\s*(\d+): ([0-9a-f]+)\s+(0x[0-9a-f]+|\d+) (<[^>]*>: \d+|\S+)\s+(<[^>]*>: \d+|\S+)\s+(\S+)(?: \[[^\]]*\])?\s+(\S+) ?(.*)$/.exec(line);
    if (m && current) {
      current.push({
        index: Number(m[1]), value: BigInt('0x' + m[2]), size: BigInt(m[3]!), type: m[4]!, bind: m[5]!, vis: m[6]!, ndx: m[7]!, name: m[8]!,
      });
    }
  }
  return tables;
}

export interface ReadelfReloc {
  offset: bigint;
  info: bigint;
  type: string;
  /** Symbol name with version, '' when none. */
  symbol: string;
  addend: bigint;
}

export interface ReadelfRelocSection {
  name: string;
  entries: ReadelfReloc[];
  /** For .relr.dyn: the expanded offsets readelf lists. */
  relr?: bigint[];
}

/** Relocation sections from `readelf -rW`. */
export function parseRelocations(text: string): ReadelfRelocSection[] {
  const out: ReadelfRelocSection[] = [];
  let cur: ReadelfRelocSection | undefined;
  for (const line of text.split('\n')) {
    const h = /^Relocation section '([^']+)' at offset/.exec(line);
    if (h) {
      cur = { name: h[1]!, entries: [] };
      if (/relr/.test(cur.name)) cur.relr = [];
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    if (cur.relr) {
      const r = /^([0-9a-f]{16})\s*(.*)$/.exec(line);
      if (r) cur.relr.push(BigInt('0x' + r[1]));
      continue;
    }
    const m = /^([0-9a-f]{16})\s+([0-9a-f]{16})\s+(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const rest = m[4]!.trim();
    let symbol = '';
    let addend = 0n;
    // The symbol's value column, or `name()` for an IFUNC symbol, then `name + addend`.
    const withSym = /^([0-9a-f]{16}|\S+\(\))\s+(.*?)\s+([+-])\s+([0-9a-f]+)$/.exec(rest);
    if (withSym) {
      symbol = withSym[2]!;
      addend = BigInt('0x' + withSym[4]) * (withSym[3] === '-' ? -1n : 1n);
    } else if (rest !== '') {
      const neg = rest.startsWith('-');
      addend = BigInt('0x' + rest.replace(/^-/, '')) * (neg ? -1n : 1n);
    }
    cur.entries.push({ offset: BigInt('0x' + m[1]), info: BigInt('0x' + m[2]), type: m[3]!, symbol, addend });
  }
  return out;
}

export interface ReadelfSection {
  index: number;
  name: string;
  type: string;
  addr: bigint;
  offset: bigint;
  size: bigint;
  entsize: bigint;
  flags: string;
  link: number;
  info: number;
  align: bigint;
}

/** Section headers from `readelf -SW`. */
export function parseSections(text: string): ReadelfSection[] {
  const out: ReadelfSection[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*\[\s*(\d+)\] (.*?)\s+(\S+(?: SECTION INDICES)?)\s+([0-9a-f]{16}) ([0-9a-f]{6,}) ([0-9a-f]{6,}) ([0-9a-f]{2,})\s+(\S*)\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(line);
    if (!m) continue;
    out.push({
      index: Number(m[1]), name: m[2]!, type: m[3]!, addr: BigInt('0x' + m[4]), offset: BigInt('0x' + m[5]), size: BigInt('0x' + m[6]),
      entsize: BigInt('0x' + m[7]), flags: m[8]!, link: Number(m[9]), info: Number(m[10]), align: BigInt(m[11]!),
    });
  }
  return out;
}

export interface ReadelfDynamic {
  tag: bigint;
  type: string;
  value: string;
}

/** Dynamic entries from `readelf -dW` (tag, readelf's type name, and its value text). */
export function parseDynamic(text: string): ReadelfDynamic[] {
  const out: ReadelfDynamic[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*0x([0-9a-f]{16}) \((\S+)\)\s+(.*)$/.exec(line);
    if (m) out.push({ tag: BigInt('0x' + m[1]), type: m[2]!, value: m[3]! });
  }
  return out;
}
