// The CI-sized fuzz run: ≥ 5,000 mutated .so files (fixtures and the system libraries that load without
// libc) parsed, loaded into a fresh process of a fresh Machine and called under a budget: 0 failures.
// And directed checks of the memory cap: a file that declares more memory than the cap is refused.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/index.ts';
import { buildCHelper, hasCc, repoRoot } from '../helpers/oracles.ts';
import { cleanWorkDir, MEMORY_CAP, runCampaign, runInput, type FailingInput } from './fuzz-core.ts';
import { rng } from './mutate.ts';
import { seedCorpus } from './corpus.ts';

afterAll(() => cleanWorkDir());

describe('fuzz: CI-sized campaign', () => {
  const corpus = seedCorpus('ci');
  const ITERATIONS = 5000;

  it('has a seed corpus of fixtures and system libraries', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(3); // the fixtures without libc at least; system libraries where present
  });

  it(`${ITERATIONS} mutated inputs: only typed errors, each under 1 s, memory within bounds`, () => {
    const failures: FailingInput[] = [];
    const stats = runCampaign({ seed: 0x51, iterations: ITERATIONS, corpus, onFailure: (f) => failures.push(f) });
    if (process.env.PICEMU_FUZZ_STATS) console.log(stats);
    const report = failures.slice(0, 5).map((f) => `${f.source} seed ${f.seed} iteration ${f.iteration}: ${f.recipe.join('; ')}\n  ${f.result.failure}`);
    expect(report, `${failures.length} failing inputs (replay with npm run fuzz -- --seed ${0x51} --save)`).toEqual([]);
    expect(stats.inputs).toBeGreaterThanOrEqual(5000);
    // The campaign reaches every stage: not everything dies in the parser.
    expect(stats.byStage.load ?? 0).toBeGreaterThan(0);
    expect(stats.byStage.call ?? 0).toBeGreaterThan(100);
  }, 120_000);
});

describe('fuzz: memory the file declares', () => {
  const libdemo = join(repoRoot, 'fixtures', 'libdemo.so');

  /** libdemo.so with its writable PT_LOAD's p_memsz set to `memsz` (a huge .bss). */
  function withBss(memsz: number): Uint8Array {
    const bytes = new Uint8Array(readFileSync(libdemo));
    const elf = parseElf(bytes, libdemo);
    const rw = elf.loads.find((p) => p.flags & 2)!;
    new DataView(bytes.buffer).setBigUint64(rw.entryOffset + 40, BigInt(memsz), true);
    return bytes;
  }

  it.skipIf(!hasCc())('a writable segment larger than the per-process cap is refused with a clear error, not mapped (as native dlopen refuses it)', () => {
    // 1 TiB of .bss: more than any cap, and more than RAM + swap, so the kernel's overcommit heuristic
    // refuses the private writable mapping and native dlopen fails ("cannot map zero-fill pages").
    const bytes = withBss(2 ** 40);
    const dir = mkdtempSync(join(tmpdir(), 'picemu-bss-'));
    try {
      writeFileSync(join(dir, 'libdemo.so'), bytes);
      const native = spawnSync(buildCHelper('signal_probe', ['-ldl']), [join(dir, 'libdemo.so'), 'get_counter'], { encoding: 'utf8' });
      expect(native.stderr).toMatch(/dlopen failed: .*cannot map zero-fill pages/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const r = runInput(bytes, 'libdemo.so', rng(1));
    expect(r.failure).toBeUndefined();
    expect(r.stage).toBe('load');
    expect(['LoadError', 'MmError']).toContain(r.outcome);
    expect(r.message).toMatch(/ENOMEM|memory|cap|too large|zero-fill/i);
    expect(r.allocated).toBeLessThan(MEMORY_CAP);
  });

  it('a large .bss under the cap loads and costs only the pages touched (demand paging)', () => {
    const r = runInput(withBss(64 * 1024 * 1024), 'libdemo.so', rng(2));
    expect(r.failure).toBeUndefined();
    expect(r.stage).toBe('call');
    expect(r.allocated).toBeLessThan(1024 * 1024);
  });
});
