// The CommonJS entry of the built package (`require('picemu/unicorn')`): module.exports is the MUnicorn factory
// itself, as require('unicorn.js') gives; the ESM implementation is loaded on the factory's first call.
import type { UnicornModule } from './index.ts' with { 'resolution-mode': 'import' };

function MUnicorn(moduleArg?: unknown): Promise<UnicornModule> {
  return import('./index.ts').then((m) => m.default(moduleArg));
}

export = MUnicorn;
