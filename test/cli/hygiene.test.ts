// The CLI as a new user meets it (issue 13): a closed pipe, files that cannot be used, bare library names, help and
// version, limits, NULL strings, --debug. Every failure is one line; the oracles are the system's own tools (cat's
// strerror text, readelf's verdict, bash's status for a writer killed by a closed pipe, native calls).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeCall } from '../helpers/native.ts';
import { hasCc, hasReadelf, repoRoot } from '../helpers/oracles.ts';

const bin = join(repoRoot, 'bin', 'picemu.mjs');
const picemu = (args: string[], cwd = repoRoot) => spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 28 });
const libz = '/lib/x86_64-linux-gnu/libz.so.1';
const libc = '/lib/x86_64-linux-gnu/libc.so.6';
const tmp = mkdtempSync(join(tmpdir(), 'picemu-cli-'));

/** One line on stderr, `picemu: …`, nothing on stdout, the given status. */
function oneLine(r: ReturnType<typeof picemu>, status: number): string {
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
  it('ends quietly with the status of a writer killed by SIGPIPE, as `yes | head -1` does', () => {
    // ~4 000 trace lines (far more than a pipe holds), so picemu is still writing when head exits.
    const script = `set -o pipefail; yes | head -1 >/dev/null; echo "yes=$?"; "${process.execPath}" "${bin}" run fixtures/libcounter.so really_really_nonreentrant --procs 1 --calls 1000 --trace | head -1; echo "picemu=$?"`;
    const r = spawnSync('bash', ['-c', script], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('yes=141');
    expect(lines[1]).toMatch(/^process 1: libcounter\.so at 0x[0-9a-f]+; really_really_nonreentrant returned 0, 1, 2, /);
    expect(lines[2]).toBe('picemu=141');
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
  ])('%s: a missing file and a directory, with the strerror cat gives', (_name, command) => {
    const withPath = (p: string) => (command.includes('@') ? command.map((a) => (a === '@' ? p : a)) : [...command, p]);
    expect(oneLine(picemu(withPath('./nosuch.so')), 1)).toBe(`./nosuch.so: ${catReason('./nosuch.so')}`);
    expect(oneLine(picemu(withPath('./fixtures')), 1)).toBe(`./fixtures: ${catReason('./fixtures')}`);
    expect(catReason('./fixtures')).toBe('is a directory');
  });

  it.skipIf(!hasReadelf())('a file that is not ELF, an empty device, a file too short: each says so (none says "cannot open shared object")', () => {
    expect(spawnSync('readelf', ['-h', notElf], { encoding: 'utf8' }).stderr).toMatch(/Not an ELF file/);
    for (const command of [['segments', notElf], ['run', notElf, 'foo'], ['maps', notElf]]) {
      expect(oneLine(picemu(command), 1)).toBe(`${notElf}: not an ELF file (starts with 23 20 70 69, not 7f 45 4c 46)`);
    }
    expect(oneLine(picemu(['run', '/dev/null', 'foo']), 1)).toBe('/dev/null: not a regular file (a character device)');
    expect(oneLine(picemu(['run', short, 'foo']), 1)).toBe(`${short}: file too short (10 bytes; an ELF64 header is 64)`);
    expect(oneLine(picemu(['segments', short]), 1)).toBe(`${short}: file too short (10 bytes; an ELF64 header is 64)`);
  });

  it('check names each file once, with the reason after it', () => {
    const r = picemu(['check', 'nosuch.so', 'fixtures', 'README.md', 'fixtures/bad-elf/libabsl_random_internal_platform-s4242-i70.so']);
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
  it('a bare name that is a file in the current directory is that file (run, maps, segments)', () => {
    const cwd = join(repoRoot, 'fixtures');
    const r = picemu(['run', 'libcounter.so', 'really_really_nonreentrant', '--calls', '2'], cwd);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^process 1: libcounter\.so at 0x[0-9a-f]+; really_really_nonreentrant returned 0, 1$/m);
    expect(picemu(['maps', 'libcounter.so'], cwd).stdout).toContain(join(repoRoot, 'fixtures', 'libcounter.so'));
    expect(picemu(['segments', 'libcounter.so'], cwd).status).toBe(0);
  });

  it('a bare name that is not in the current directory is searched for as dlopen does', () => {
    const r = picemu(['run', 'libz.so.1', 'zlibVersion', '--ret', 'cstr', '--json', '--procs', '1'], tmp);
    expect(r.stderr).toBe('');
    expect((JSON.parse(r.stdout) as { processes: { results: string[] }[] }).processes[0]!.results).toEqual(nativeCall('libz.so.1', 'zlibVersion', [], { ret: 'cstr' }));
    expect(oneLine(picemu(['run', 'libnosuch.so.9', 'f'], tmp), 1)).toBe('libnosuch.so.9: no such file in the current directory, nor a library of that name in /lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64');
  });
});

describe.skipIf(!hasCc())('NULL from --ret cstr', () => {
  it('is null in JSON and NULL in text, where the native call returns a null pointer', () => {
    const args = ['str:PICEMU_SURELY_UNSET_VARIABLE'];
    expect(nativeCall(libc, 'getenv', args, { ret: 'cstr' })).toEqual(['(null)']); // the C helper's spelling of a 0 pointer
    const json = picemu(['run', libc, 'getenv', ...args, '--ret', 'cstr', '--json']);
    expect((JSON.parse(json.stdout) as { processes: { results: unknown[] }[] }).processes.map((p) => p.results)).toEqual([[null], [null]]);
    expect(picemu(['run', libc, 'getenv', ...args, '--ret', 'cstr']).stdout).toMatch(/^process 1: libc\.so\.6 at 0x[0-9a-f]+; getenv returned NULL$/m);
  });
});

describe('help, version and limits', () => {
  it('--version prints the package version; --help lists every command', () => {
    const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    expect(picemu(['--version'])).toMatchObject({ status: 0, stdout: `${version}\n`, stderr: '' });
    const help = picemu(['--help']);
    expect(help.status).toBe(0);
    for (const command of ['demo', 'run', 'segments', 'maps', 'check', 'repl']) expect(help.stdout).toMatch(new RegExp(`^  ${command} +\\S`, 'm'));
  });

  it.each(['demo', 'run', 'segments', 'maps', 'check', 'repl'])('%s --help: its usage and options, exit 0', (command) => {
    const r = picemu([command, '--help']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(new RegExp(`^usage: picemu ${command}`));
    expect(r.stdout).toContain('--help');
    if (command === 'run') expect(picemu(['help', command]).stdout).toBe(r.stdout);
    // How LIB is found, stated where LIB is taken.
    if (['run', 'maps', 'repl'].includes(command)) expect(r.stdout.replace(/\s+/g, ' ')).toContain('a bare name (libz.so.1) is the file of that name in the current directory when there is one (dlopen would not look there)');
  });

  it('--budget and --timeout bound run (and are in its help)', () => {
    expect(oneLine(picemu(['run', 'fixtures/libdemo.so', 'fib', '25', '--procs', '1', '--budget', '1000']), 1)).toMatch(/^fib: instruction budget of 1000 ran out at fib\+0x[0-9a-f]+ \(libdemo\.so\+0x[0-9a-f]+, \.text\)$/);
    const started = Date.now();
    expect(oneLine(picemu(['run', 'fixtures/libdemo.so', 'fib', '60', '--procs', '1', '--timeout', '0.3']), 1)).toMatch(/^fib: deadline of 300 ms passed at fib(\+0x[0-9a-f]+)? \(libdemo\.so\+0x[0-9a-f]+, \.text\)$/);
    expect(Date.now() - started).toBeLessThan(15_000);
    const help = picemu(['run', '--help']).stdout;
    expect(help).toMatch(/--budget N +stop/);
    expect(help).toMatch(/--timeout S +stop/);
  });

  it('--budget bounds the REPL\'s c', () => {
    const r = spawnSync(process.execPath, [bin, 'repl', 'fixtures/libdemo.so', '--procs', '1', '--budget', '1000'], { cwd: repoRoot, input: 'call fib 30\nc\n', encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/stopped at 0x[0-9a-f]+ libdemo\.so\+0x[0-9a-f]+ <fib[^>]*> at the limit \(1000 instructions; c goes on\)/);
  });

  it('too many processes or calls is a usage error at once (exit 2), not minutes of work', () => {
    expect(oneLine(picemu(['run', 'fixtures/libcounter.so', 'really_really_nonreentrant', '--procs', '4096']), 2)).toBe("--procs: bad value '4096' (want an integer from 1 to 64) (see picemu run --help)");
    expect(oneLine(picemu(['run', 'fixtures/libcounter.so', 'really_really_nonreentrant', '--calls', '1000000']), 2)).toBe("--calls: bad value '1000000' (want an integer from 0 to 100000) (see picemu run --help)");
    expect(oneLine(picemu(['maps', 'fixtures/libcounter.so', '--procs', '65']), 2)).toMatch(/^--procs: bad value '65'/);
    expect(oneLine(picemu(['run', 'fixtures/libcounter.so', 'f', '--bogus']), 2)).toBe("unknown option '--bogus' (see picemu run --help)");
  });

  it('--debug adds the stack trace; without it there is none', () => {
    const plain = picemu(['segments', 'nosuch.so']);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = picemu(['segments', 'nosuch.so', '--debug']);
    expect(debug.stderr).toMatch(/^picemu: nosuch\.so: no such file or directory\n.*Error.*\n\s+at /s);
  });
});
