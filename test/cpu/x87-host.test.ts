// CI slice of the x87/MMX host-CPU differential test (npm run difftest:x87 runs it at any size): every x87 and MMX
// form, random FPU state in every rounding/precision mode, picemu against the host CPU; only the transcendentals'
// last-bit differences (x87-transcendental-known.ts) are allowed, and the same cases run through compiled blocks.
import { describe, expect, it } from 'vitest';
import { requireOracle, hasCc } from '../helpers/oracles.ts';
import { withinOneUlp } from './x87-transcendental-known.ts';
import { compareResults, describeInput, drawCase, runHost, runPicemu, Rng, x87Forms, X87_AND_MMX, WAIT_FORMS, type X87Case } from './x87-difftest.ts';

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
