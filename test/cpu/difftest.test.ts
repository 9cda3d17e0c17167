// A CI-sized run of the randomized single-instruction differential test: every implemented form, random
// state, picemu vs native unicorn; disagreements judged by the host CPU (unicorn bugs must be known).
import { describe, expect, it } from 'vitest';
import { hasNativeUnicorn } from '../helpers/lockstep.ts';
import { describeCase, Forms, runDifftest } from './difftest-core.ts';
import { judge } from './difftest-host.ts';
import { knownDifference } from './unicorn-known-bugs.ts';

const CASES = 20_000;
const SEED = 20261122;
/** ~13 s on this 2-CPU machine when idle; up to ~50 s when other jobs load it. */
const TIMEOUT_MS = 180_000;

describe.skipIf(!hasNativeUnicorn())('difftest: random single instructions, picemu vs native unicorn, host CPU as judge', () => {
  it(`${CASES} cases: every form is generated, and every disagreement is a known unicorn bug the host confirms`, () => {
    const run = runDifftest({ cases: CASES, seed: SEED });
    const forms = new Forms();
    expect(run.notGenerated).toEqual([]);
    expect(run.perForm.size).toBe(forms.entries.length);
    const judged = judge(run.divergences);
    const unexplained = judged.filter((j) => !knownDifference(j));
    const report = unexplained.map(
      (j) => `${describeCase(j.c, j.verdict)}\n  host: ${j.host}\n  picemu vs host: ${j.picemuVsHost.join('; ') || 'same'}\n  unicorn vs host: ${j.unicornVsHost.join('; ') || 'same'}`,
    );
    console.log(`difftest: ${run.executed} cases in ${run.seconds.toFixed(1)} s, ${run.divergences.length} disagreements, ${run.divergences.length - unexplained.length} explained by unicorn-known-bugs.ts`);
    expect(report).toEqual([]);
  }, TIMEOUT_MS);
});
