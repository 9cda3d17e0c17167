// getxattr/lgetxattr/fgetxattr and listxattr: test/kernel/c/xattr_probe.c (every attribute namespace on files of
// each file system type here, a pipe, bad names and paths) prints the same natively and in picemu.
import { describe, it } from 'vitest';
import { hasCc } from '../helpers/oracles.ts';
import { expectProbeAsNative } from './native-probe.ts';

describe.skipIf(!hasCc())('extended attributes', () => {
  it('are reported per file system as natively', () => {
    expectProbeAsNative('xattr_probe');
  }, 60_000);
});
