// glibc's long double functions (sinl, expl, logl, powl, sqrtl, ... all x87 code) and the libc paths that use the
// x87 control/environment (strtod/sscanf/printf under fesetround, fegetenv/fesetenv, fetestexcept), called in
// picemu from a shared library built from test/helpers/c/x87_libm.c, against the same calls run natively.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { resultText } from '../../src/process/call-args.ts';
import { Machine } from '../../src/process/machine.ts';
import { buildCHelper, hasCc } from '../helpers/oracles.ts';
import { Rng } from './difftest-core.ts';
import { libcProgramsBlockedBy } from '../kernel/prerequisites.ts';

const FUNCTIONS = ['sinl', 'cosl', 'tanl', 'expl', 'logl', 'powl', 'sqrtl', 'atan2l', 'atanl', 'exp2l', 'log2l', 'log1pl', 'expm1l', 'fmodl', 'cbrtl', 'hypotl', 'log10l', 'remainderl', 'rintl', 'asinl'];
const PER_FUNCTION = 40;

const hex = (b: Uint8Array) => [...b].map((v) => v.toString(16).padStart(2, '0')).join('');

/** A long double (sign/exponent word, significand) as 16 bytes. */
function ld(se: number, m: bigint): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, m, true);
  dv.setUint16(8, se, true);
  return b;
}
function randomLd(r: Rng, minExp: number, maxExp: number, allowNegative = true): Uint8Array {
  const k = r.int(10);
  if (k === 0) return ld(r.pick([0, 0x8000, 0x7fff, 0xffff]), r.pick([0n, 0x8000000000000000n, 0xc000000000000000n]));
  const sign = allowNegative && r.chance(0.5) ? 0x8000 : 0;
  return ld(sign | (0x3fff + minExp + r.int(maxExp - minExp + 1)), 0x8000000000000000n | (r.u64() & 0x7fffffffffffffffn));
}

interface Case {
  fn: number;
  label: string;
  input: Uint8Array;
}

function cases(): Case[] {
  const r = new Rng(20261205);
  const out: Case[] = [];
  const two = (a: Uint8Array, b: Uint8Array) => {
    const x = new Uint8Array(32);
    x.set(a, 0);
    x.set(b, 16);
    return x;
  };
  FUNCTIONS.forEach((name, fn) => {
    for (let i = 0; i < PER_FUNCTION; i++) {
      const range: [number, number] = name === 'expl' || name === 'exp2l' || name === 'expm1l' ? [-20, 13] : name === 'asinl' ? [-30, -1] : name === 'log1pl' ? [-40, 10] : [-40, 40];
      const positive = /log|sqrt/.test(name) && name !== 'log1pl';
      out.push({ fn, label: name, input: two(randomLd(r, range[0], range[1], !positive), randomLd(r, name === 'powl' ? -6 : -40, name === 'powl' ? 6 : 40)) });
    }
  });
  const values = () => randomLd(r, -70, 70);
  for (let i = 0; i < 60; i++) out.push({ fn: 20, label: 'strfroml %.25Lg', input: values() });
  for (let i = 0; i < 30; i++) out.push({ fn: 21, label: 'strfroml %.6Lf', input: randomLd(r, -20, 60) });
  const numbers = ['3.14159265358979323846264338327950288', '1e-4950', '1.18973149535723176502e+4932', '0.1', '-2.5e-310', '123456789012345678901234567890', 'nan', '-inf', '0x1.8p-16400', '4.9406564584124654e-324'];
  for (const s of numbers) out.push({ fn: 22, label: `strtold ${s}`, input: new TextEncoder().encode(`${s}\0`) });
  for (let mode = 0; mode < 4; mode++) {
    for (const s of ['0.1', '2.2250738585072011e-308', '1.7976931348623158e308', '9007199254740993', '0.30000000000000004441', '1e23', '-7.0e-400', '123.456e-7']) {
      const b = new Uint8Array(64);
      b[0] = mode;
      b.set(new TextEncoder().encode(s), 16);
      out.push({ fn: 23, label: `strtod ${s} rounding ${mode}`, input: b });
    }
  }
  for (const s of ['1.5', ' -0.1e-3xyz', '6.02214076e23', 'inf', '0x1p-1074']) out.push({ fn: 24, label: `sscanf ${s}`, input: new TextEncoder().encode(`${s}\0`) });
  for (let i = 0; i < 10; i++) out.push({ fn: 25, label: 'fetestexcept after x87 1/0', input: values() });
  for (let mode = 0; mode < 4; mode++) for (let i = 0; i < 5; i++) {
    const b = new Uint8Array(32);
    b[0] = mode;
    b.set(values(), 16);
    out.push({ fn: 26, label: `fegetenv/fesetenv rounding ${mode}`, input: b });
  }
  for (let mode = 0; mode < 4; mode++) for (const v of [0.1, 1 / 3, 2 ** -1074, 1e300]) {
    const b = new Uint8Array(32);
    b[0] = mode;
    new DataView(b.buffer).setFloat64(16, v, true);
    out.push({ fn: 27, label: `strfromd %.17g of ${v} rounding ${mode}`, input: b });
  }
  return out;
}

