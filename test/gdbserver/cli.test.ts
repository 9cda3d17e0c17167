// `picemu gdbserver` as a command: it prints the port it listens on, serves gdb, and exits 0 on SIGTERM;
// bad usage exits 2 and a library that cannot be loaded exits 1, each with one line on stderr.
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/oracles.ts';
import { hasGdb, runGdb, section, sections } from './gdb.ts';

const picemu = (args: string[]) => spawnSync(process.execPath, ['bin/picemu.mjs', 'gdbserver', ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000 });

describe('picemu gdbserver (command line)', () => {
  it('refuses bad usage (exit 2) and reports a library it cannot load (exit 1)', () => {
    const none = picemu([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^picemu: .*give one library/);
    const port = picemu(['--port', '70000', 'fixtures/libcounter.so']);
    expect(port.status).toBe(2);
    const missing = picemu(['--port', '0', 'fixtures/no-such-lib.so']);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^picemu: .*no-such-lib\.so/);
  });

  it.skipIf(!hasGdb())('serves gdb on the port it prints, with --procs processes, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/picemu.mjs', 'gdbserver', '--port', '0', '--procs', '3', 'fixtures/libcounter.so'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no port announced: ${stderr}`)), 20_000);
        child.stderr.on('data', () => {
          const m = /listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1]));
          }
        });
      });
      expect(stderr).toContain('fixtures/libcounter.so in 3 processes');
      const out = sections(await runGdb([`target extended-remote 127.0.0.1:${port}`, section('ps'), 'monitor ps', section('end')]));
      expect(out.get('ps')!.filter((l) => l.startsWith('process '))).toHaveLength(3);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(stderr).toMatch(/debugger connected from 127\.0\.0\.1:\d+/);
  });
});
