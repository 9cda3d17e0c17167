// The CLI as a new user meets it (issue 13): a closed pipe, files that cannot be used, bare library names, help and
// version, limits, NULL strings, --debug. Every failure is one line; the oracles are the system's own tools (cat's
// strerror text, readelf's verdict, bash's status for a writer killed by a closed pipe, native calls).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeCall } from '../helpers/native.ts';
import { spawnAsync, type Finished } from './spawn-async.ts';
import { hasCc, hasReadelf, repoRoot, requireOracle } from '../helpers/oracles.ts';

const bin = join(repoRoot, 'bin', 'picemu.mjs');
const picemu = (args: string[], cwd = repoRoot, input?: string) => spawnAsync(process.execPath, [bin, ...args], { cwd, input, timeout: 60_000 });
const libz = '/lib/x86_64-linux-gnu/libz.so.1';
const libc = '/lib/x86_64-linux-gnu/libc.so.6';
const tmp = mkdtempSync(join(tmpdir(), 'picemu-cli-'));

/** One line on stderr, `picemu: …`, nothing on stdout, the given status. */
function oneLine(r: Finished, status: number): string {
  expect(r.stderr.split('\n'), r.stderr).toHaveLength(2);
  expect(r.stderr).toMatch(/^picemu: /);
  expect([r.status, r.stdout]).toEqual([status, '']);
  return r.stderr.slice('picemu: '.length, -1);
}

/** What `cat PATH` says is wrong with it (strerror, as coreutils prints it), lower-cased as picemu prints reasons. */
function catReason(path: string): string {
  const r = spawnSync('cat', [path], { encoding: 'utf8' });
  return r.stderr.trim().replace(/^cat: .*?: /, '').toLowerCase();
}

describe('a closed pipe', () => {
  it('ends quietly with the status of a writer killed by SIGPIPE, as `yes | head -1` does', async () => {
    // ~4 000 trace lines (far more than a pipe holds), so picemu is still writing when head exits.
    const script = `set -o pipefail; yes | head -1 >/dev/null; echo "yes=$?"; "${process.execPath}" "${bin}" run fixtures/libcounter.so really_really_nonreentrant --procs 1 --calls 1000 --trace | head -1; echo "picemu=$?"`;
    const r = await spawnAsync('bash', ['-c', script], { cwd: repoRoot, timeout: 60_000 });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('yes=141');
    expect(lines[1]).toMatch(/^process 1: libcounter\.so at 0x[0-9a-f]+; really_really_nonreentrant returned 0, 1, 2, /);
    expect(lines[2]).toBe('picemu=141');
  });
});

describe('a closed pipe under exec', () => {
  it("a program killed by SIGPIPE ends quietly with the status the native program gets, its output as the native one's", async () => {
    const script = (cmd: string) => `set -o pipefail; ${cmd} seq 100000 | head -2; echo "status=$?"`;
    const native = await spawnAsync('bash', ['-c', script('')], { cwd: repoRoot, timeout: 60_000 });
    const ours = await spawnAsync('bash', ['-c', script(`"${process.execPath}" "${bin}" exec`)], { cwd: repoRoot, timeout: 60_000 });
    expect(native.stdout).toBe('1\n2\nstatus=141\n');
    expect([ours.stdout, ours.stderr]).toEqual([native.stdout, native.stderr]);
  });
});

