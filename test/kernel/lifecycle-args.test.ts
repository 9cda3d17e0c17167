// The signal, process and futex system calls check their arguments as the kernel does: the same raw call made
// natively by test/kernel/c/syscall_args_probe.c and from a picemu Process gives the same result (-errno), and
// the same bytes where it writes. Only calls that fail natively, or change nothing but the probe itself, are made.
import { beforeAll, describe, expect, it } from 'vitest';
import { hasCc } from '../helpers/oracles.ts';
import { nativeRawSyscall as native, picemuRawSyscaller, type Arg, type RawResult } from './raw-syscall.ts';

const cases: [string, number, Arg[], true?][] = [
  ['rt_sigaction with sigsetsize 4', 13, [10, 0, 0, 4]],
  ['rt_sigaction of SIGKILL', 13, [9, 'buf:32', 0, 8]],
  ['rt_sigaction of signal 0', 13, [0, 0, 'buf:32', 8]],
  ['rt_sigaction of signal 65', 13, [65, 0, 'buf:32', 8]],
  ['rt_sigaction from an unmapped act', 13, [10, 'bad', 0, 8]],
  ['rt_sigaction into an unmapped oldact', 13, [10, 0, 'bad', 8]],
  ['rt_sigaction query of SIGUSR1', 13, [10, 0, 'buf:32', 8], true],
  ['rt_sigprocmask with a bad how', 14, [7, 'buf:8', 0, 8]],
  ['rt_sigprocmask with a bad how and no set', 14, [7, 0, 'buf:8', 8], true],
  ['rt_sigprocmask with sigsetsize 16', 14, [0, 0, 'buf:8', 16]],
  ['rt_sigprocmask from an unmapped set', 14, [0, 'bad', 0, 8]],
  ['rt_sigpending with sigsetsize 9', 127, ['buf:16', 9]],
  ['rt_sigpending into an unmapped set', 127, ['bad', 8]],
  ['rt_sigpending', 127, ['buf:8', 8], true],
  ['sigaltstack of a zero-sized stack', 131, ['buf:24', 0]],
  ['sigaltstack from an unmapped stack_t', 131, ['bad', 0]],
  ['sigaltstack query', 131, [0, 'buf:24'], true],
  ['kill with signal 65', 62, [1, 65]],
  ['kill with signal -1', 62, [1, -1]],
  ['kill of a missing process', 62, [0x3ffffff0, 0]],
  ['kill of INT_MIN', 62, [-2147483648, 0]],
  ['kill(0, 0)', 62, [0, 0]],
  ['tkill of thread 0', 200, [0, 0]],
  ['tkill of a missing thread', 200, [0x3ffffff0, 0]],
  ['tgkill with tgid 0', 234, [0, 1, 0]],
  ['tgkill of a missing thread', 234, [0x3ffffff0, 0x3ffffff0, 0]],
  ['wait4 without children', 61, [-1, 0, 0, 0]],
  ['wait4 with unknown options', 61, [-1, 0, 0x1000, 0]],
  ['waitid without WEXITED/WSTOPPED/WCONTINUED', 247, [0, 0, 'buf:128', 0, 0]],
  ['waitid with a bad idtype', 247, [9, 0, 'buf:128', 4, 0]],
  ['waitid P_PID 0', 247, [1, 0, 'buf:128', 4, 0]],
  ['waitid without children', 247, [0, 0, 'buf:128', 4, 0]],
  ['clone with CLONE_SIGHAND but not CLONE_VM', 56, [0x800, 0, 0, 0, 0]],
  ['clone with CLONE_THREAD but not CLONE_SIGHAND', 56, [0x10000, 0, 0, 0, 0]],
  ['clone3 with a size below CLONE_ARGS_SIZE_VER0', 435, ['buf:64', 8]],
  ['clone3 with a size above a page', 435, ['buf:64', 5000]],
  ['clone3 from an unmapped clone_args', 435, ['bad', 64]],
  ['clone3 with unknown fields that are not zero', 435, ['s:' + 'A'.repeat(100), 96]],
  ['clone3 with unknown flags', 435, ['s:' + 'A'.repeat(100), 64]],
  ['futex WAIT on a different value', 202, ['buf:4', 0, 1, 0]],
  ['futex WAIT with a zero timeout', 202, ['buf:4', 0, 0, 'buf:16']],
  ['futex WAIT_BITSET with bitset 0', 202, ['buf:4', 9, 0, 0, 0, 0]],
  ['futex WAIT on an unmapped word', 202, ['bad', 0, 0, 0]],
  ['futex WAKE with no waiters', 202, ['buf:4', 1, 1]],
  ['futex WAKE_BITSET with bitset 0', 202, ['buf:4', 10, 1, 0, 0, 0]],
  ['futex with an unknown op', 202, ['buf:4', 99, 0]],
  ['execve of a missing file', 59, ['s:/nonexistent/prog', 0, 0]],
  ['execve with an unmapped argv', 59, ['s:/bin/true', 'bad', 0]],
  ['execveat with unknown flags', 322, [-100, 's:/bin/true', 0, 0, 1]],
];


describe.skipIf(!hasCc())('signal, process and futex system calls check their arguments as the kernel does', () => {
  let picemu: (nr: number, args: Arg[]) => RawResult;
  beforeAll(async () => {
    picemu = await picemuRawSyscaller();
  });

  it.each(cases)('%s', (_name, nr, args, compare) => {
    const expected = native(nr, args);
    const got = picemu(nr, args);
    expect(got.result).toBe(expected.result);
    if (compare) expect(got.bufs).toEqual(expected.bufs);
  });
});
