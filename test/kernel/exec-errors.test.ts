// What exec refuses, it refuses with execve's errno. Oracle: a native execve of the same files (execve_errno.c):
// a text file, a file without execute permission, a directory, a truncated ELF, an ELF whose PT_INTERP does not
// exist, an ELF for another machine, a missing path. The CLI prints `cannot execute` and exits 126/127 (shells' codes).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine, strerror } from '../../src/index.ts';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'picemu-exec-'));
  const put = (name: string, bytes: Uint8Array | string, mode: number) => {
    writeFileSync(join(dir, name), bytes);
    chmodSync(join(dir, name), mode);
  };
  const elf = readFileSync('/bin/true');
  put('text', 'hello\n', 0o755);
  copyFileSync('/bin/true', join(dir, 'noexec'));
  chmodSync(join(dir, 'noexec'), 0o644);
  mkdirSync(join(dir, 'dir'));
  put('truncated', elf.subarray(0, 100), 0o755);
  const badInterp = Buffer.from(elf);
  const at = badInterp.indexOf('/lib64/ld-linux-x86-64.so.2');
  badInterp.write('/nope', at);
  put('bad-interp', badInterp, 0o755);
  const i386 = Buffer.from(elf);
  i386[18] = 3; // e_machine EM_386
  put('i386', i386, 0o755);
});

const names = ['text', 'noexec', 'dir', 'truncated', 'bad-interp', 'i386', 'missing'];

describe.skipIf(!hasCc())('exec refuses as execve does', () => {
  it.each(names)('%s', (name) => {
    const path = join(dir, name);
    const oracle = buildCSource(join(repoRoot, 'test', 'kernel', 'c', 'execve_errno.c'));
    const errno = Number(execFileSync(oracle, [path], { encoding: 'utf8' }).trim());
    const m = new Machine();
    const r = m.exec(path, { argv: [path], env: [], stdio: {} });
    expect(r).toBe(-errno);
    expect(m.kernel.liveTasks()).toEqual([]);
  });

  it('a program killed by a signal: one line naming signal, address, instruction and function; status 128+N as natively', () => {
    const exe = buildCSource(join(repoRoot, 'test', 'kernel', 'c', 'null_store.c'), ['-nostdlib', '-static', '-no-pie', '-fno-pie']);
    const native = spawnSync(exe);
    expect(native.signal).toBe('SIGSEGV');
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'picemu.mjs'), 'exec', exe], { encoding: 'utf8' });
    expect(r.status).toBe(128 + 11);
    expect(r.stderr).toMatch(new RegExp(`^picemu: ${exe.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: killed by SIGSEGV at 0x0 \\(mov dword ptr \\[rdi\\], 1 at null_store-[0-9a-f]+:store_null\\+0x0\\)\\n$`));
  });

  it('the CLI prints `cannot execute PROGRAM: <strerror>` and exits 126, or 127 when not found', () => {
    const cli = join(repoRoot, 'bin', 'picemu.mjs');
    const text = spawnSync(process.execPath, [cli, 'exec', join(dir, 'text')], { encoding: 'utf8' });
    expect(text.stderr).toBe(`picemu: cannot execute ${join(dir, 'text')}: ${strerror(8)}\n`);
    expect(text.status).toBe(126);
    const missing = spawnSync(process.execPath, [cli, 'exec', 'picemu-no-such-program'], { encoding: 'utf8' });
    expect(missing.stderr).toBe('picemu: cannot execute picemu-no-such-program: No such file or directory\n');
    expect(missing.status).toBe(127);
  });
});
