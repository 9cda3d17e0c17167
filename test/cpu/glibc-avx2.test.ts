// glibc's avx2 string and memory functions, as the x86-64-v3 profile makes libc bind them, run in picemu and
// compared with the same calls made natively (test/helpers/c/libc_strings.c): sizes 0..4096 sampled,
// alignments 0..63, the buffer against either end of a page next to a PROT_NONE guard page.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Machine } from '../../src/process/machine.ts';
import { hasCc, requireOracle } from '../helpers/oracles.ts';
import { cases, emulated, LIBC, native, VARIANT } from './glibc-strings.ts';

/** libc's debug symbols (Debian's libc6-dbg, by build ID): where readelf says each avx2 variant starts. */
function debugSymbols(): Map<string, number> | null {
  const id = /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', LIBC], { encoding: 'utf8' }))?.[1];
  const file = id && `/usr/lib/debug/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`;
  if (!requireOracle("libc's debug symbols", Boolean(file && existsSync(file)), 'apt-get install libc6-dbg')) return null;
  const out = new Map<string, number>();
  for (const line of execFileSync('readelf', ['-sW', file!], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')) {
    const m = /^\s*\d+: ([0-9a-f]+)\s+\d+ FUNC\s+\w+\s+\w+\s+\d+ (\S+)$/.exec(line);
    if (m) out.set(m[2], parseInt(m[1], 16));
  }
  return out;
}

const hostHasAvx2 = /^flags\s*:.*\bavx2\b/m.test((await import('node:fs')).readFileSync('/proc/cpuinfo', 'utf8'));

describe.skipIf(!hasCc() || !existsSync(LIBC) || !hostHasAvx2)("glibc's avx2 string functions in picemu vs native", () => {
  it('700 sampled cases (7 functions, sizes 0..4096, alignments 0..63, both ends of a page) equal the native results', async () => {
    const cs = cases(700, 20261205);
    const expected = native(cs);
    const machine = await Machine.create({ cpu: 'x86-64-v3' });
    const { results } = emulated(machine, cs);
    const bad = cs.map((c, i) => (results[i] !== expected[i] ? `${c.func} size ${c.size} align ${c.aa}/${c.ab} ${c.place} seed ${c.seed}: picemu ${results[i]} native ${expected[i]}` : null)).filter(Boolean);
    expect(bad.slice(0, 20), `${bad.length} of ${cs.length} differ`).toEqual([]);
  }, 300_000);

  it("x86-64-v3 binds the avx2 variants (libc's ifunc resolvers, checked by libc6-dbg's symbols); x86-64-v2 the sse2 ones", async () => {
    const symbols = debugSymbols();
    if (!symbols) return;
    for (const [cpu, expect2] of [['x86-64-v3', VARIANT], ['x86-64-v2', { strlen: '__strlen_sse2', memchr: '__memchr_sse2', memcpy: '__memmove_sse2_unaligned' }]] as const) {
      const machine = await Machine.create({ cpu });
      const p = machine.spawn();
      p.load(LIBC);
      const base = p.baseOf('libc.so.6')!;
      for (const [func, variant] of Object.entries(expect2)) expect(`${cpu} ${func} → 0x${(p.resolve(func) - base).toString(16)}`).toBe(`${cpu} ${func} → 0x${symbols.get(variant)!.toString(16)}`);
    }
  });
});

