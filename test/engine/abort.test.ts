// pextrw (a 16-bit load of CPU state in QEMU's TCG) made the wasm unicorn abort before wasm/build.sh implemented
// TCI's missing loads. Oracle: the native run's exit status. The committed build runs it; the build before the fix
// (635e8c14…, from git history) ends `picemu exec --engine unicorn` with one typed line, not a crash.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/index.ts';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';

const source = join(repoRoot, 'test', 'engine', 'c', 'pextrw.c');
const BEFORE_FIX = '635e8c14468e63a6bb2a896035a336413ed6e6e3ca169d7a786351f10fd4f396';

function nativeStatus(exe: string): number {
  return spawnSync(exe, [], { stdio: 'ignore' }).status!;
}

async function unicornStatus(exe: string): Promise<unknown> {
  const m = await Machine.create({ engine: 'unicorn' });
  const s = m.exec(exe, { argv: [exe], env: [], stdio: {} });
  if (typeof s === 'number') throw new Error(`exec: ${s}`);
  m.kernel.run({ budget: 1000, until: () => s.task.group.exit !== undefined });
  return s.task.group.exit;
}

/** The build before the fix, from this repository's history (undefined in a shallow clone). */
function buildBeforeFix(): string | undefined {
  const git = (...args: string[]) => execFileSync('git', ['-C', repoRoot, ...args], { encoding: 'latin1', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    for (const commit of git('log', '--format=%H', '--', 'wasm/unicorn-x86.cjs.sha256').trim().split('\n')) {
      if (!git('show', `${commit}:wasm/unicorn-x86.cjs.sha256`).startsWith(BEFORE_FIX)) continue;
      const bytes = Buffer.from(git('show', `${commit}:wasm/unicorn-x86.cjs`), 'latin1');
      if (createHash('sha256').update(bytes).digest('hex') !== BEFORE_FIX) return undefined;
      const dir = join(repoRoot, '.cache', 'unicorn-before-tci-fix');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'unicorn-x86.cjs'), bytes);
      writeFileSync(join(dir, 'unicorn-x86.cjs.sha256'), `${BEFORE_FIX}  unicorn-x86.cjs\n`);
      return join(dir, 'unicorn-x86.cjs');
    }
  } catch {
    return undefined;
  }
  return undefined;
}

describe.skipIf(!hasCc())('an instruction the wasm module once aborted on', () => {
  it('pextrw runs on the committed build and exits with the native status', async () => {
    const exe = buildCSource(source, ['-nostdlib', '-static']);
    expect(nativeStatus(exe)).toBe(42);
    expect(await unicornStatus(exe)).toEqual({ kind: 'exited', code: 42 });
  });

  const before = buildBeforeFix();
  if (!before) console.warn('abort.test: the wasm build before the TCI fix is not in this clone\'s history: its check is skipped');
  it.skipIf(!before)('on the build before the fix, exec --engine unicorn ends with one line naming the abort, exit 1', () => {
    const exe = buildCSource(source, ['-nostdlib', '-static']);
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli.ts'), 'exec', '--engine', 'unicorn', exe], {
      encoding: 'utf8',
      env: { ...process.env, PICEMU_UNICORN_WASM: before },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('picemu: unicorn engine: unicorn-engine aborted at RIP 0x40100e (TODO /unicorn.js/unicorn/qemu/tcg/tci.c:601: tcg_qemu_tb_exec_x86_64()); its WebAssembly module cannot run again in this process\n');
  }, 60_000);
});
