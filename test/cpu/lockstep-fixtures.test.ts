// Every exported function of every fixture library, and zlib's crc32/adler32, run in lockstep in picemu and
// native unicorn-engine: registers, defined flags, XMM, MXCSR and written memory compared after each instruction.
// Images come from the lockstep mapper (lockstep-image.ts); lockstep-loader.test.ts runs them on picemu's loader.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECIPES, runRecipe, STT_FUNC, ZLIB, ZLIB_RECIPES } from '../helpers/lockstep-fixtures.ts';
import { Image, mapLibrary, mapProcessAreas } from '../helpers/lockstep-image.ts';
import { hasNativeUnicorn } from '../helpers/lockstep.ts';
import { repoRoot } from '../helpers/oracles.ts';

const available = hasNativeUnicorn();
const fixtureDir = join(repoRoot, 'fixtures');
const libraries = existsSync(fixtureDir) ? readdirSync(fixtureDir).filter((f) => f.endsWith('.so')).sort() : [];

describe.skipIf(!available)('lockstep: fixture libraries in picemu and native unicorn', () => {
  it('has a recipe for every exported function of every fixture', () => {
    expect(libraries.length).toBeGreaterThan(0);
    for (const file of libraries) {
      const image = new Image();
      mapProcessAreas(image);
      const lib = mapLibrary(image, join(fixtureDir, file));
      const functions = [...lib.exports.entries()].filter(([, e]) => e.type === STT_FUNC).map(([n]) => n).sort();
      expect({ file, functions }).toEqual({ file, functions: Object.keys(RECIPES[file] ?? {}).sort() });
    }
  });

  for (const file of libraries) {
    for (const [name, recipes] of Object.entries(RECIPES[file] ?? {})) {
      it(`${file} ${name}`, () => {
        recipes.forEach((r, i) => runRecipe(join(fixtureDir, file), name, r, i));
      });
    }
  }
});

describe.skipIf(!available || !existsSync(ZLIB))('lockstep: zlib crc32 and adler32', () => {
  for (const [name, recipes] of Object.entries(ZLIB_RECIPES)) {
    it(name, () => {
      recipes.forEach((r, i) => runRecipe(ZLIB, name, r, i));
    });
  }
});


// The same again with picemu's compiler forced on from the first execution: each step runs as a compiled region of
// one instruction (hooks called from compiled code), and the fast replay runs whole compiled regions.
describe.skipIf(!available)("lockstep with the compiler forced on ('always')", () => {
  let compiledSteps = 0;
  for (const file of libraries) {
    for (const [name, recipes] of Object.entries(RECIPES[file] ?? {})) {
      it(`${file} ${name}`, () => {
        recipes.forEach((r, i) => (compiledSteps += runRecipe(join(fixtureDir, file), name, r, i, 'lockstep', 'native', 'always').hookedRegionRuns));
      });
    }
  }
  it('stepped through compiled regions (hooks compiled in)', () => expect(compiledSteps).toBeGreaterThan(1000));
  it.skipIf(!existsSync(ZLIB))('zlib crc32 and adler32', () => {
    for (const [name, recipes] of Object.entries(ZLIB_RECIPES)) recipes.forEach((r, i) => runRecipe(ZLIB, name, r, i, 'lockstep', 'native', 'always'));
  });
});
