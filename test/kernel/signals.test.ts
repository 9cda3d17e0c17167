// Signal delivery against the kernel: test/helpers/c/signal_frames.c installs handlers, raises faults and sends
// signals, and prints what each handler sees (siginfo, sigcontext registers, err/trapno/cr2, the frame's layout,
// masks, the alternate stack) and what sigreturn restores after the handler changed registers. Run natively and
// exec'ed in picemu, it must print the same, byte for byte; so must test/helpers/c/signal_wait.c (sigsuspend, pause).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildCHelper, hasCc } from '../helpers/oracles.ts';
import { GUEST_ENV, runGuest } from '../helpers/guest.ts';

describe.skipIf(!hasCc())('signals: handlers, frames, sigreturn, default actions', () => {
  it('a program\'s handlers see what they see natively', () => {
    const exe = buildCHelper('signal_frames');
    const native = execFileSync(exe, [], { encoding: 'utf8', env: Object.fromEntries(GUEST_ENV.map((e) => e.split('=') as [string, string])) });
    const guest = runGuest(exe, ['signal_frames']);
    expect(guest.stderr).toBe('');
    expect(guest.stdout).toBe(native);
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
  });

  it('sleeping until a signal: sigsuspend (and the mask it restores), pause, SIGCHLD', () => {
    const exe = buildCHelper('signal_wait');
    const native = execFileSync(exe, [], { encoding: 'utf8' });
    const guest = runGuest(exe, ['signal_wait']);
    expect(guest.stdout).toBe(native);
    expect(guest.exit).toEqual({ kind: 'exited', code: 0 });
  });
});
