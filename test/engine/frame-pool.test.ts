// Frames of a unicorn Machine are chunks of the module's heap; when the Machine is gone they go back to the module,
// so Machine after Machine reuses the same memory (before, 40 Machines exec'ing cat grew the heap from 46 to 79 MiB,
// and a Process's engine was never collected: its hooks in the module's table kept it alive).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/oracles.ts';

describe('the unicorn frame pool', () => {
  it('12 Machines one after the other: once they are collected, their frame chunks are free again', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(repoRoot, 'test', 'engine', 'child', 'frame-pool-gc.ts')], { encoding: 'utf8' });
    const { before, after } = JSON.parse(out.trim().split('\n').pop()!) as { before: number; after: number };
    expect(before).toBeGreaterThanOrEqual(12);
    expect(after).toBeLessThanOrEqual(1); // the last Machine's may still be alive
  }, 120_000);
});