describe('files that cannot be used: one line with the reason', () => {
  const notElf = join(repoRoot, 'README.md');
  const short = join(tmp, 'short.so');
  writeFileSync(short, Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0));

  it.each([
    ['segments', ['segments']],
    ['run', ['run', '@', 'f']],
    ['maps', ['maps']],
    ['repl', ['repl']],
    ['gdbserver', ['gdbserver', '--port', '0']],
  ])('%s: a missing file and a directory, with the strerror cat gives', async (_name, command) => {
    const withPath = (p: string) => (command.includes('@') ? command.map((a) => (a === '@' ? p : a)) : [...command, p]);
    expect(oneLine(await picemu(withPath('./nosuch.so')), 1)).toBe(`./nosuch.so: ${catReason('./nosuch.so')}`);
    expect(oneLine(await picemu(withPath('./fixtures')), 1)).toBe(`./fixtures: ${catReason('./fixtures')}`);
    expect(catReason('./fixtures')).toBe('is a directory');
  });

  it.skipIf(!hasReadelf())('a file that is not ELF, an empty device, a file too short: each says so (none says "cannot open shared object")', async () => {
    expect(spawnSync('readelf', ['-h', notElf], { encoding: 'utf8' }).stderr).toMatch(/Not an ELF file/);
    for (const command of [['segments', notElf], ['run', notElf, 'foo'], ['maps', notElf], ['repl', notElf], ['gdbserver', '--port', '0', notElf]]) {
      expect(oneLine(await picemu(command), 1)).toBe(`${notElf}: not an ELF file (starts with 23 20 70 69, not 7f 45 4c 46)`);
    }
    expect(oneLine(await picemu(['run', '/dev/null', 'foo']), 1)).toBe('/dev/null: not a regular file (a character device)');
    expect(oneLine(await picemu(['run', short, 'foo']), 1)).toBe(`${short}: file too short (10 bytes; an ELF64 header is 64)`);
    expect(oneLine(await picemu(['segments', short]), 1)).toBe(`${short}: file too short (10 bytes; an ELF64 header is 64)`);
  });

  // As root every file is readable: then picemu and cat run as nobody (setpriv, util-linux).
  const canDropRoot = () => process.getuid?.() !== 0 || requireOracle('setpriv', spawnSync('setpriv', ['--version']).status === 0, 'apt-get install util-linux');
  it.skipIf(!canDropRoot())('a file the user may not read: permission denied, as cat says it to the same user', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'picemu-perm-'));
    chmodSync(dir, 0o755);
    const secret = join(dir, 'libsecret.so');
    writeFileSync(secret, readFileSync(join(repoRoot, 'fixtures', 'libcounter.so')));
    chmodSync(secret, 0);
    const asUser = (cmd: string, args: string[]) =>
      process.getuid?.() === 0 ? spawnAsync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', cmd, ...args], { cwd: repoRoot }) : spawnAsync(cmd, args, { cwd: repoRoot });
    const cat = await asUser('cat', [secret]);
    const reason = cat.stderr.trim().replace(/^cat: .*?: /, '').toLowerCase();
    expect(reason).toBe('permission denied');
    for (const command of [['segments', secret], ['run', secret, 'f'], ['maps', secret]]) expect(oneLine(await asUser(process.execPath, [bin, ...command]), 1)).toBe(`${secret}: ${reason}`);
    expect((await asUser(process.execPath, [bin, 'check', secret])).stdout).toBe(`error ${secret}: ${reason}\n`);
  });

  it("the REPL's load says what run says about the same file", async () => {
    const files = ['./nosuch.so', './fixtures', notElf, '/dev/null', short];
    const r = await picemu(['repl', '--procs', '1'], repoRoot, files.map((f) => `load ${f}`).join('\n') + '\n');
    const fromRun = await Promise.all(files.map(async (f) => oneLine(await picemu(['run', f, 'foo']), 1)));
    expect(r.stdout.trimEnd().split('\n')).toEqual(fromRun.map((line) => `error: ${line}`));
    expect(fromRun[0]).toBe(`./nosuch.so: ${catReason('./nosuch.so')}`);
  });

  it('check names each file once, with the reason after it', async () => {
    const r = await picemu(['check', 'nosuch.so', 'fixtures', 'README.md', 'fixtures/bad-elf/libabsl_random_internal_platform-s4242-i70.so']);
    expect(r.status).toBe(1);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      `error nosuch.so: ${catReason('nosuch.so')}`,
      'error fixtures: is a directory',
      'error README.md: not an ELF file (starts with 23 20 70 69, not 7f 45 4c 46)',
      'error fixtures/bad-elf/libabsl_random_internal_platform-s4242-i70.so: dynamic section entry at 0x4f10 is not writable (ld.so relocates it in place)',
    ]);
  });
});

