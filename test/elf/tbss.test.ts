// A PT_TLS whose .tbss extends past the end of every PT_LOAD (test/elf/c/tbss.c, built here): readelf shows
// the layout, glibc loads it natively, and picemu must parse, load and run it with the same results.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf, PT_LOAD, PT_TLS } from '../../src/elf/index.ts';
import { Machine } from '../../src/process/machine.ts';
import { resultText } from '../../src/process/call-args.ts';
import { readFileSync } from 'node:fs';
import { nativeCall } from '../helpers/native.ts';
import { buildCSource, hasCc, hasReadelf, repoRoot } from '../helpers/oracles.ts';
import { readelf } from '../helpers/readelf.ts';

describe.skipIf(!hasCc() || !hasReadelf())('a .tbss past the end of every PT_LOAD', () => {
  it('parses, loads, and its TLS variables read as natively', async () => {
    const lib = buildCSource(join(repoRoot, 'test', 'elf', 'c', 'tbss.c'), ['-shared', '-fPIC']);
    // The premise, from readelf: PT_TLS ends past the end of every PT_LOAD.
    const rows = [...readelf(['-lW'], lib).matchAll(/^\s+(LOAD|TLS)\s+0x[0-9a-f]+ (0x[0-9a-f]+) 0x[0-9a-f]+ 0x[0-9a-f]+ (0x[0-9a-f]+)/gm)];
    const tls = rows.find((m) => m[1] === 'TLS')!;
    const loadEnds = rows.filter((m) => m[1] === 'LOAD').map((m) => Number(m[2]) + Number(m[3]));
    expect(Number(tls[2]) + Number(tls[3])).toBeGreaterThan(Math.max(...loadEnds));

    const elf = parseElf(readFileSync(lib), lib);
    expect(elf.programHeaders.filter((p) => p.type === PT_TLS)).toHaveLength(1);
    expect(elf.programHeaders.some((p) => p.type === PT_LOAD)).toBe(true);

    const native = nativeCall(lib, 'tbss_next', [], { calls: 3 });
    const m = await Machine.create();
    const [p1, p2] = [m.spawn(), m.spawn()];
    for (const p of [p1, p2]) p.load(lib);
    for (const p of [p1, p2]) expect([0, 1, 2].map(() => resultText(p.call('tbss_next').result))).toEqual(native);
  });
});
