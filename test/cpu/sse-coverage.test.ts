// Every instruction form the SSE handler files register is run on the host CPU by one of the SSE tests: the
// SSE tests run again here at one case per form, recording the iced Code of every form they execute
// (sse-harness.ts SSE_RECORD_CODES), and every registered Code must be among them (mentioning a mnemonic in a
// comment counts for nothing).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { implementedCodes } from '../../src/cpu/table.ts';
import { repoRoot } from '../helpers/oracles.ts';
import { hasToolchain } from './host-exec.ts';

const SSE_TESTS = ['sse-compare-convert', 'sse-exceptions', 'sse-float', 'sse-int', 'sse-misc', 'sse-move'].map((n) => `test/cpu/${n}.test.ts`);

describe.skipIf(!hasToolchain())('SSE test coverage', () => {
  it('every registered SSE form is executed by the host-CPU tests', () => {
    const dir = mkdtempSync(join(tmpdir(), 'picemu-sse-cov-'));
    const file = join(dir, 'codes.txt');
    try {
      execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...SSE_TESTS], {
        cwd: repoRoot,
        env: { ...process.env, SSE_RECORD_CODES: file, SSE_CASES_SCALE: '0.0001' },
        stdio: 'ignore',
      });
      const ran = new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean));
      const sse = implementedCodes().filter((e) => e.file === 'sse-all.ts');
      expect(sse.length).toBeGreaterThan(250);
      expect(sse.map((e) => e.name).filter((n) => !ran.has(n))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
