// Exec'ed programs on the unicorn engine (unicorn-engine 2.1.4 in WebAssembly): the same kernel, its system calls
// from unicorn's syscall hook, fork's COW and signals, compared with the native run of the same program; cpuid
// answers from the CPU profile (glibc's own diagnostics show it); profiles unicorn cannot execute are refused.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Machine, Strace } from '../../src/index.ts';
import { UnicornProfileError } from '../../src/process/engines/unicorn-profile.ts';
import { unicornModule } from '../../src/process/engines/unicorn-module.ts';
import type { EngineName } from '../../src/process/engines/engine.ts';
import { ENV, nativeRun, PROGRAMS } from '../kernel/programs.ts';
import { libcProgramsBlockedBy } from '../kernel/prerequisites.ts';
import { buildCHelper, buildCSource, hasCc, repoRoot, hasStrace, VDSO_CALLS } from '../helpers/oracles.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Run { stdout: string; status: number | string; exit: unknown; strace: string[] }

async function execOn(engine: EngineName, argv: string[], options: { stdin?: string; env?: string[]; cpu?: 'x86-64-v2' } = {}): Promise<Run> {
  const m = await Machine.create({ engine, cpu: options.cpu });
  const strace: string[] = [];
  m.kernel.tracer = new Strace((line) => strace.push(line));
  const s = m.exec(argv[0]!, { argv, env: options.env ?? ENV, stdio: { stdin: Buffer.from(options.stdin ?? '') } });
  if (typeof s === 'number') throw new Error(`exec ${argv[0]}: ${s}`);
  m.kernel.run({ budget: 2_000_000_000, deadlineMs: 120_000, until: () => s.task.group.exit !== undefined });
  const exit = s.task.group.exit;
  expect(s.task.cpu.constructor.name).toBe(engine === 'unicorn' ? 'UnicornEngine' : 'PicemuEngine');
  return { stdout: Buffer.from(s.stdout!.bytes).toString('latin1'), status: exit?.kind === 'exited' ? exit.code : JSON.stringify(exit), exit, strace };
}

const missing = libcProgramsBlockedBy();
if (missing) console.warn(`exec on the unicorn engine is skipped: ${missing}`);

