// A typed CommonJS consumer: `require('picemu/unicorn')` is typed as the factory itself.
import MUnicorn = require('picemu/unicorn');

export const ready: Promise<{ MODE_64: number }> = MUnicorn();
