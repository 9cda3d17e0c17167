// CommonJS entry of picemu/unicorn: require() returns the MUnicorn factory itself, as require('unicorn.js') does.
// The implementation is ESM TypeScript (run under `node --import tsx`), so the factory loads it on first call.
'use strict';

module.exports = function MUnicorn(...args) {
  return import('./index.ts').then((m) => m.default(...args));
};
