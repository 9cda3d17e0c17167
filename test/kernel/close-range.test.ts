// close_range over open descriptors (closing, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE in a vfork child):
// test/kernel/c/close_range_probe.c prints the same natively and in picemu. (Argument checks: syscall-args.test.ts.)
import { describe, it } from 'vitest';
import { hasCc } from '../helpers/oracles.ts';
import { expectProbeAsNative } from './native-probe.ts';

describe.skipIf(!hasCc())('close_range', () => {
  it('closes and marks descriptors as natively', () => {
    expectProbeAsNative('close_range_probe');
  }, 60_000);
});
