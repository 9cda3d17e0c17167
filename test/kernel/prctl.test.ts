// prctl, get_mempolicy and set_mempolicy: test/kernel/c/prctl_probe.c (the thread name in /proc/self/comm and task/TID/comm, the
// parent-death signal delivered to a grandchild, dumpable, no_new_privs and status NoNewPrivs, the bounding set,
// unknown options; the memory policy calls' modes, masks and checks on one node) prints the same natively and in picemu.
import { describe, it } from 'vitest';
import { hasCc } from '../helpers/oracles.ts';
import { expectProbeAsNative } from './native-probe.ts';

describe.skipIf(!hasCc())('prctl and get_mempolicy', () => {
  it('answer as natively', () => {
    expectProbeAsNative('prctl_probe');
  }, 60_000);
});
