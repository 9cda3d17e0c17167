// Starting a program in a new emulated process, as a shell's fork + execve would: a process with stdin, stdout
// and stderr (picemu's own descriptors, or buffers), the environment given, then execve.
import { bufferConsole, hostConsole, type BufferStreamFile } from './files/console.ts';
import type { StreamFile } from './files/file.ts';
import { execve } from './exec/index.ts';
import type { Kernel } from './kernel.ts';
import type { Task } from './task.ts';

export interface SpawnOptions {
  /** argv, argv[0] included. */
  argv: string[];
  /** The environment, as K=V strings. */
  env: string[];
  cwd?: string;
  /**
   * 'host': picemu's own stdin/stdout/stderr (the CLI); otherwise stdout and stderr are buffers and stdin holds
   * `stdin` (or is picemu's own stdin, 'host': a CLI whose stdout carries something else, such as a JSON trace).
   */
  stdio?: 'host' | { stdin?: Uint8Array | 'host' };
}

export interface Spawned {
  task: Task;
  /** With buffered stdio: what the process wrote (and, with threads or children sharing them, they too). */
  stdout?: BufferStreamFile;
  stderr?: BufferStreamFile;
}

/** Creates the process and exec's `path` in it: the new process, or -errno as execve gave it (the process is gone then). */
export function spawnProgram(kernel: Kernel, path: string, options: SpawnOptions): Spawned | number {
  const task = kernel.createProcess({ cwd: options.cwd ?? process.cwd() });
  const stdio = options.stdio ?? {};
  const files: StreamFile[] = stdio === 'host' ? hostConsole() : bufferConsole(stdio.stdin === 'host' ? undefined : stdio.stdin);
  if (stdio !== 'host' && stdio.stdin === 'host') files[0] = hostConsole()[0];
  for (const f of files) task.files.install(f, false);
  const enc = (s: string) => Buffer.from(s, 'utf8');
  const r = execve(task, { path, argv: options.argv.map(enc), envp: options.env.map(enc) });
  if (r < 0) {
    kernel.exitGroup(task.group, { kind: 'exited', code: 127 });
    kernel.forget(task.group);
    return r;
  }
  return stdio === 'host' ? { task } : { task, stdout: files[1] as BufferStreamFile, stderr: files[2] as BufferStreamFile };
}
