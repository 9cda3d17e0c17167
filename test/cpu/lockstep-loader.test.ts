// The fixture recipes again, on images mapped and relocated by picemu's own loader (src/loader, DT_NEEDED
// included): the loader's output runs instruction for instruction as in native unicorn-engine.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { RECIPES, runRecipe, ZLIB, ZLIB_RECIPES } from '../helpers/lockstep-fixtures.ts';
import { hasNativeUnicorn } from '../helpers/lockstep.ts';
import { repoRoot } from '../helpers/oracles.ts';

const available = hasNativeUnicorn();
const fixtureDir = join(repoRoot, 'fixtures');

/** Libraries whose recipes also run on the image picemu's own loader builds (no TLS, no unresolved imports). */
const LOADER_LIBRARIES = ['libcounter.so', 'libdemo.so', 'libsse.so'];

// Each runs twice: the CPU's default compiler mode, and every block compiled from its first execution ('always').
for (const jit of [undefined, 'always'] as const) {
  const mode = jit ? ' (compiler forced on)' : '';
  describe.skipIf(!available)(`lockstep: images mapped and relocated by picemu's loader${mode}`, () => {
    for (const file of LOADER_LIBRARIES) {
      it(file, () => {
        for (const [name, recipes] of Object.entries(RECIPES[file] ?? {})) recipes.forEach((r, i) => runRecipe(join(fixtureDir, file), name, r, i, 'picemu', 'native', jit));
      });
    }
  });

  describe.skipIf(!available || !existsSync(ZLIB))(`lockstep: zlib on picemu's loader (libc.so.6 loaded as its DT_NEEDED)${mode}`, () => {
    it('crc32 and adler32', () => {
      for (const [name, recipes] of Object.entries(ZLIB_RECIPES)) recipes.forEach((r, i) => runRecipe(ZLIB, name, r, i, 'picemu', 'native', jit));
    });
  });
}
