// A CI slice of the randomized single-instruction difftest with the wasm unicorn (wasm/) as the reference: the
// unicorn that needs no system package. Every disagreement must be a known unicorn bug that the host CPU confirms
// (test/cpu/unicorn-known-bugs.ts); an abort of the module is a listed skip, and there must be none.
// `npm run difftest -- --reference wasm` runs any size.
import { describe, expect, it } from 'vitest';
import { runDifftest } from '../cpu/difftest-core.ts';
import { judge } from '../cpu/difftest-host.ts';
import { describeJudged, explainDivergences } from '../cpu/unicorn-known-bugs.ts';
import { hasCc } from '../helpers/oracles.ts';

const CASES = 4_000;
const SEED = 20261205;

describe.skipIf(!hasCc())('difftest: random single instructions, picemu vs the wasm unicorn, host CPU as judge', () => {
  it(`${CASES} cases: the module never aborts, and every disagreement is a known unicorn bug the host confirms`, () => {
    const run = runDifftest({ cases: CASES, seed: SEED, reference: 'wasm' });
    const aborted = run.skipped.filter((s) => s.why.startsWith('wasm unicorn aborted'));
    expect(aborted).toEqual([]);
    expect(run.notGenerated).toEqual([]);
    const { known, unexplained } = explainDivergences(judge(run.divergences));
    console.log(`difftest (wasm unicorn): ${run.executed} cases in ${run.seconds.toFixed(1)} s, ${run.divergences.length} disagreements, all known: ${[...known].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    expect(unexplained.map(describeJudged)).toEqual([]);
  }, 180_000);
});
