// gdb's `info symbol` as the oracle for names: batch mode on a library file (gdb finds the library's separate debug
// file under /usr/lib/debug by build ID, as picemu does), one answer per link-time address.
import { execFileSync, spawnSync } from 'node:child_process';
import { requireOracle } from './oracles.ts';

export const hasGdb = (): boolean => requireOracle('gdb', spawnSync('gdb', ['--version']).status === 0, 'apt-get install gdb');

/** gdb's `info symbol` for each link-time address (hex strings): `name+0xN`, `name`, or null for "No symbol matches". */
export function gdbInfoSymbol(lib: string, addresses: string[]): (string | null)[] {
  const out = execFileSync('gdb', ['-batch', '-nx', ...addresses.flatMap((a) => ['-ex', `info symbol ${a}`]), lib], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = out.trim().split('\n');
  if (lines.length !== addresses.length) throw new Error(`gdb answered ${lines.length} lines for ${addresses.length} addresses:\n${out}`);
  return lines.map((l) => {
    if (l.startsWith('No symbol matches')) return null;
    const m = /^(\S+)(?: \+ (\d+))? in section /.exec(l);
    if (!m) throw new Error(`unexpected gdb output: ${l}`);
    return m[2] ? `${m[1]}+0x${Number(m[2]).toString(16)}` : m[1]!;
  });
}
