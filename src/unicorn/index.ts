// picemu/unicorn: `MUnicorn()` resolves to the module object `uc` of unicorn.js 2.x (constants, static
// functions and the Unicorn class), with picemu's CPU underneath.
import { createModule, type UnicornModule } from './module.ts';

export type { UnicornModule };
export type { Unicorn, MemRegion, HookHandle } from './unicorn.ts';

/** Resolves to the `uc` module object. The argument (emscripten's module overrides in unicorn.js) is accepted and ignored. */
export default function MUnicorn(_moduleArg?: unknown): Promise<UnicornModule> {
  return Promise.resolve(createModule());
}
