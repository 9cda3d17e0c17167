// The long form of test/kernel/stdout-stream.test.ts: 1 GiB from a guest's stdout through `picemu exec` into
// wc -c, printing the byte count, the time and picemu's peak RSS. Run: npx tsx scripts/exec-stream.ts [MIB]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCSource, repoRoot } from '../test/helpers/oracles.ts';

const mib = Number(process.argv[2] ?? 1024);
const exe = buildCSource(join(repoRoot, 'test', 'kernel', 'c', 'write_zeros.c'), ['-nostdlib', '-static', '-no-pie', '-fno-pie']);
const rss = join(mkdtempSync(join(tmpdir(), 'picemu-rss-')), 'rss');
const t0 = Date.now();
const r = spawnSync('bash', ['-c', `set -o pipefail; /usr/bin/time -f '%M' -o ${rss} ${process.execPath} ${join(repoRoot, 'bin', 'picemu.mjs')} exec ${exe} ${mib} | wc -c`], { encoding: 'utf8' });
const seconds = (Date.now() - t0) / 1000;
console.log(`${r.stdout.trim()} bytes (want ${mib * 1048576}) in ${seconds.toFixed(1)} s; picemu peak RSS ${Math.round(Number(readFileSync(rss, 'utf8')) / 1024)} MiB; status ${r.status}`);
process.exitCode = r.status === 0 && r.stdout.trim() === String(mib * 1048576) ? 0 : 1;
