// Errors the CLI maps to exit statuses: a UsageError exits 2, anything else 1 (see SPEC.md).

export class UsageError extends Error {
  override name = 'UsageError';
}