describe.skipIf(!hasCc())('library names', () => {
  it('a bare name that is a file in the current directory is that file (run, maps, segments)', async () => {
    const cwd = join(repoRoot, 'fixtures');
    const r = await picemu(['run', 'libcounter.so', 'really_really_nonreentrant', '--calls', '2'], cwd);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^process 1: libcounter\.so at 0x[0-9a-f]+; really_really_nonreentrant returned 0, 1$/m);
    expect((await picemu(['maps', 'libcounter.so'], cwd)).stdout).toContain(join(repoRoot, 'fixtures', 'libcounter.so'));
    expect((await picemu(['segments', 'libcounter.so'], cwd)).status).toBe(0);
  });

  it('a bare name that is not in the current directory is searched for as dlopen does', async () => {
    const r = await picemu(['run', 'libz.so.1', 'zlibVersion', '--ret', 'cstr', '--json', '--procs', '1'], tmp);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as { processes: { results: string[] }[] }).processes[0]!.results).toEqual(nativeCall('libz.so.1', 'zlibVersion', [], { ret: 'cstr' }));
    expect(oneLine(await picemu(['run', 'libnosuch.so.9', 'f'], tmp), 1)).toBe('libnosuch.so.9: no such file in the current directory, nor a library of that name in /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64');
  });
});

describe.skipIf(!hasCc())('NULL from --ret cstr', () => {
  it('is null in JSON and NULL in text, where the native call returns a null pointer', async () => {
    const args = ['str:PICEMU_SURELY_UNSET_VARIABLE'];
    expect(nativeCall(libc, 'getenv', args, { ret: 'cstr' })).toEqual(['(null)']); // the C helper's spelling of a 0 pointer
    const json = await picemu(['run', libc, 'getenv', ...args, '--ret', 'cstr', '--json']);
    expect((JSON.parse(json.stdout) as { processes: { results: unknown[] }[] }).processes.map((p) => p.results)).toEqual([[null], [null]]);
    expect((await picemu(['run', libc, 'getenv', ...args, '--ret', 'cstr'])).stdout).toMatch(/^process 1: libc\.so\.6 at 0x[0-9a-f]+; getenv returned NULL$/m);
  });
});

