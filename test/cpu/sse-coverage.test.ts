// Every instruction form the SSE handler files register is exercised by one of the host-CPU tests:
// each registered iced Code's mnemonic appears in an instruction line of test/cpu/sse-*.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { implementedCodes } from '../../src/cpu/table.ts';
import { repoRoot } from '../helpers/oracles.ts';

describe('SSE test coverage', () => {
  it('every registered SSE instruction has host-CPU cases', () => {
    const dir = join(repoRoot, 'test', 'cpu');
    const text = readdirSync(dir)
      .filter((f) => /^sse-.*\.test\.ts$/.test(f) && f !== 'sse-coverage.test.ts')
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n')
      .toLowerCase();
    const words = new Set(text.match(/[a-z0-9]+/g));
    const sse = implementedCodes().filter((e) => e.file === 'sse-all.ts');
    expect(sse.length).toBeGreaterThan(250);
    // Mnemonics written as a prefix + variable in the tests (`${op}ps`, `cmp…`): expand those families here.
    const families = ['add', 'sub', 'mul', 'div', 'min', 'max', 'sqrt'].flatMap((op) => ['ps', 'ss', 'pd', 'sd'].map((s) => op + s));
    for (const f of families) if (text.includes(`'${f.replace(/(ps|ss|pd|sd)$/, '')}'`)) words.add(f);
    // iced's names for the REX.W forms vs GNU as mnemonics
    const alias: Record<string, string> = { pcmpestri64: 'pcmpestriq', pcmpestrm64: 'pcmpestrmq' };
    const missing = sse.map((e) => e.name.split('_')[0].toLowerCase()).filter((m) => !words.has(alias[m] ?? m));
    expect([...new Set(missing)]).toEqual([]);
  });
});
