// A missing or damaged wasm/ build: `--engine unicorn` fails with one line naming the file and the rebuild
// command, and the default engine never loads the module (PICEMU_UNICORN_WASM points picemu at a test copy).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNICORN_WASM_PATH } from '../../src/process/engines/unicorn-module.ts';
import { repoRoot } from '../helpers/oracles.ts';

function picemu(args: string[], wasm: string) {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin/picemu.mjs'), ...args], { encoding: 'utf8', env: { ...process.env, PICEMU_UNICORN_WASM: wasm } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a missing or damaged unicorn build', () => {
  const dir = mkdtempSync(join(tmpdir(), 'picemu-wasm-'));
  const missing = join(dir, 'missing.cjs');
  const damaged = join(dir, 'damaged.cjs');
  const bytes = readFileSync(UNICORN_WASM_PATH);
  bytes[bytes.length >> 1] ^= 0x20;
  writeFileSync(damaged, bytes);
  copyFileSync(`${UNICORN_WASM_PATH}.sha256`, `${damaged}.sha256`);

  it.each([
    ['missing', missing, /is missing/],
    ['damaged', damaged, /is damaged \(sha256/],
  ])('%s: one line naming the file and wasm/build.sh, exit 1', (_what, path, why) => {
    const r = picemu(['demo', '--engine', 'unicorn'], path);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(path);
    expect(lines[0]).toMatch(why);
    expect(lines[0]).toContain('wasm/build.sh');
  });

  it('the default engine does not load it', () => {
    const r = picemu(['demo'], missing);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('really_really_nonreentrant');
  });

  it('--engine takes picemu or unicorn only', () => {
    const r = picemu(['demo', '--engine', 'qemu'], missing);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--engine: bad value 'qemu' (want picemu or unicorn)");
  });
});
