// unicorn's error texts (uc_strerror) and the exact failure unicorn.js throws when a uc_* call fails.

/** uc_strerror's text per uc_err code (unicorn 2.1; code 19, UC_ERR_HOOK_EXIST, has no text of its own). */
const MESSAGES: readonly string[] = [
  'OK (UC_ERR_OK)',
  'No memory available or memory not present (UC_ERR_NOMEM)',
  'Invalid/unsupported architecture (UC_ERR_ARCH)',
  'Invalid handle (UC_ERR_HANDLE)',
  'Invalid mode (UC_ERR_MODE)',
  'Different API version between core & binding (UC_ERR_VERSION)',
  'Invalid memory read (UC_ERR_READ_UNMAPPED)',
  'Invalid memory write (UC_ERR_WRITE_UNMAPPED)',
  'Invalid memory fetch (UC_ERR_FETCH_UNMAPPED)',
  'Invalid hook type (UC_ERR_HOOK)',
  'Invalid instruction (UC_ERR_INSN_INVALID)',
  'Invalid memory mapping (UC_ERR_MAP)',
  'Write to write-protected memory (UC_ERR_WRITE_PROT)',
  'Read from non-readable memory (UC_ERR_READ_PROT)',
  'Fetch from non-executable memory (UC_ERR_FETCH_PROT)',
  'Invalid argument (UC_ERR_ARG)',
  'Read from unaligned memory (UC_ERR_READ_UNALIGNED)',
  'Write to unaligned memory (UC_ERR_WRITE_UNALIGNED)',
  'Fetch from unaligned memory (UC_ERR_FETCH_UNALIGNED)',
  'Unknown error code',
  'Insufficient resource (UC_ERR_RESOURCE)',
  'Unhandled CPU exception (UC_ERR_EXCEPTION)',
  'Provided buffer is too small (UC_ERR_OVERFLOW)',
];

/** uc_strerror(code). */
export function strerror(code: number): string {
  return MESSAGES[code] ?? 'Unknown error code';
}

/** The text unicorn.js throws when `uc_<fn>` returns `code`. */
export function failureMessage(fn: string, code: number): string {
  return `Unicorn.js: Function uc_${fn} failed with code ${code}:\n${strerror(code)}`;
}

/**
 * Throws as unicorn.js does: the thrown value is the message string itself, not an Error
 * (unicorn.js's wrapper does `throw error` with a string), so `catch (e)` code written for it keeps working.
 */
export function fail(fn: string, code: number): never {
  throw failureMessage(fn, code);
}

/** A uc_* call's non-OK result, carried inside picemu until the API edge turns it into `fail`. */
export class UcError extends Error {
  constructor(readonly code: number) {
    super(strerror(code));
    this.name = 'UcError';
  }
}
