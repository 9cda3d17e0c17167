// A guest's output streams through picemu exec: 512 MiB written to stdout reach the reader while picemu's own
// memory stays far below that (nothing piles up). The full 1 GiB run is scripts/exec-stream.ts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCSource, hasCc, repoRoot, requireOracle } from '../helpers/oracles.ts';

const hasTime = (): boolean => requireOracle('/usr/bin/time', spawnSync('/usr/bin/time', ['-f', '%M', 'true']).status === 0, 'apt-get install time');

describe.skipIf(!hasCc() || !hasTime())('stdout streams', () => {
  it('512 MiB through `picemu exec` into wc -c, with picemu\'s peak RSS under 400 MiB', () => {
    const exe = buildCSource(join(repoRoot, 'test', 'kernel', 'c', 'write_zeros.c'), ['-nostdlib', '-static', '-no-pie', '-fno-pie']);
    const cli = join(repoRoot, 'bin', 'picemu.mjs');
    const rss = join(mkdtempSync(join(tmpdir(), 'picemu-rss-')), 'rss');
    const r = spawnSync('bash', ['-c', `set -o pipefail; /usr/bin/time -f '%M' -o ${rss} ${process.execPath} ${cli} exec ${exe} 512 | wc -c`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(String(512 << 20));
    const peakKiB = Number(readFileSync(rss, 'utf8').trim());
    expect(peakKiB).toBeLessThan(400 * 1024);
  }, 120_000);
});
