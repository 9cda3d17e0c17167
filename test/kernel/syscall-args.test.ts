// System calls check their arguments and fill their output structs as the kernel does. Oracle: the same raw
// call made natively by syscall_args_probe.c (strings, writable, read-only and unmapped buffers as arguments);
// picemu makes it from a Process with the same arguments placed in its memory. Only calls that fail natively, or
// read, are made: nothing here changes the host.
import { beforeAll, describe, expect, it } from 'vitest';
import { hasCc } from '../helpers/oracles.ts';
import { nativeRawSyscall as native, picemuRawSyscaller, type Arg, type RawResult } from './raw-syscall.ts';

/** name, nr, args, and which byte ranges of the buffers to compare (a buffer's whole content when true). */
const cases: [string, number, Arg[], ([number, number] | true)?][] = [
  ['read from a closed descriptor', 0, [100, 'buf:16', 16]],
  ['close_range with unknown flags', 436, [3, 10, 1]],
  ['close_range with first above last', 436, [10, 3, 0]],
  ['close_range of descriptors none of which is open', 436, [1000, 0xffffffff, 0]],
  ['close_range CLOSE_RANGE_CLOEXEC of descriptors none of which is open', 436, [1000, 0xffffffff, 4]],
  ['write from an unmapped buffer', 1, [1, 'bad', 10]],
  ['write of 0 bytes from an unmapped buffer', 1, [1, 'bad', 0]],
  ['openat of a missing file', 257, [-100, 's:/nonexistent/x', 0]],
  ['openat of ""', 257, [-100, 's:', 0]],
  ['openat through a regular file', 257, [-100, 's:/etc/passwd/x', 0]],
  ['openat of a directory for writing', 257, [-100, 's:/etc', 1]],
  ['openat O_DIRECTORY of a file', 257, [-100, 's:/etc/passwd', 0o200000]],
  ['openat O_CREAT|O_EXCL of an existing file', 257, [-100, 's:/etc/passwd', 0o300, 0o644]],
  ['openat of an unmapped path', 257, [-100, 'bad', 0]],
  ['openat relative to a closed dirfd', 257, [100, 's:x', 0]],
  ['newfstatat of /etc/passwd (dev, ino, nlink, mode, uid, gid, rdev, size)', 262, [-100, 's:/etc/passwd', 'buf:144', 0], [0, 56]],
  ['newfstatat with unknown flags', 262, [-100, 's:/etc/passwd', 'buf:144', 0x8000]],
  ['newfstatat of "" without AT_EMPTY_PATH', 262, [-100, 's:', 'buf:144', 0]],
  ['newfstatat into a read-only buffer', 262, [-100, 's:/etc/passwd', 'ro:144', 0]],
  ['statx of /etc/passwd (nlink, uid, gid, mode, ino, size)', 332, [-100, 's:/etc/passwd', 0, 0x7ff, 'buf:256'], [16, 48]],
  ['readlink of a regular file', 89, [`s:/etc/passwd`, 'buf:64', 64]],
  ['readlink of /bin', 89, ['s:/bin', 'buf:64', 64], true],
  ['readlink with size 0', 89, ['s:/bin', 'buf:64', 0]],
  ['access with a bad mode', 21, ['s:/etc/passwd', 8]],
  ['access of a missing file', 21, ['s:/nonexistent', 0]],
  ['faccessat2 with unknown flags', 439, [-100, 's:/etc/passwd', 0, 0x8]],
  ['getcwd into 1 byte', 79, ['buf:1', 1]],
  ['getcwd', 79, ['buf:4096', 4096], true],
  ['chdir to a missing directory', 80, ['s:/nonexistent']],
  ['chdir to a file', 80, ['s:/etc/passwd']],
  ['lseek on a closed descriptor', 8, [100, 0, 0]],
  ['lseek with a bad whence', 8, [1, 0, 7]],
  ['pipe2 with bad flags', 293, ['buf:8', 1]],
  ['dup2 of a closed descriptor', 33, [100, 101]],
  ['dup3 onto itself', 292, [1, 1, 0]],
  ['dup3 with bad flags', 292, [1, 50, 1]],
  ['fcntl of a closed descriptor', 72, [100, 1]],
  ['fcntl with an unknown command', 72, [1, 999]],
  ['ioctl of a closed descriptor', 16, [100, 0x5401, 'buf:60']],
  ['close of a closed descriptor', 3, [100]],
  ['getdents64 of a closed descriptor', 217, [100, 'buf:1024', 1024]],
  ['mremap of an unaligned address', 25, [1, 4096, 8192, 0]],
  ['mremap with unknown flags', 25, [0x10000, 4096, 8192, 8]],
  ['mremap of an unmapped range', 25, [0x10000, 4096, 8192, 1]],
  ['madvise of an unaligned address', 28, [1, 4096, 4]],
  ['clock_gettime of an unknown clock', 228, [100, 'buf:16']],
  ['clock_gettime into an unmapped buffer', 228, [0, 'bad']],
  ['clock_getres(CLOCK_MONOTONIC, NULL)', 229, [1, 0]],
  ['clock_getres(CLOCK_MONOTONIC)', 229, [1, 'buf:16'], true],
  ['nanosleep from an unmapped request', 35, ['bad', 0]],
  ['uname', 63, ['buf:390'], true],
  ['uname into an unmapped buffer', 63, ['bad']],
  ['sysinfo into an unmapped buffer', 99, ['bad']],
  ['prlimit64 of an unknown resource', 302, [0, 99, 0, 0]],
  ['prlimit64 of RLIMIT_STACK', 302, [0, 3, 0, 'buf:16']],
  ['sched_getaffinity into 4 bytes', 204, [0, 4, 'buf:8']],
  ['sched_getaffinity', 204, [0, 8, 'buf:8']],
  ['set_robust_list with a bad length', 273, ['buf:24', 23]],
  ['rseq with a short area', 334, ['buf:32', 16, 0, 0]],
  ['arch_prctl with an unknown code', 158, [0x9999, 0]],
  ['arch_prctl(ARCH_GET_FS) into an unmapped buffer', 158, [0x1003, 'bad']],
  ['personality query', 135, [0xffffffff]],
  ['unlink of a missing file', 87, ['s:/nonexistent']],
  ['unlink of a directory', 87, ['s:/etc']],
  ['rmdir of a file', 84, ['s:/etc/passwd']],
  ['mkdir of an existing directory', 83, ['s:/etc', 0o755]],
  ['rename of a missing file', 82, ['s:/nonexistent', 's:/tmp/picemu-never']],
  ['readv with too many vectors', 19, [0, 'buf:16', 2000]],
  ['writev from an unmapped vector array', 20, [1, 'bad', 2]],
  ['pread64 from a pipe', 17, [1, 'buf:8', 8, 0]],
  ['getrandom with GRND_RANDOM|GRND_INSECURE', 318, ['buf:8', 8, 6]],
  ['time(NULL) succeeds', 201, [0]],
  ['copy_file_range with flags', 326, [0, 0, 1, 0, 10, 1]],
  ['copy_file_range from a closed descriptor', 326, [100, 0, 1, 0, 10, 0]],
  ['copy_file_range into a pipe', 326, [0, 0, 1, 0, 10, 0]],
];


describe.skipIf(!hasCc())('system-call arguments and results as the kernel gives them', () => {
  let picemu: (nr: number, args: Arg[]) => RawResult;
  beforeAll(async () => {
    picemu = await picemuRawSyscaller();
  });

  it.each(cases)('%s', (_name, nr, args, compare) => {
    const expected = native(nr, args);
    const got = picemu(nr, args);
    if (expected.result < 0n) expect(got.result).toBe(expected.result);
    else expect(got.result >= 0n, `the kernel succeeded (${expected.result}), picemu returned ${got.result}`).toBe(true);
    if (compare === true) expect(got.bufs).toEqual(expected.bufs);
    else if (compare) expect(got.bufs.map((b) => b.slice(2 * compare[0], 2 * compare[1]))).toEqual(expected.bufs.map((b) => b.slice(2 * compare[0], 2 * compare[1])));
  });
});
