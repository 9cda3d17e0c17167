// CI slice of the x87/MMX host-CPU differential test (npm run difftest:x87 runs it at any size): every x87 and MMX
// form, random FPU state in every rounding/precision mode, picemu against the host CPU; only the transcendentals'
// last-bit differences (x87-transcendental-known.ts) are allowed, and the same cases run through compiled blocks.
import { describe, expect, it } from 'vitest';
import { requireOracle, hasCc } from '../helpers/oracles.ts';
import { AGREEMENT_FLOOR, TRANSCENDENTAL, withinOneUlp } from './x87-transcendental-known.ts';
import { compareResults, describeInput, drawCase, runHost, stackCase, runPicemu, Rng, x87Forms, X87_AND_MMX, WAIT_FORMS, type X87Case } from './x87-difftest.ts';

const CASES = 6000;
const SEED = 20261205;
const isX86 = process.arch === 'x64';

describe.skipIf(!hasCc() || !requireOracle('an x86-64 host CPU (the oracle of the x87/MMX differential test)', isX86, 'run on x86-64'))('x87 and MMX against the host CPU', () => {
  const forms = x87Forms((n) => new RegExp(X87_AND_MMX).test(n) && !WAIT_FORMS.test(n));
  const r = new Rng(SEED);
  const cases: X87Case[] = [];
  for (let i = 0; cases.length < CASES && i < CASES * 4; i++) {
    const c = drawCase(forms.entries[i % forms.entries.length], r);
    if (c) cases.push(c);
  }
  const host = runHost(cases);

  it(`${CASES} random cases over every form: equal to the host, the transcendentals within their last bit`, () => {
    const seen = new Set(cases.map((c) => c.name));
    expect(forms.entries.filter((f) => !seen.has(f.name)).map((f) => f.name)).toEqual([]);
    const bad: string[] = [];
    let lastBit = 0;
    cases.forEach((c, i) => {
      const p = runPicemu(c);
      const d = compareResults(host[i], p, 0xffff, 0xcd5, c.ignoreMem);
      if (!d.length) return;
      if (withinOneUlp(c, host[i], p)) lastBit++;
      else bad.push(`${c.text} [${Buffer.from(c.bytes).toString('hex')}]: ${d.join('; ')}\n  input: ${describeInput(c)}`);
    });
    console.log(`x87/MMX difftest: ${cases.length} cases over ${seen.size} forms; ${lastBit} transcendental last-bit differences`);
    expect(bad).toEqual([]);
    expect(lastBit).toBeLessThan(cases.length / 500);
  }, 120_000);

  it('the same cases through the block compiler (jit always): x87/MMX run as handlers, same results', () => {
    const bad: string[] = [];
    cases.slice(0, 1500).forEach((c, i) => {
      const a = runPicemu(c), b = runPicemu(c, 'always');
      const d = compareResults(a, b, 0xffff, 0xcd5);
      if (d.length) bad.push(`${c.text}: ${d.join('; ')}`);
      void i;
    });
    expect(bad).toEqual([]);
  }, 60_000);
});

describe.skipIf(!hasCc() || !isX86)('x87: an invalid operand pair takes precedence over a denormal one', () => {
  it('fyl2xp1, fyl2x, fpatan with ±∞, ±0 and a denormal, the denormal exception masked and unmasked', () => {
    const INF: [number, bigint] = [0x7fff, 1n << 63n], NEG_INF: [number, bigint] = [0xffff, 1n << 63n];
    const ZERO: [number, bigint] = [0, 0n], NEG_ZERO: [number, bigint] = [0x8000, 0n];
    const DEN: [number, bigint] = [0, 0x4be98e3dn], NEG_DEN: [number, bigint] = [0x8000, 0x18e8722fn];
    const values = [INF, NEG_INF, ZERO, NEG_ZERO, DEN, NEG_DEN];
    const cases: X87Case[] = [];
    for (const [name, bytes] of [['Fyl2xp1', [0xd9, 0xf9]], ['Fyl2x', [0xd9, 0xf1]], ['Fpatan', [0xd9, 0xf3]]] as const)
      for (const fcw of [0x37f, 0x37d, 0xb7d])
        for (const x of values) for (const y of values) if (x === DEN || x === NEG_DEN || y === DEN || y === NEG_DEN) cases.push(stackCase(name, [...bytes], fcw, [x, y]));
    const host = runHost(cases);
    const bad = cases.map((c, i) => compareResults(host[i], runPicemu(c)).map((d) => `${c.text} ${describeInput(c)}: ${d}`)).flat();
    expect(bad).toEqual([]);
  });
});

describe.skipIf(!hasCc() || !requireOracle('an x86-64 host CPU (the oracle of the x87/MMX differential test)', isX86, 'run on x86-64'))('x87 transcendentals: agreement with the host CPU per instruction', () => {
  it('1,000 random cases per transcendental: every difference within the last bit, each form at least as often equal as measured', () => {
    const forms = x87Forms((n) => TRANSCENDENTAL.test(n));
    const r = new Rng(SEED + 1);
    const cases: X87Case[] = [];
    for (let i = 0; cases.length < 1000 * forms.entries.length && i < 40000; i++) {
      const c = drawCase(forms.entries[i % forms.entries.length], r);
      if (c) cases.push(c);
    }
    const host = runHost(cases);
    const tally = new Map<string, { n: number; equal: number }>();
    const bad: string[] = [];
    cases.forEach((c, i) => {
      const t = tally.get(c.name) ?? { n: 0, equal: 0 };
      tally.set(c.name, t);
      t.n++;
      const p = runPicemu(c);
      const d = compareResults(host[i], p, 0xffff, 0xcd5, c.ignoreMem);
      if (!d.length) t.equal++;
      else if (!withinOneUlp(c, host[i], p)) bad.push(`${c.text}: ${d.join('; ')}\n  input: ${describeInput(c)}`);
    });
    const rates = [...tally].map(([name, t]) => ({ name, rate: t.equal / t.n, floor: AGREEMENT_FLOOR[name] }));
    console.log(`x87 transcendentals equal to the host: ${rates.map((r) => `${r.name} ${(100 * r.rate).toFixed(1)}%`).join(', ')}`);
    expect(bad).toEqual([]);
    expect(rates.map((r) => r.name).sort()).toEqual(Object.keys(AGREEMENT_FLOOR).sort());
    expect(rates.filter((r) => !(r.rate >= r.floor)).map((r) => `${r.name} ${(100 * r.rate).toFixed(2)}% < ${100 * r.floor}%`)).toEqual([]);
  }, 120_000);
});
