// PLT stubs are named as objdump names them (`name@plt`; `*ABS*+0xADDR@plt` for an IRELATIVE slot), found through
// the GOT slot each stub jumps through: libc's stubs are not in relocation order.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/index.ts';
import { moduleSymbols } from '../../src/trace/symbolize.ts';
import { hasReadelf, repoRoot } from '../helpers/oracles.ts';

const libraries = ['/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libz.so.1', '/lib/x86_64-linux-gnu/libstdc++.so.6', join(repoRoot, 'fixtures/libdemo.so')];

describe.skipIf(!hasReadelf())('PLT stub names', () => {
  it.each(libraries)('%s: every stub objdump -d names', (lib) => {
    const syms = moduleSymbols(parseElf(readFileSync(lib), lib));
    const objdump = execFileSync('objdump', ['-d', '-j', '.plt', '-j', '.plt.sec', lib], { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'ignore'] });
    // objdump spells a versioned symbol's stub `realloc@GLIBC_2.2.5@plt`; picemu shows names without versions.
    const stubs = [...objdump.matchAll(/^([0-9a-f]+) <(.+)@plt>:$/gm)].map((m) => [parseInt(m[1]!, 16), `${m[2]!.replace(/@.*$/, '')}@plt`] as const);
    expect(stubs.length).toBeGreaterThan(2);
    expect(stubs.map(([address]) => syms.symbolAt(address))).toEqual(stubs.map(([, name]) => name));
  });
});
