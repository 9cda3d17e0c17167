// The REPL's one error type: a user mistake or a request that cannot be met, printed as one line.

/** A user mistake or a request that cannot be met: printed as one line, the session goes on. */
export class ReplError extends Error {
  override name = 'ReplError';
}