/** Two result lines ("RET HEX") whose long doubles differ only by one unit in the last place. */
function oneUlpApart(a: string, b: string): boolean {
  const [ra, ha] = a.split(' '), [rb, hb] = b.split(' ');
  if (ra !== rb || ha.slice(20) !== hb.slice(20) || ha.slice(16, 20) !== hb.slice(16, 20)) return false;
  const m = (h: string) => BigInt(`0x${h.slice(0, 16).match(/../g)!.reverse().join('')}`);
  const d = m(ha) - m(hb);
  return d === 1n || d === -1n;
}

describe.skipIf(!hasCc())('x87 in glibc: long double functions and rounding-mode paths, picemu vs native', () => {
  it('every case returns what the native call returns (result bytes and return value)', async () => {
    const all = cases();
    const native = buildCHelper('x87_libm', ['-DNATIVE_MAIN', '-lm']);
    const expected = execFileSync(native, [], { input: all.map((c) => `${c.fn} ${hex(c.input)}`).join('\n') + '\n', encoding: 'utf8' }).trim().split('\n');
    const lib = buildCHelper('x87_libm', ['-shared', '-fPIC', '-lm']);
    const m = await Machine.create({ seed: 3 });
    const p = m.spawn();
    p.load(lib);
    const bad: string[] = [];
    const lastBit: string[] = [];
    for (const [i, c] of all.entries()) {
      const input = p.place(c.input.length < 64 ? Uint8Array.from([...c.input, ...new Uint8Array(64 - c.input.length)]) : c.input);
      const output = p.place(new Uint8Array(64));
      const ret = p.call('x87_run', [c.fn, input, output], { ret: 'int' }).result;
      const got = `${resultText(ret)} ${hex(p.space.peek(output, 64)!)}`;
      if (got === expected[i]) continue;
      const text = `${c.label} (input ${hex(c.input.subarray(0, 32))}): native ${expected[i].slice(0, 24)}, picemu ${got.slice(0, 24)}`;
      if (c.fn < FUNCTIONS.length && oneUlpApart(expected[i], got)) lastBit.push(text);
      else bad.push(text);
    }
    // The long double functions are built on FYL2X/FYL2XP1/F2XM1/FPTAN, whose last bit on the host CPU is not the
    // correctly rounded one (x87-transcendental-known.ts): such a 1-ulp difference carries into the function's result.
    console.log(`x87 libm: ${all.length} calls, ${lastBit.length} last-bit differences:\n${lastBit.join('\n')}`);
    expect(bad).toEqual([]);
    expect(lastBit.length).toBeLessThan(all.length / 40);
  }, 120_000);

  it.skipIf(libcProgramsBlockedBy() !== undefined)('the same calls and printf("%Lf") in the native program exec\'ed in picemu (libc fully started)', () => {
    const r = new Rng(7);
    // every fourth call of the library test (the exec'ed program is slower: libc's start-up, the stdio path)
    const all = [...cases().filter((_, i) => i % 4 === 0), ...Array.from({ length: 40 }, (_, i) => ({ fn: 28 + (i & 1), label: i & 1 ? 'printf %.25Lg|%La' : 'printf %Lf', input: randomLd(r, -70, 70) }))];
    const input = all.map((c) => `${c.fn} ${hex(c.input)}`).join('\n') + '\n';
    const program = buildCHelper('x87_libm', ['-DNATIVE_MAIN', '-lm']);
    const want = execFileSync(program, [], { input, encoding: 'utf8' }).trim().split('\n');
    const m = new Machine();
    const s = m.exec(program, { argv: [program], env: ['LC_ALL=C'], stdio: { stdin: Buffer.from(input) } });
    if (typeof s === 'number') throw new Error(`exec: ${s}`);
    m.kernel.run({ budget: 4_000_000_000, deadlineMs: 240_000, until: () => s.task.group.exit !== undefined });
    const got = Buffer.from(s.stdout!.bytes).toString('utf8').trim().split('\n');
    const bad: string[] = [];
    let lastBit = 0;
    want.forEach((w, i) => {
      if (got[i] === w) return;
      if (all[i].fn < FUNCTIONS.length && got[i] && oneUlpApart(w, got[i])) lastBit++;
      else bad.push(`${all[i].label}: native ${w.slice(0, 40)}, picemu ${got[i]?.slice(0, 40)}`);
    });
    expect(bad).toEqual([]);
    expect(lastBit).toBeLessThan(all.length / 40);
  }, 300_000);
});
