// `picemu maps LIB [--procs N] [--pid P] [--seed S]`: the kernel's maps format, the [stack] at the top,
// one process chosen among N, and usage errors.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapsText, parseMapsArgs } from '../../src/cli/maps.ts';
import { repoRoot } from '../helpers/oracles.ts';

const lib = join(repoRoot, 'fixtures', 'libcounter.so');
const line = /^[0-9a-f]{8,}-[0-9a-f]{8,} [r-][w-][x-][ps] [0-9a-f]{8} [0-9a-f]{2}:[0-9a-f]{2} \d+ ( {0,}\S.*)?$/;

describe('picemu maps', () => {
  it('prints every VMA in the kernel format, with the [stack] at the top as exec leaves it (132 KiB, test/mm/stack.test.ts)', () => {
    const lines = mapsText(parseMapsArgs([lib])).trimEnd().split('\n');
    for (const l of lines) expect(l).toMatch(line);
    const stack = lines[lines.length - 1];
    expect(stack).toMatch(/ rw-p 00000000 00:00 0 {26}\[stack\]$/);
    const [start, end] = stack.split(' ')[0].split('-').map((x) => parseInt(x, 16));
    expect(end - start).toBe(132 * 1024);
    expect(lines.filter((l) => l.endsWith(lib))).toHaveLength(5); // r--, r-x, r--, r-- (RELRO), rw-
  });

  it('gives each process its own base, reproducibly, and --seed changes them', () => {
    const p1 = mapsText(parseMapsArgs([lib, '--procs', '2', '--pid', '1']));
    const p2 = mapsText(parseMapsArgs([lib, '--procs', '2', '--pid', '2']));
    expect(p1).not.toBe(p2);
    expect(mapsText(parseMapsArgs([lib, '--procs', '2', '--pid', '2']))).toBe(p2);
    expect(mapsText(parseMapsArgs([lib, '--procs', '2', '--pid', '2', '--seed', '7']))).not.toBe(p2);
  });

  it('runs from the command line and exits 2 on bad usage, 1 on a load error', () => {
    const bin = join(repoRoot, 'bin', 'picemu.mjs');
    expect(execFileSync('node', [bin, 'maps', lib], { encoding: 'utf8' })).toContain('[stack]');
    expect(spawnSync('node', [bin, 'maps', lib, '--pid', '2']).status).toBe(2);
    expect(spawnSync('node', [bin, 'maps']).status).toBe(2);
    const missing = spawnSync('node', [bin, 'maps', '/nonexistent/libnothing.so'], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('picemu: /nonexistent/libnothing.so: no such file or directory\n');
  });
});
