// Test helpers: Debian's gdb in batch mode (async, bounded), its output cut into named sections, and addresses
// rewritten relative to a module's base so picemu's and the native run's sessions compare line by line.
import { execFileSync, spawn } from 'node:child_process';
import { requireOracle } from '../helpers/oracles.ts';

function works(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const hasGdb = (): boolean => requireOracle('gdb', works('gdb'), 'apt-get install gdb');
export const hasGdbserver = (): boolean => requireOracle('gdbserver', works('gdbserver'), 'apt-get install gdbserver');

/** A section marker: `section('regs')` as a gdb command prints `@@regs` on a line of its own. */
export const section = (name: string): string => `echo @@${name}\\n`;

/** Runs `gdb -nx -batch` with each command as an -ex; resolves to stdout+stderr (killed after `timeoutMs`). */
export function runGdb(commands: string[], timeoutMs = 40_000): Promise<string> {
  return new Promise((resolve, reject) => {
    // remotetimeout: gdb waits 2 s for a reply, then resends and may pair later replies with the wrong packets; a
    // picemu server sharing a test worker with other work on a loaded machine can take longer than that.
    const args = ['-nx', '-batch', '-ex', 'set pagination off', '-ex', 'set width 0', '-ex', 'set confirm off', '-ex', 'set remotetimeout 20', ...commands.flatMap((c) => ['-ex', c])];
    const child = spawn('gdb', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // gdb writes a stdout line in fragments ("$", "4", " = ", "0x…\n"), and the reader may see a stderr line
    // (a missing source file, gdbserver's messages) between two of them: merge the streams whole lines at a time.
    let out = '';
    const partial = { stdout: '', stderr: '' };
    const take = (stream: 'stdout' | 'stderr') => (d: string) => {
      const text = partial[stream] + d;
      const end = text.lastIndexOf('\n') + 1;
      out += text.slice(0, end);
      partial[stream] = text.slice(end);
    };
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', take('stdout'));
    child.stderr.on('data', take('stderr'));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gdb did not finish in ${timeoutMs} ms; output so far:\n${out + partial.stdout + partial.stderr}`));
    }, timeoutMs);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out + partial.stdout + partial.stderr);
    });
  });
}

/** Output split at `@@name` markers: name → the lines after it (before the next marker). */
export function sections(output: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of output.split('\n')) {
    const m = /^@@(\S+)$/.exec(line);
    if (m) map.set(m[1]!, (current = []));
    else current?.push(line);
  }
  return map;
}

/** Every hex address in [base, base + span) becomes `BASE+0x…`; other text is kept. */
export function relativeTo(text: string, base: bigint, span = 0x10000n): string {
  return text.replace(/0x0*([0-9a-f]{6,16})\b/g, (whole, digits: string) => {
    const v = BigInt('0x' + digits);
    return v >= base && v < base + span ? `BASE+0x${(v - base).toString(16)}` : whole;
  });
}

/** `info registers` lines → name → value column (the first). */
export function registerTable(lines: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of lines) {
    const m = /^(\w+)\s+(0x[0-9a-f]+)\s/.exec(l);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}
