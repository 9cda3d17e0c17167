// What loads natively loads in picemu: a CI slice of system libraries (those issue 9 found failing under picemu's
// own loader: libstdc++, libxml2, libgmpxx, libX11) against a native dlopen each. The whole sample:
// `npm run libcall-sample`.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { hasCc } from '../helpers/oracles.ts';
import { nativeDlopen, picemuDlopen, SYSTEM_LIBRARY_DIR } from './dlopen-sample.ts';

const SLICE = ['libstdc++.so.6', 'libxml2.so.2', 'libgmpxx.so.4', 'libX11.so.6']
  .map((n) => `${SYSTEM_LIBRARY_DIR}/${n}`)
  .filter(existsSync);

describe.skipIf(!hasCc())('system libraries load as they load natively', () => {
  it('the slice is not empty', () => expect(SLICE.length).toBeGreaterThan(0));
  it.each(SLICE)('%s', async (lib) => {
    const native = nativeDlopen(lib);
    const ours = picemuDlopen(await Machine.create(), lib);
    expect(ours.verdict).toBe(native);
  }, 60_000);
});
