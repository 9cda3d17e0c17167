// poll, ppoll, select, pselect6 and epoll over pipes and stdio: test/kernel/c/poll_probe.c (readiness, timeouts,
// a child's write waking a sleeper, EINTR from a signal, bad arguments' errnos, epoll's level/edge/one-shot order)
// prints the same natively and in picemu — with picemu's buffered stdio, and through `picemu exec` with the host's
// own pipes, or a terminal (script(1)'s pty), as stdin and stdout; and its poll/epoll lines under --strace equal
// strace's.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Strace } from '../../src/kernel/strace.ts';
import { buildCSource, hasCc, hasStrace, repoRoot, requireOracle } from '../helpers/oracles.ts';
import { runGuest } from '../helpers/guest.ts';

/** stdin a pipe holding one line whose writer has closed (the sleep makes sure), stdout a pipe: as `cmd` sees them. */
const throughPipes = (cmd: string): string =>
  execFileSync('sh', ['-c', `printf '\\n' | { sleep 0.3; exec ${cmd}; } | cat`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

/** `cmd` run by script(1) on a new terminal (stdin, stdout and stderr a pty; script's own stdin stays open, so no ^D). */
function onTerminal(cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.on('error', reject);
    child.on('close', () => resolve(out.replace(/\r/g, '')));
  });
}

const hasScript = (): boolean => {
  try {
    execFileSync('script', ['-qec', 'true', '/dev/null'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

describe.skipIf(!hasCc())('poll, select and epoll', () => {
  const probe = () => buildCSource(join(repoRoot, 'test/kernel/c/poll_probe.c'));

  it('report, wait and fail as natively', () => {
    const exe = probe();
    // (node's own stdio pipes are socket pairs, which poll reports otherwise: the native run gets real pipes.)
    const native = throughPipes(exe);
    const guest = runGuest(exe, [exe], { stdin: '\n' });
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
    expect(guest.stdout).toBe(native);
  }, 120_000);

  it('see the host\'s pipes as stdin and stdout through picemu exec', () => {
    const exe = probe();
    const cli = `${process.execPath} ${join(repoRoot, 'bin', 'picemu.mjs')} exec`;
    expect(throughPipes(`${cli} ${exe}`)).toBe(throughPipes(exe));
  }, 120_000);

  it.runIf(hasStrace())('print their strace lines as strace does', () => {
    const exe = probe();
    const out = join(mkdtempSync(join(tmpdir(), 'picemu-poll-strace-')), 'trace');
    throughPipes(`strace -qq -o ${out} ${exe}`); // the probe alone (no -f): its children's lines would interleave
    const traced: string[] = [];
    runGuest(exe, [exe], { stdin: '\n', tracer: new Strace((line) => traced.push(line)) });
    // Addresses aside, and the nfds of the call one past RLIMIT_NOFILE (picemu's guests start with 1024, not the host's).
    const shown = (lines: string[]) =>
      lines.filter((l) => /^(poll|epoll_create1?|epoll_ctl|epoll_wait)\(/.test(l))
        .map((l) => l.replace(/0x[0-9a-f]{6,}/g, 'ADDR').replace(/\s+= /, ' = ').replace(/^poll\(NULL, \d+, 0\) = -1 EINVAL/, 'poll(NULL, NOFILE+1, 0) = -1 EINVAL'));
    const want = shown(readFileSync(out, 'utf8').trim().split('\n'));
    expect(want.length).toBeGreaterThan(40);
    expect(shown(traced)).toEqual(want);
  }, 120_000);

  it.runIf(requireOracle('script (util-linux)', hasScript(), 'apt-get install bsdutils'))('see a terminal as stdin and stdout through picemu exec', async () => {
    const exe = probe();
    const cli = `${process.execPath} ${join(repoRoot, 'bin', 'picemu.mjs')} exec`;
    const native = await onTerminal(exe);
    expect(native).toMatch(/^ctl add stdin: 0$/m); // the probe ran to its end
    expect(await onTerminal(`${cli} ${exe}`)).toBe(native);
  }, 120_000);
});
