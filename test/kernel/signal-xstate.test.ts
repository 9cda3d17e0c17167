// Signal frames on the x86-64-v3 profile (AVX2, XSAVE) as the kernel writes them on a CPU with XSAVE:
// test/kernel/c/signal_xstate.c reads the frame's XSAVE area (UC_FP_XSTATE, the FP_XSTATE magic words, xstate_bv,
// the upper halves of YMM registers) and changes it (a new upper half, xstate_bv's AVX bit cleared, MAGIC1 broken),
// and the whole signal suite (test/helpers/c/signal_frames.c) runs on that profile too: both print what they print
// natively.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/index.ts';
import { buildCHelper, buildCSource, hasCc, repoRoot, requireOracle } from '../helpers/oracles.ts';
import { GUEST_ENV } from '../helpers/guest.ts';

const hostHasAvx = (): boolean => {
  const flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1]?.split(' ') ?? [];
  return requireOracle('a host CPU with AVX and XSAVE (the native run is the oracle)', flags.includes('avx') && flags.includes('xsave'), 'run on x86-64 hardware with AVX');
};

/** Runs a program on an x86-64-v3 machine with buffered stdio: its stdout and exit. */
async function execV3(path: string, argv: string[]): Promise<{ stdout: string; exit: unknown }> {
  const machine = await Machine.create({ cpu: 'x86-64-v3' });
  const s = machine.exec(path, { argv, env: GUEST_ENV, stdio: {} });
  if (typeof s === 'number') throw new Error(`exec ${path}: ${s}`);
  machine.kernel.run({ deadlineMs: 60_000, until: () => s.task.group.exit !== undefined });
  return { stdout: Buffer.from(s.stdout!.bytes).toString('utf8'), exit: s.task.group.exit };
}

describe.skipIf(!hasCc() || !hostHasAvx())('signal frames with XSAVE (x86-64-v3)', () => {
  it('the XSAVE area and what sigreturn restores from it, as natively', async () => {
    const exe = buildCSource(join(repoRoot, 'test/kernel/c/signal_xstate.c'));
    const native = execFileSync(exe, { encoding: 'utf8' });
    const guest = await execV3(exe, [exe]);
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
    expect(guest.stdout).toBe(native);
  }, 60_000);

  it('the signal suite (faults, kill, alternate stacks, registers changed by handlers), as natively', async () => {
    const exe = buildCHelper('signal_frames');
    const native = execFileSync(exe, [], { encoding: 'utf8', env: Object.fromEntries(GUEST_ENV.map((e) => e.split('=') as [string, string])) });
    const guest = await execV3(exe, ['signal_frames']);
    expect(guest.stdout).toBe(native);
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
  }, 60_000);
});
