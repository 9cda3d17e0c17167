#!/usr/bin/env node
// `npm pack`'s prepack step (its prepare step then builds): removes compiled files in dist/ whose TypeScript source
// is gone. tsc's incremental build never deletes the outputs of a renamed or deleted source, so a long-lived clone
// would otherwise ship them.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
// Output suffix → source suffix (declaration maps and source maps included).
const OUTPUTS = [
  ['.d.ts.map', '.ts'],
  ['.d.cts.map', '.cts'],
  ['.js.map', '.ts'],
  ['.cjs.map', '.cts'],
  ['.d.ts', '.ts'],
  ['.d.cts', '.cts'],
  ['.js', '.ts'],
  ['.cjs', '.cts'],
];

function* files(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* files(path);
    else yield path;
  }
}

let pruned = 0;
if (existsSync(dist)) {
  for (const file of files(dist)) {
    const rel = relative(dist, file);
    const kind = OUTPUTS.find(([out]) => rel.endsWith(out));
    if (!kind) continue; // .tsbuildinfo and anything tsc did not make
    const source = join(root, 'src', rel.slice(0, -kind[0].length) + kind[1]);
    if (!existsSync(source)) {
      rmSync(file);
      pruned++;
    }
  }
}
if (pruned) process.stderr.write(`prune-dist: removed ${pruned} file(s) of dist/ whose source is gone\n`);
