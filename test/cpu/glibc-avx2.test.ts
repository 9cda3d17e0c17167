// glibc's avx2 string and memory functions, as the x86-64-v3 profile makes libc bind them, run in picemu and
// compared with the same calls made natively (test/helpers/c/libc_strings.c): sizes 0..4096 sampled,
// alignments 0..63, the buffer against either end of a page next to a PROT_NONE guard page.
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { buildCHelper, hasCc, requireOracle } from '../helpers/oracles.ts';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rng } from './host-exec.ts';

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';
const PAGE = 4096;
const FUNCS = ['strlen', 'memchr', 'memcmp', 'strcmp', 'memcpy', 'memmove', 'memset'] as const;
type Func = (typeof FUNCS)[number];
/** The variant x86-64-v3 binds (libc's ifunc resolvers), by the symbol libc6-dbg names at that address. */
const VARIANT: Record<Func, string> = {
  strlen: '__strlen_avx2', memchr: '__memchr_avx2', memcmp: '__memcmp_avx2_movbe', strcmp: '__strcmp_avx2',
  memcpy: '__memmove_avx_unaligned_erms', memmove: '__memmove_avx_unaligned_erms', memset: '__memset_avx2_unaligned_erms',
};

interface Case { func: Func; size: number; aa: number; ab: number; place: 'start' | 'end'; seed: number }

function cases(n: number, seed: number): Case[] {
  const r = rng(seed);
  const out: Case[] = [];
  for (let k = 0; k < n; k++) {
    // Sizes: every one up to 80, then spread to 4096 (with the vector-size edges more often).
    const edge = [31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 4095, 4096][r() % 14];
    const size = k % 3 === 0 ? k % 81 : k % 3 === 1 ? edge : r() % 4097;
    out.push({ func: FUNCS[k % FUNCS.length], size, aa: r() % 64, ab: r() % 64, place: r() % 2 ? 'end' : 'start', seed: (r() >>> 0) || 1 });
  }
  return out;
}

/** The native answers: "RESULT FNV" per case. */
function native(cs: Case[]): string[] {
  const exe = buildCHelper('libc_strings');
  const input = cs.map((c) => `${c.func} ${c.size} ${c.aa} ${c.ab} ${c.place} ${c.seed}`).join('\n') + '\n';
  return execFileSync(exe, { input, encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n');
}

/** The same case in a picemu process: the buffers laid out as libc_strings.c lays them, the call, the digest. */
function emulated(machine: Machine, cs: Case[]): { results: string[]; variants: Map<Func, string> } {
  const p = machine.spawn();
  p.load(LIBC);
  const region = p.space.mmap({ length: 5 * PAGE, prot: 0, anonymous: true });
  const rw = region + PAGE;
  p.space.mprotect(rw, 3 * PAGE, 3);
  const buf = new Uint8Array(3 * PAGE);
  const results: string[] = [];
  const variants = new Map<Func, string>();
  for (const c of cs) {
    let s = c.seed >>> 0 || 1;
    const next = () => {
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      return s;
    };
    for (let k = 0; k < buf.length; k++) buf[k] = (next() % 255) + 1;
    const isStr = c.func === 'strlen' || c.func === 'strcmp';
    const len = c.size + (isStr ? 1 : 0);
    const a = c.place === 'end' ? 3 * PAGE - len : c.aa;
    const b = c.place === 'end' ? c.ab : PAGE + 64 + c.ab;
    const pick = next();
    let args: bigint[] = [];
    let ret: 'ulong' | 'long' | 'int' | 'void' | 'ptr' = 'void';
    const at = (o: number) => BigInt(rw + o);
    switch (c.func) {
      case 'strlen':
        buf[a + c.size] = 0;
        args = [at(a)];
        ret = 'ulong';
        break;
      case 'memchr': {
        const present = c.size > 0 && pick % 4 !== 0;
        const ch = present ? buf[a + (pick % c.size)] : 0;
        if (!present) for (let k = 0; k < c.size; k++) if (buf[a + k] === 0) buf[a + k] = 1;
        args = [at(a), BigInt(ch), BigInt(c.size)];
        ret = 'ulong';
        break;
      }
      case 'memcmp':
      case 'strcmp': {
        buf.copyWithin(b, a, a + len);
        if (isStr) buf[a + c.size] = buf[b + c.size] = 0;
        if (c.size && pick % 3) buf[b + (pick % c.size)] = (next() % 255) + 1;
        args = isStr ? [at(a), at(b)] : [at(a), at(b), BigInt(c.size)];
        ret = 'int';
        break;
      }
      case 'memcpy':
        args = [at(b), at(a), BigInt(c.size)];
        break;
      case 'memmove': {
        let dst = a + (pick % 141) - 70;
        if (dst < 0) dst = 0;
        if (dst + c.size > 3 * PAGE) dst = 3 * PAGE - c.size;
        args = [at(dst), at(a), BigInt(c.size)];
        break;
      }
      case 'memset':
        args = [at(a), BigInt(pick & 0xff), BigInt(c.size)];
        break;
    }
    p.space.poke(rw, buf);
    const out = p.call(c.func, args, { ret: ret === 'void' ? 'ulong' : ret });
    if (!variants.has(c.func)) variants.set(c.func, p.locate(p.resolve(c.func)).symbol ?? '?');
    const value = out.result as unknown as { value?: bigint };
    let result = '0';
    if (c.func === 'strlen') result = String(value.value);
    else if (c.func === 'memchr') result = value.value === 0n ? '-1' : String(value.value! - at(a));
    else if (c.func === 'memcmp' || c.func === 'strcmp') result = String(Math.sign(Number(BigInt.asIntN(32, value.value!))));
    const after = p.space.peek(rw, 3 * PAGE)!;
    let h = 0xcbf29ce484222325n;
    for (const byte of after) h = BigInt.asUintN(64, (h ^ BigInt(byte)) * 0x100000001b3n);
    results.push(`${result} ${h.toString(16).padStart(16, '0')}`);
  }
  return { results, variants };
}

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

