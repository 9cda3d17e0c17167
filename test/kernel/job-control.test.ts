// Job control against the kernel: test/kernel/c/job_control.c stops and continues a child (SIGSTOP, SIGCONT),
// collects each transition with wait4 (WUNTRACED, WCONTINUED, WNOHANG) and waitid (WSTOPPED, WCONTINUED), checks
// that a stopped child does not run and shows as T in /proc, kills it while stopped, and prints what its SIGCHLD
// handler saw: the same natively and in picemu.
import { describe, it } from 'vitest';
import { hasCc } from '../helpers/oracles.ts';
import { expectProbeAsNative } from './native-probe.ts';

describe.skipIf(!hasCc())('job control', () => {
  it('stops, continues and kills a child as natively', () => {
    expectProbeAsNative('job_control');
  }, 60_000);
});