describe.skipIf(missing !== undefined)('exec --engine unicorn: programs print what they print natively', () => {
  const programs = [...PROGRAMS.filter((p) => !p.long), { argv: ['/bin/sh', '-c', 'echo a; /bin/echo b; exit 3'] }];
  it.each(programs.map(({ argv, stdin }) => [argv.join(' '), argv, stdin] as const))('%s', async (_name, argv, stdin) => {
    const want = nativeRun(argv, stdin);
    const got = await execOn('unicorn', argv, { stdin });
    expect(got.stdout).toBe(want.stdout);
    expect(got.status).toBe(want.status);
  }, 60_000);

  it('sh -c forks and execs: the child runs on its own unicorn instance, COW-copied memory, the same system calls as picemu', async () => {
    const argv = ['/bin/sh', '-c', 'echo a; /bin/echo b'];
    const [mine, theirs] = [await execOn('picemu', argv, { cpu: 'x86-64-v2' }), await execOn('unicorn', argv)];
    expect(theirs.stdout).toBe('a\nb\n');
    const names = (lines: string[]) => lines.map((l) => l.match(/^(\[pid \d+\] )?(\w+)\(/)?.slice(1).join('')).filter(Boolean);
    expect(names(theirs.strace)).toEqual(names(mine.strace));
    expect(theirs.strace.some((l) => l.startsWith('clone(') || l.startsWith('vfork(') || l.startsWith('clone3('))).toBe(true);
  }, 60_000);

  it('a shell running /bin/true 20 times: every child exits, and dead tasks give their unicorn instances back', async () => {
    const m = await Machine.create({ engine: 'unicorn' });
    const s = m.exec('/bin/sh', { argv: ['sh', '-c', 'i=0; while [ $i -lt 20 ]; do /bin/true; i=$((i+1)); done; echo done $i'], env: ENV, stdio: {} });
    if (typeof s === 'number') throw new Error(`exec: ${s}`);
    m.kernel.run({ deadlineMs: 120_000, until: () => s.task.group.exit !== undefined });
    expect(Buffer.from(s.stdout!.bytes).toString()).toBe('done 20\n');
    // 40 engines (a fork and an exec each time) with a 4 MiB translation buffer each would need 160 MiB and more.
    expect(unicornModule().HEAPU8.length).toBeLessThan(100 << 20);
  }, 120_000);

  it('/proc/self/maps of cat is the same on both engines (one kernel lays out both)', async () => {
    const argv = ['/bin/cat', '/proc/self/maps'];
    const [mine, theirs] = [await execOn('picemu', argv, { cpu: 'x86-64-v2' }), await execOn('unicorn', argv)];
    expect(theirs.stdout).toBe(mine.stdout);
    expect(theirs.stdout).toMatch(/ \/usr\/lib\/x86_64-linux-gnu\/libc\.so\.6\n/);
  }, 60_000);

  it("cpuid answers from the profile: ld.so's --list-diagnostics (what glibc read from cpuid) equals picemu's x86-64-v2", async () => {
    const argv = ['/lib64/ld-linux-x86-64.so.2', '--list-diagnostics'];
    const [mine, theirs] = [await execOn('picemu', argv, { cpu: 'x86-64-v2' }), await execOn('unicorn', argv)];
    const cpuLines = (text: string) => text.split('\n').filter((l) => l.startsWith('x86.'));
    expect(cpuLines(theirs.stdout).length).toBeGreaterThan(20);
    expect(cpuLines(theirs.stdout)).toEqual(cpuLines(mine.stdout));
    expect(theirs.stdout).toContain('x86.cpu_features.basic.model=0x1a\n');
  }, 60_000);
});

describe.skipIf(missing !== undefined || !hasStrace())('exec --engine unicorn: system calls by name and in order equal strace -f of the native run', () => {
  it.each([[['/bin/echo', 'hi']], [['/bin/cat', '/etc/hostname']], [['/usr/bin/head', '-3', '/etc/passwd']]])('%s', async (argv) => {
    const out = join(mkdtempSync(join(tmpdir(), 'picemu-strace-')), 'trace');
    execFileSync('strace', ['-f', '-qq', '-o', out, 'env', '-i', ...ENV, ...argv], { stdio: ['ignore', 'pipe', 'ignore'] });
    const native = readFileSync(out, 'utf8').trim().split('\n').map((l) => l.match(/^(\d+)\s+(.*)$/)!.slice(1) as [string, string]);
    const start = native.findIndex(([, l]) => l.startsWith(`execve("${argv[0]}"`));
    // Per process, in the order processes first appear. (Multi-process programs are compared with the picemu engine
    // above: whether a child's SIGCHLD comes before or during the parent's wait4 depends on scheduling, natively too.)
    const perProcess = (calls: [string, string][]) => {
      const seqs = new Map<string, string[]>();
      for (const [pid, line] of calls) {
        const name = line.match(/^(\w+)\(/)?.[1];
        if (!name || VDSO_CALLS.has(name)) continue;
        seqs.set(pid, [...(seqs.get(pid) ?? []), name]);
      }
      return [...seqs.values()];
    };
    const got = await execOn('unicorn', argv);
    const ours = got.strace.map((l) => (l.match(/^\[pid (\d+)\] (.*)$/)?.slice(1) as [string, string] | undefined) ?? ['first', l] as [string, string]);
    expect(perProcess(ours)).toEqual(perProcess(native.slice(start + 1)));
  }, 60_000);
});

describe.skipIf(!hasCc())('exec --engine unicorn: signals and faults as natively', () => {
  it('handlers see the registers, x87 and XMM state natively seen; sigreturn restores them (signal_frames.c)', async () => {
    const exe = buildCHelper('signal_frames');
    const env = ['PATH=/usr/bin:/bin', 'LANG=C'];
    const native = execFileSync(exe, [], { encoding: 'latin1', env: Object.fromEntries(env.map((e) => e.split('=') as [string, string])) });
    const got = await execOn('unicorn', [exe], { env });
    expect(got.stdout).toBe(native);
    expect(got.status).toBe(0);
  }, 60_000);

  it('a store to address 0 kills the program with SIGSEGV at the faulting instruction, as natively', async () => {
    const exe = buildCSource(join(repoRoot, 'test', 'kernel', 'c', 'null_store.c'), ['-nostdlib', '-static']);
    let nativeSignal: string | null = null;
    try {
      execFileSync(exe, [], { stdio: 'ignore' });
    } catch (e) {
      nativeSignal = (e as { signal: string | null }).signal;
    }
    expect(nativeSignal).toBe('SIGSEGV');
    const got = await execOn('unicorn', [exe]);
    expect(got.exit).toMatchObject({ kind: 'signaled', signal: 11, fault: { address: 0, instruction: 'mov dword ptr [rdi], 1' } });
  }, 60_000);
});

describe('the unicorn engine and CPU profiles', () => {
  it('defaults to x86-64-v2; a profile with extensions unicorn does not execute is refused in one line', async () => {
    expect((await Machine.create({ engine: 'unicorn' })).cpu.name).toBe('x86-64-v2');
    const refused = await Machine.create({ engine: 'unicorn', cpu: 'x86-64-v3' }).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(UnicornProfileError);
    expect((refused as Error).message).toBe(
      'unicorn engine: CPU profile x86-64-v3 has avx, avx2, fma, f16c, which unicorn-engine 2.1.4 does not execute; use --cpu x86-64-v2 (the unicorn engine\'s default)',
    );
  });

  it('picemu exec --engine unicorn --cpu x86-64-v3 exits 1 with that line', () => {
    let result: { status: number; stderr: string } = { status: 0, stderr: '' };
    try {
      execFileSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'src', 'cli.ts'), 'exec', '--engine', 'unicorn', '--cpu', 'x86-64-v3', '/bin/true'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      result = e as { status: number; stderr: string };
    }
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('picemu: unicorn engine: CPU profile x86-64-v3 has avx, avx2, fma, f16c, which unicorn-engine 2.1.4 does not execute; use --cpu x86-64-v2 (the unicorn engine\'s default)\n');
  }, 60_000);
});
