// The vitest helpers on a real trace: toAccess finds (and reports missing) accesses, the GOT slot read by
// bump_counter is the one readelf -rW lists for global_counter, toShareFrame on the code page.
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { findAccesses, picemuMatchers, traceSerializer } from '../../src/trace/vitest.ts';
import { hasReadelf, repoRoot, run } from '../helpers/oracles.ts';

expect.extend(picemuMatchers);
expect.addSnapshotSerializer(traceSerializer);
const demo = `${repoRoot}/fixtures/libdemo.so`;

describe.skipIf(!hasReadelf())('trace matchers', () => {
  it('toAccess / not.toAccess, with the GOT slot of readelf -rW', async () => {
    const m = await Machine.create();
    const [p1, p2] = [m.spawn(), m.spawn()];
    p1.load(demo);
    p2.load(demo);
    const trace = p1.call('bump_counter', [4], { trace: true }).events;
    const slot = parseInt(/^([0-9a-f]+)\s+\S+\s+R_X86_64_GLOB_DAT\s+\S+\s+global_counter/m.exec(run('readelf', ['-rW', demo]))![1]!, 16);
    expect(trace).toAccess({ kind: 'read', offset: slot, relocation: 'GOT entry for global_counter (R_X86_64_GLOB_DAT)', ripRelative: true, size: 8 });
    expect(trace).toAccess({ kind: 'write', symbol: 'global_counter', value: 4, ripRelative: false });
    expect(trace).not.toAccess({ symbol: 'i.0' });
    const miss = picemuMatchers.toAccess(trace, { symbol: 'no_such_symbol' });
    expect(miss.pass).toBe(false);
    expect(miss.message()).toContain('global_counter');
    expect(findAccesses(trace, { kind: 'write' }).length).toBeGreaterThan(0);

    const code = /^\s+LOAD\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+\S+\s+\S+\s+\S+\s+R E/m.exec(run('readelf', ['-lW', demo]))!;
    p2.call('bump_counter', [1]);
    expect(m).toShareFrame(p1, p2, 'libdemo.so', parseInt(code[1]!, 16));
    expect(m).toShareFrame(1, 2, 'libdemo.so', parseInt(code[1]!, 16));
    expect(picemuMatchers.toShareFrame(m, p1, p2, 'libdemo.so', 0x100000).pass).toBe(false);
    // The serializer prints the stable text: no mapped addresses.
    expect(traceSerializer.serialize(trace)).not.toMatch(/0x7f[0-9a-f]{6,}/);
    expect(traceSerializer.serialize(trace)).toContain('GOT entry for global_counter (R_X86_64_GLOB_DAT)');
  });
});
