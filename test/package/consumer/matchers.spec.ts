// vitest in a project that installed picemu: the matchers and the snapshot serializer from picemu/vitest.
import { expect, it } from 'vitest';
import { Machine } from 'picemu';
import { picemuMatchers, traceSerializer } from 'picemu/vitest';

expect.extend(picemuMatchers);
expect.addSnapshotSerializer(traceSerializer);

it('traces the counter from the installed package', async () => {
  const m = await Machine.create({ seed: 1 });
  const [a, b] = [m.spawn(), m.spawn()];
  for (const p of [a, b]) p.load('node_modules/picemu/fixtures/libcounter.so');
  const { events } = a.call('really_really_nonreentrant', [], { trace: true });
  expect(events).toAccess({ symbol: 'i.0', kind: 'write', section: '.bss', ripRelative: true });
  expect(events).not.toAccess({ symbol: 'i.0', kind: 'write', shared: true });
  expect(m).toShareFrame(a, b, 'libcounter.so', 0x1000);
  expect(events.map((e) => e.asm)).toMatchInlineSnapshot(`
    [
      "mov eax, dword ptr [rip + 0x2f06]",
      "lea edx, [rax + 1]",
      "mov dword ptr [rip + 0x2efd], edx",
      "ret",
    ]
  `);
  expect(events.slice(0, 1)).toMatchInlineSnapshot(`
    libcounter.so+0x1100   really_really_nonreentrant         8b05062f0000         mov eax, dword ptr [rip + 0x2f06]
        read  4B libcounter.so+0x400c i.0 (.bss)  → 0x0  rip-relative  private
  `);
});
