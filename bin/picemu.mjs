#!/usr/bin/env node
// The `picemu` command: runs the compiled CLI in dist/ (built by `npm run build`, on `npm ci` and on `npm pack`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('picemu: dist/cli.js is missing: run `npm run build` (or `npm ci`) in the picemu directory first\n');
  process.exit(1);
}
// --debug prints stack traces: name picemu's TypeScript files and lines in them (dist/ has source maps). Only then,
// since reading every module's map would slow each start.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
await import(entry.href);