describe('help, version and limits', () => {
  it('--version prints the package version; --help lists every command', async () => {
    const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    expect(await picemu(['--version'])).toMatchObject({ status: 0, stdout: `${version}\n`, stderr: '' });
    const help = await picemu(['--help']);
    expect(help.status).toBe(0);
    for (const command of ['demo', 'run', 'segments', 'maps', 'check', 'repl']) expect(help.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
  });

  // Every command `picemu --help` lists.
  const commands = [...spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' }).stdout.matchAll(/^  (\w+) {2,}\S/gm)].map((m) => m[1]!);
  it('--help lists the commands', async () => expect(commands).toEqual(expect.arrayContaining(['demo', 'run', 'segments', 'maps', 'check', 'repl', 'exec', 'gdbserver'])));

  it.each(commands)('%s --help: its usage and options, exit 0', async (command) => {
    const r = await picemu([command, '--help']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(new RegExp(`^usage: picemu ${command}`));
    expect(r.stdout).toContain('--help');
    if (command === 'run') expect((await picemu(['help', command])).stdout).toBe(r.stdout);
    // How LIB is found, stated where LIB is taken.
    if (['run', 'maps', 'repl', 'gdbserver'].includes(command)) expect(r.stdout.replace(/\s+/g, ' ')).toContain('a bare name (libz.so.1) is the file of that name in the current directory when there is one (dlopen would not look there)');
  });

  it('--budget and --timeout bound run (and are in its help)', async () => {
    expect(oneLine(await picemu(['run', 'fixtures/libdemo.so', 'fib', '25', '--procs', '1', '--budget', '1000']), 1)).toMatch(/^fib: instruction budget of 1000 ran out at fib\+0x[0-9a-f]+ \(libdemo\.so\+0x[0-9a-f]+, \.text\)$/);
    const started = Date.now();
    expect(oneLine(await picemu(['run', 'fixtures/libdemo.so', 'fib', '60', '--procs', '1', '--timeout', '0.3', '--budget', '1000000000000000']), 1)).toMatch(/^fib: deadline of 300 ms passed at fib(\+0x[0-9a-f]+)? \(libdemo\.so\+0x[0-9a-f]+, \.text\)$/);
    expect(Date.now() - started).toBeLessThan(15_000);
    const help = (await picemu(['run', '--help'])).stdout;
    expect(help).toMatch(/--budget N +stop/);
    expect(help).toMatch(/--timeout S +stop/);
  });

  it('--budget and --timeout bound exec, with the same values as run (seconds may have decimals)', async () => {
    expect(oneLine(await picemu(['exec', '--budget', '1000', '/bin/true']), 1)).toBe('/bin/true: instruction budget of 1000 ran out');
    const started = Date.now();
    expect(oneLine(await picemu(['exec', '--timeout', '0.3', '/bin/sh', '-c', 'while :; do :; done']), 1)).toBe('/bin/sh: timeout of 0.3 s passed');
    expect(Date.now() - started).toBeLessThan(15_000);
    for (const command of ['run', 'exec']) {
      const at = command === 'run' ? ['run', 'fixtures/libcounter.so', 'really_really_nonreentrant'] : ['exec', '/bin/true'];
      expect(oneLine(await picemu([...at.slice(0, 1), '--budget', '0', ...at.slice(1)]), 2)).toBe(`--budget: bad value '0' (want an integer from 1 to ${Number.MAX_SAFE_INTEGER}) (see picemu ${command} --help)`);
      expect(oneLine(await picemu([...at.slice(0, 1), '--timeout', '-1', ...at.slice(1)]), 2)).toBe(`--timeout: bad value '-1' (want seconds, e.g. 5 or 0.5) (see picemu ${command} --help)`);
    }
    expect((await picemu(['exec', '--help'])).stdout).toMatch(/--budget N +stop the program/);
  });

  it('--budget bounds the REPL\'s c', async () => {
    const r = await picemu(['repl', 'fixtures/libdemo.so', '--procs', '1', '--budget', '1000'], repoRoot, 'call fib 30\nc\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/stopped at 0x[0-9a-f]+ libdemo\.so\+0x[0-9a-f]+ <fib[^>]*> at the limit \(1000 instructions; c goes on\)/);
  });

  it('too many processes or calls is a usage error at once (exit 2), not minutes of work', async () => {
    expect(oneLine(await picemu(['run', 'fixtures/libcounter.so', 'really_really_nonreentrant', '--procs', '4096']), 2)).toBe("--procs: bad value '4096' (want an integer from 1 to 64) (see picemu run --help)");
    expect(oneLine(await picemu(['run', 'fixtures/libcounter.so', 'really_really_nonreentrant', '--calls', '1000000']), 2)).toBe("--calls: bad value '1000000' (want an integer from 0 to 100000) (see picemu run --help)");
    expect(oneLine(await picemu(['maps', 'fixtures/libcounter.so', '--procs', '65']), 2)).toMatch(/^--procs: bad value '65'/);
    expect(oneLine(await picemu(['run', 'fixtures/libcounter.so', 'f', '--bogus']), 2)).toBe("unknown option '--bogus' (see picemu run --help)");
  });

  it('--debug adds the stack trace; without it there is none', async () => {
    const plain = await picemu(['segments', 'nosuch.so']);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await picemu(['segments', 'nosuch.so', '--debug']);
    expect(debug.stderr).toMatch(/^picemu: nosuch\.so: no such file or directory\n.*Error.*\n\s+at /s);
    // Its frames name the TypeScript sources (through dist's source maps): the first is the line that throws.
    const top = /\n\s+at .*\((\/.*\/src\/[\w/-]+\.ts):(\d+):\d+\)/.exec(debug.stderr);
    expect(top, debug.stderr).not.toBeNull();
    expect(readFileSync(top![1]!, 'utf8').split('\n')[Number(top![2]) - 1]).toMatch(/throw new \w*Error/);
  });
});
