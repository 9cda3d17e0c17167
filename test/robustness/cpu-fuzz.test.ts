// The CPU under hostile code: windows of real executable segments with bytes changed, and random bytes, run
// in a fresh process under a budget and a deadline. Only typed outcomes (a guest fault, a limit, an
// unsupported system call) may end a call: never a JavaScript exception, never a hang.
import { describe, expect, it } from 'vitest';
import { runCodeCampaign, type FailingInput } from './fuzz-core.ts';
import { seedCorpus } from './corpus.ts';

describe('fuzz: hostile machine code', () => {
  it('4,000 code inputs: only typed outcomes, each under 1 s', () => {
    const failures: FailingInput[] = [];
    const stats = runCodeCampaign({ seed: 0x77, iterations: 4000, corpus: [...seedCorpus('ci'), '/lib/x86_64-linux-gnu/libc.so.6'], onFailure: (f) => failures.push(f) });
    if (process.env.PICEMU_FUZZ_STATS) console.log(stats);
    expect(failures.slice(0, 5).map((f) => `${f.recipe.join('\n')}\n${f.result.failure}`)).toEqual([]);
    expect(stats.inputs).toBe(4000);
    // Both ends are reached: code that runs to its return and code that faults.
    expect(stats.byOutcome['call:ok'] ?? 0).toBeGreaterThan(100);
    expect(stats.byOutcome['call:CallFault'] ?? 0).toBeGreaterThan(1000);
  }, 60_000);
});
