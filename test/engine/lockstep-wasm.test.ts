// picemu's CPU in lockstep with unicorn-engine built to WebAssembly (wasm/): the reference that needs no system
// package. Every fixture function, zlib, expat and sqlite3 calls instruction by instruction (registers, defined
// flags, XMM, MXCSR, written memory). Native unicorn (test/cpu/lockstep-fixtures, difftest) stays the third opinion.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { RECIPES, runRecipe, ZLIB, ZLIB_RECIPES, type Recipe } from '../helpers/lockstep-fixtures.ts';
import { repoRoot } from '../helpers/oracles.ts';
import { loadWasmUnicorn } from '../helpers/wasm-unicorn.ts';

await loadWasmUnicorn();
const fixtureDir = join(repoRoot, 'fixtures');
const libraries = readdirSync(fixtureDir).filter((f) => f.endsWith('.so')).sort();
const sys = (name: string): string => `/lib/x86_64-linux-gnu/${name}`;

/** expat and sqlite3 calls that need no system call (the lockstep image has no kernel), on picemu's loader. */
const SYSTEM_RECIPES: [string, Record<string, Recipe[]>][] = [
  [sys('libexpat.so.1'), { XML_ExpatVersion: [{ args: [] }], XML_ErrorString: [{ args: [2] }, { args: [999] }] }],
  [sys('libsqlite3.so.0'), {
    sqlite3_libversion_number: [{ args: [] }],
  }],
];

// Each runs twice: the CPU's default compiler mode, and every block compiled from its first execution ('always').
for (const jit of [undefined, 'always'] as const) {
  const mode = jit ? ' (compiler forced on)' : '';
  describe(`lockstep: fixture libraries in picemu and the wasm unicorn${mode}`, () => {
    for (const file of libraries) {
      it(file, () => {
        for (const [name, recipes] of Object.entries(RECIPES[file] ?? {})) recipes.forEach((r, i) => runRecipe(join(fixtureDir, file), name, r, i, 'lockstep', 'wasm', jit));
      });
    }
  });

  describe.skipIf(!existsSync(ZLIB))(`lockstep: zlib, expat and sqlite3 in picemu and the wasm unicorn${mode}`, () => {
    it('zlib crc32 and adler32', () => {
      for (const [name, recipes] of Object.entries(ZLIB_RECIPES)) recipes.forEach((r, i) => runRecipe(ZLIB, name, r, i, 'picemu', 'wasm', jit));
    });
    for (const [lib, table] of SYSTEM_RECIPES) {
      it.skipIf(!existsSync(lib))(lib.split('/').pop()!, () => {
        for (const [name, recipes] of Object.entries(table)) recipes.forEach((r, i) => runRecipe(lib, name, r, i, 'picemu', 'wasm', jit));
      });
    }
  });
}
