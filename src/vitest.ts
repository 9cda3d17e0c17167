// picemu/vitest: the vitest matchers and snapshot serializer, and their types on vitest's `expect` (kept out
// of the main entry so a consumer without vitest compiles picemu's declarations with skipLibCheck false).
import type {} from 'vitest';
import type { PicemuMatchers } from './trace/vitest.ts';

export { picemuMatchers, traceSerializer, findAccesses, accessMatches, type AccessPattern, type PicemuMatchers } from './trace/vitest.ts';

declare module 'vitest' {
  // vitest's own declaration of Matchers uses `T = any`; an augmentation must repeat it exactly.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any, @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends PicemuMatchers<T> {}
}
