// The module object `uc` that MUnicorn() resolves to: constants, uc_ctl word builders, static functions and
// the Unicorn class, under the names unicorn.js 2.x gives them.
import { constants, ctlBuilders } from './constants.ts';
import { strerror } from './errors.ts';
import { Unicorn } from './unicorn.ts';

function version(): number {
  const c = constants;
  return ((c.API_MAJOR << 24) | (c.API_MINOR << 16) | (c.API_PATCH << 8) | c.API_EXTRA) >>> 0;
}

/** uc_arch_supported: picemu emulates x86 only. Returns 1 or 0, the number unicorn.js's ccall gives back. */
function arch_supported(arch: number): number {
  return arch === constants.ARCH_X86 ? 1 : 0;
}

export function createModule() {
  return {
    ...constants,
    ...ctlBuilders,
    version,
    arch_supported,
    strerror,
    Unicorn,
  };
}

export type UnicornModule = ReturnType<typeof createModule>;
