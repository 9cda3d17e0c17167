// A child process run to its end without blocking the vitest worker (spawnSync would: a file of many CLI runs then
// starves the worker's RPC to vitest, which fails the run with "Timeout calling onTaskUpdate" on a busy machine).
import { spawn } from 'node:child_process';

export interface Finished {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be started (ENOENT) or was killed for taking longer than `timeout`. */
  error?: Error;
}

export function spawnAsync(cmd: string, args: string[], options: { cwd?: string; input?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let error: Error | undefined;
    const timer = setTimeout(() => {
      error = new Error(`${cmd} ${args.join(' ')}: still running after ${options.timeout} ms`);
      child.kill('SIGKILL');
    }, options.timeout ?? 120_000);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => (error = e));
    // A child that exits without reading its input closes the pipe: not an error here.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ...(error ? { error } : {}) });
    });
  });
}
