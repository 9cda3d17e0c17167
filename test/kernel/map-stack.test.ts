// MAP_STACK (glibc's thread stacks): VM_NOHUGEPAGE on this kernel, so the mapping stays apart from plain anonymous
// neighbours and smaps shows `nh`; test/kernel/c/map_stack_probe.c prints the same natively and in picemu.
import { describe, expect, it } from 'vitest';
import { hasCc } from '../helpers/oracles.ts';
import { expectProbeAsNative } from './native-probe.ts';

describe.skipIf(!hasCc())('MAP_STACK', () => {
  it('keeps a stack mapping apart from its neighbours, with VmFlags as natively', () => {
    const native = expectProbeAsNative('map_stack_probe');
    expect(native.match(/^vma /gm)?.length).toBe(6); // three VMAs, twice: the oracle shows what the test claims
  }, 60_000);
});
