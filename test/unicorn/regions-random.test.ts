// Random sequences of mem_map / mem_unmap / mem_protect / mem_write / mem_read on picemu/unicorn and native
// unicorn-engine: after every operation the outcome (or failure) and the region list must be identical.
import { describe, expect, it } from 'vitest';
import { requireOracle } from '../helpers/oracles.ts';
import MUnicorn from '../../src/unicorn/index.ts';
import { loadNativeUnicorn, nativeUnicornUnavailable } from '../helpers/native-unicorn.ts';
import { rng } from '../cpu/host-exec.ts'; // xorshift32: the same sequence for both engines
import { Transcript, type Uc } from './scenarios.ts';

const hasNative = requireOracle('native unicorn-engine', !nativeUnicornUnavailable(), 'apt-get install libunicorn2 (and npm install koffi)');

function randomSession(uc: Uc, seed: number, steps: number): string[] {
  const next = rng(seed);
  const pick = (n: number) => next() % n;
  const t = new Transcript();
  const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
  const base = 0x100000;
  // Mostly page-aligned values in a 32-page window, sometimes unaligned or empty, to reach every check.
  const addr = () => base + pick(32) * 0x1000 + (pick(10) === 0 ? pick(0x1000) : 0);
  const size = () => (pick(12) === 0 ? 0 : pick(6) * 0x1000 + (pick(10) === 0 ? 1 + pick(0xfff) : 0x1000));
  const perms = () => (pick(15) === 0 ? 8 + pick(8) : pick(8));
  for (let i = 0; i < steps; i++) {
    switch (pick(5)) {
      case 0: {
        const [a, s, p] = [addr(), size(), perms()];
        t.attempt(`map ${a.toString(16)} ${s.toString(16)} ${p}`, () => e.mem_map(a, s, p));
        break;
      }
      case 1: {
        const [a, s] = [addr(), size()];
        t.attempt(`unmap ${a.toString(16)} ${s.toString(16)}`, () => e.mem_unmap(a, s));
        break;
      }
      case 2: {
        const [a, s, p] = [addr(), size(), perms()];
        t.attempt(`protect ${a.toString(16)} ${s.toString(16)} ${p}`, () => e.mem_protect(a, s, p));
        break;
      }
      case 3: {
        const a = base + pick(33 * 0x1000);
        const bytes = Array.from({ length: 1 + pick(40) }, () => pick(256));
        t.attempt(`write ${a.toString(16)} ${bytes.length}`, () => e.mem_write(a, bytes));
        break;
      }
      default: {
        const a = base + pick(33 * 0x1000);
        const n = pick(48);
        t.attempt(`read ${a.toString(16)} ${n}`, () => e.mem_read(a, n));
      }
    }
    t.log('regions', e.mem_regions());
  }
  return t.lines;
}

const picemu = await MUnicorn();
const native = hasNative ? loadNativeUnicorn() : undefined;

describe.skipIf(!hasNative)('random region operations match native unicorn-engine', () => {
  const sessions: string[][] = [];
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('seed %i, 300 operations', (seed) => {
    const lines = randomSession(native, seed, 300);
    sessions.push(lines);
    expect(randomSession(picemu, seed, 300)).toEqual(lines);
  });

  it('the sequences reach successes and failures of every operation', () => {
    const all = sessions.flat();
    for (const op of ['map', 'unmap', 'protect', 'write', 'read']) {
      expect(all.filter((l) => l.startsWith(`${op} `) && !l.includes('threw')).length, `${op} succeeding`).toBeGreaterThan(10);
      expect(all.filter((l) => l.startsWith(`${op} `) && l.includes('threw')).length, `${op} failing`).toBeGreaterThan(10);
    }
  });
});
