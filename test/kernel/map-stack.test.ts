// MAP_STACK (glibc's thread stacks): VM_NOHUGEPAGE on this kernel, so the mapping stays apart from plain anonymous
// neighbours and smaps shows `nh`; test/kernel/c/map_stack_probe.c prints the same natively and in picemu.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { runGuest } from '../helpers/guest.ts';

describe.skipIf(!hasCc())('MAP_STACK', () => {
  it('keeps a stack mapping apart from its neighbours, with VmFlags as natively', () => {
    const exe = buildCSource(join(repoRoot, 'test/kernel/c/map_stack_probe.c'));
    const native = execFileSync(exe, { encoding: 'utf8' });
    expect(native.match(/^vma /gm)?.length).toBe(6); // three VMAs, twice: the oracle shows what the test claims
    const guest = runGuest(exe, [exe]);
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
    expect(guest.stdout).toBe(native);
  }, 60_000);
});
