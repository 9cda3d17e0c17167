// exec lays out a process as the kernel's load_elf_binary does. Oracle: a libc-free probe (exec_probe.c, static,
// as ET_EXEC and as static PIE) printing rsp, argv, envp and the auxv it was started with, run natively under
// `setarch -R` with a fixed environment, and in picemu without randomization: every address and value is the
// kernel's, except AT_HWCAP (each equals its own CPU's cpuid leaf 1 EDX, checked) and AT_HWCAP2's FSGSBASE bit
// (picemu's CPU has no rdfsbase/wrfsbase, so it does not advertise them).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/index.ts';
import { buildCSource, hasCc, hasSetarch, repoRoot } from '../helpers/oracles.ts';

const source = join(repoRoot, 'test', 'kernel', 'c', 'exec_probe.c');
const AT_HWCAP = 0x10, AT_HWCAP2 = 0x1a;


/** The probe's lines, with the CPU-dependent auxv values taken out and checked against the probe's own cpuid. */
function parse(text: string): { lines: string[]; hwcap: bigint; cpuid: bigint; hwcap2: bigint } {
  const lines = text.trim().split('\n');
  const aux = (type: number) => BigInt(lines.find((l) => l.startsWith(`auxv 0x${type.toString(16).padStart(16, '0')} `))!.split(' ')[2]!);
  const cpuid = BigInt(lines.find((l) => l.startsWith('cpuid1edx '))!.split(' ')[1]!);
  const cpuDependent = (l: string) => l.startsWith(`auxv 0x${AT_HWCAP.toString(16).padStart(16, '0')} `) || l.startsWith(`auxv 0x${AT_HWCAP2.toString(16).padStart(16, '0')} `);
  const masked = lines.map((l) => (cpuDependent(l) ? l.slice(0, 23) : l.startsWith('cpuid1edx') ? 'cpuid1edx' : l));
  return { lines: masked, hwcap: aux(AT_HWCAP), cpuid, hwcap2: aux(AT_HWCAP2) };
}

function inPicemu(exe: string, args: string[], env: string[], seed?: number, argv0 = exe): string {
  const m = new Machine({ seed });
  const started = m.exec(exe, { argv: [argv0, ...args], env, stdio: {} });
  if (typeof started === 'number') throw new Error(`exec failed: ${started}`);
  m.kernel.run({ budget: 1_000_000, until: () => started.task.group.exit !== undefined });
  expect(started.task.group.exit).toEqual({ kind: 'exited', code: 0 });
  return Buffer.from(started.stdout!.bytes).toString('latin1');
}

describe.skipIf(!hasCc() || !hasSetarch())('exec: stack, auxv and placement as the kernel lays them out', () => {
  it.each([
    ['ET_EXEC', ['-nostdlib', '-static', '-no-pie', '-fno-pie']],
    ['static PIE (placed by mmap, no interpreter)', ['-nostdlib', '-static-pie', '-fPIE']],
  ])('%s: every line equals the native one under setarch -R', (_kind, flags) => {
    const exe = buildCSource(source, flags);
    const env = ['A=1', 'LONGER_VARIABLE=' + 'x'.repeat(100)];
    const native = parse(execFileSync('setarch', ['x86_64', '-R', 'env', '-i', ...env, exe, 'one', 'two three'], { encoding: 'latin1' }));
    const ours = parse(inPicemu(exe, ['one', 'two three'], env));
    expect(ours.lines).toEqual(native.lines);
    expect(native.hwcap).toBe(native.cpuid);
    expect(ours.hwcap).toBe(ours.cpuid);
    expect(ours.hwcap2).toBe(native.hwcap2 & ~2n);
  });

  it('a `#!` script runs its interpreter with [interpreter, argument, script, args...]; AT_EXECFN stays the script\'s', () => {
    const exe = buildCSource(source, ['-nostdlib', '-static', '-no-pie', '-fno-pie']);
    const script = join(mkdtempSync(join(tmpdir(), 'picemu-script-')), 'script');
    writeFileSync(script, `#!${exe}  first argument \nignored\n`);
    chmodSync(script, 0o755);
    const env = ['A=1'];
    const native = parse(execFileSync('setarch', ['x86_64', '-R', 'env', '-i', ...env, script, 'x'], { encoding: 'latin1' }));
    const ours = parse(inPicemu(script, ['x'], env, undefined, script));
    expect(ours.lines).toEqual(native.lines);
    expect(ours.lines.filter((l) => l.startsWith('argv')).map((l) => l.split(' ').slice(2).join(' '))).toEqual([exe, 'first argument', script, 'x']);
  });

  it('with a seed the layout is randomized, the same for the same seed, and the strings are intact', () => {
    const exe = buildCSource(source, ['-nostdlib', '-static-pie', '-fPIE']);
    const a = inPicemu(exe, ['x'], ['A=1'], 5);
    const b = inPicemu(exe, ['x'], ['A=1'], 5);
    const c = inPicemu(exe, ['x'], ['A=1'], 6);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    const rsp = BigInt(a.split('\n')[0]!.split(' ')[1]!);
    // STACK_RND_MASK: up to 16 GiB below TASK_SIZE, plus arch_align_stack's 8 KiB.
    expect(rsp < 0x7ffffffff000n && rsp > 0x7ffffffff000n - (1n << 34n) - 0x10000n).toBe(true);
    expect(a).toContain(' x\n');
    expect(a).toContain(' A=1\n');
  });
});
