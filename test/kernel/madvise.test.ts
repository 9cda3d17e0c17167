// madvise: test/kernel/c/madvise_probe.c (MADV_DONTNEED on private and shared anonymous and private file memory: the
// VMA kept, the pages gone from smaps and pagemap and read back as zero, shared or file bytes; the range checks and
// errnos) prints the same natively and in picemu.
import { describe, it } from 'vitest';
import { hasCc } from '../helpers/oracles.ts';
import { expectProbeAsNative } from './native-probe.ts';

describe.skipIf(!hasCc())('madvise', () => {
  it('zaps pages and keeps VMAs as natively', () => {
    expectProbeAsNative('madvise_probe');
  }, 60_000);
});
