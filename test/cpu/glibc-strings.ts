// glibc's string and memory functions in a picemu process and natively (test/helpers/c/libc_strings.c), case by
// case: the buffers laid out alike next to guard pages, the same call, the result and a digest of the pages.
import { execFileSync } from 'node:child_process';
import type { Machine } from '../../src/process/machine.ts';
import { buildCHelper } from '../helpers/oracles.ts';
import { rng } from './host-exec.ts';

export const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';
const PAGE = 4096;
export const FUNCS = ['strlen', 'memchr', 'memcmp', 'strcmp', 'memcpy', 'memmove', 'memset'] as const;
export type Func = (typeof FUNCS)[number];
/** The variant x86-64-v3 binds (libc's ifunc resolvers), by the symbol libc6-dbg names at that address. */
export const VARIANT: Record<Func, string> = {
  strlen: '__strlen_avx2', memchr: '__memchr_avx2', memcmp: '__memcmp_avx2_movbe', strcmp: '__strcmp_avx2',
  memcpy: '__memmove_avx_unaligned_erms', memmove: '__memmove_avx_unaligned_erms', memset: '__memset_avx2_unaligned_erms',
};

export interface Case { func: Func; size: number; aa: number; ab: number; place: 'start' | 'end'; seed: number }

export function cases(n: number, seed: number): Case[] {
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
export function native(cs: Case[]): string[] {
  const exe = buildCHelper('libc_strings');
  const input = cs.map((c) => `${c.func} ${c.size} ${c.aa} ${c.ab} ${c.place} ${c.seed}`).join('\n') + '\n';
  return execFileSync(exe, { input, encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n');
}

/** The same case in a picemu process: the buffers laid out as libc_strings.c lays them, the call, the digest. */
export function emulated(machine: Machine, cs: Case[]): { results: string[]; variants: Map<Func, string> } {
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


/** Every combination: each function × sizes × alignments (both buffers) × both page ends, seeds from `seed`. */
export function sweep(funcs: readonly Func[], sizes: number[], aligns: number[], seed: number): Case[] {
  const r = rng(seed);
  const out: Case[] = [];
  for (const func of funcs)
    for (const size of sizes)
      for (const aa of aligns)
        for (const place of ['start', 'end'] as const) out.push({ func, size, aa, ab: (aa * 7 + size) % 64, place, seed: r() >>> 0 || 1 });
  return out;
}
