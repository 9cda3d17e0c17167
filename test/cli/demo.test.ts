// `picemu demo` (npm start): tells the seed story with facts that match the oracles, and runs quickly.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nativeCall } from '../helpers/native.ts';
import { hasCc, hasReadelf, repoRoot, run } from '../helpers/oracles.ts';

const lib = `${repoRoot}/fixtures/libcounter.so`;

describe.skipIf(!hasCc() || !hasReadelf())('picemu demo', () => {
  it('shows results, the frame table and both traces, under a sanity bound of 10 s', () => {
    const start = performance.now();
    const out = spawnSync(process.execPath, [`${repoRoot}/bin/picemu.mjs`, 'demo'], { cwd: repoRoot, encoding: 'utf8' });
    const ms = performance.now() - start;
    console.log(`picemu demo took ${ms.toFixed(0)} ms (wall clock, including node and tsx startup)`);
    expect(out.status, out.stderr).toBe(0);
    expect(ms).toBeLessThan(10_000);
    const text = out.stdout;

    // Results: what native calls return, in both processes.
    const native = nativeCall(lib, 'really_really_nonreentrant', [], { calls: 3 });
    native.forEach((r, k) => expect(text).toContain(`call ${k + 1}:  p1 → ${r}    p2 → ${r}`));

    // Bases differ; each function address is base + readelf's st_value.
    const syms = run('readelf', ['-sW', lib]);
    const fn = parseInt(/^\s*\d+:\s+([0-9a-f]+)\s+\d+\s+FUNC\s+GLOBAL\s+\S+\s+\S+\s+really_really_nonreentrant$/m.exec(syms)![1]!, 16);
    const i0 = parseInt(/^\s*\d+:\s+([0-9a-f]+)\s+\d+\s+OBJECT\s+LOCAL\s+\S+\s+\S+\s+i\.0$/m.exec(syms)![1]!, 16);
    const bases = [...text.matchAll(/process (\d): libcounter\.so at (0x[0-9a-f]+)\s+\(really_really_nonreentrant at (0x[0-9a-f]+)\)/g)];
    expect(bases).toHaveLength(2);
    expect(bases[0]![2]).not.toBe(bases[1]![2]);
    for (const b of bases) expect(BigInt(b[3]!) - BigInt(b[2]!)).toBe(BigInt(fn));

    // Page table: the executable segment's page is one frame; the page of i.0 is a private frame each.
    const exec = /^\s+LOAD\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+\S+\s+\S+\s+\S+\s+R E/m.exec(run('readelf', ['-lW', lib]))!;
    const codeRow = new RegExp(`^\\s+0x${(parseInt(exec[1]!, 16) & ~0xfff).toString(16)}\\s+r-xp\\s.*?\\s(\\d+)\\s+(\\d+)\\s+← one frame, in both$`, 'm').exec(text);
    expect(codeRow).not.toBeNull();
    expect(codeRow![1]).toBe(codeRow![2]);
    const dataRow = new RegExp(`^\\s+0x${(i0 & ~0xfff).toString(16)}\\s+rw-p\\s.*?\\s(\\d+)\\s+(\\d+)\\s+← a private frame each$`, 'm').exec(text);
    expect(dataRow).not.toBeNull();
    expect(dataRow![1]).not.toBe(dataRow![2]);

    // The traces: i.0 read and written rip-relative on each process's data frame.
    expect(text).toContain(`read  i.0 = 0  (rip-relative, .bss, frame ${dataRow![1]})`);
    expect(text).toContain(`write i.0 = 1  (rip-relative, .bss, frame ${dataRow![2]})`);
    expect(text).toContain(`libcounter.so+0x${i0.toString(16)}, the static i`);
  });
});
