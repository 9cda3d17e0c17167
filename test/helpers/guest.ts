// Runs a real program in an emulated process on a fresh kernel (its stdin a buffer, stdout/stderr captured):
// for tests that compare a guest's output and exit with the same program run natively.
import { createSharedMemory } from '../../src/mm/index.ts';
import { execve } from '../../src/kernel/exec/index.ts';
import { BufferStreamFile } from '../../src/kernel/files/console.ts';
import { Kernel, type KernelStop } from '../../src/kernel/kernel.ts';
import type { ExitReason } from '../../src/kernel/task.ts';
import type { SyscallTracer } from '../../src/kernel/strace.ts';

/** The environment guests get (the native runs they are compared with get the same). */
export const GUEST_ENV = ['PATH=/usr/bin:/bin', 'LANG=C'];

export interface GuestRun {
  stdout: string;
  stderr: string;
  exit: ExitReason | undefined;
  stop: KernelStop;
  kernel: Kernel;
}

export function runGuest(path: string, argv: string[], options: { env?: string[]; stdin?: string; deadlineMs?: number; cwd?: string; slice?: number; tracer?: SyscallTracer } = {}): GuestRun {
  const kernel = new Kernel({ ...createSharedMemory(), tracer: options.tracer });
  kernel.vfs.pageCache ??= kernel.pageCache; // (the skeleton leaves this to its caller)
  const task = kernel.createProcess({ cwd: options.cwd ?? process.cwd() });
  const io = [
    new BufferStreamFile('pipe:[0]', 0, new TextEncoder().encode(options.stdin ?? '')),
    new BufferStreamFile('pipe:[1]', 1),
    new BufferStreamFile('pipe:[2]', 1),
  ];
  io.forEach((f, fd) => task.files.installAt(fd, f, false));
  const enc = (s: string) => new TextEncoder().encode(s);
  const r = execve(task, { path, argv: argv.map(enc), envp: (options.env ?? GUEST_ENV).map(enc) });
  if (r < 0) throw new Error(`execve ${path}: ${r}`);
  const stop = kernel.run({ deadlineMs: options.deadlineMs ?? 60_000, slice: options.slice });
  const text = (f: BufferStreamFile) => Buffer.from(f.bytes).toString('utf8');
  return { stdout: text(io[1]!), stderr: text(io[2]!), exit: task.group.exit, stop, kernel };
}
