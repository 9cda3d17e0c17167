// Host errors (node's `code: 'ENOENT'`) as Linux errno numbers, for the guest.
import { errnoNumber } from '../errno.ts';

export function errnoOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' ? errnoNumber(code) : undefined;
}
