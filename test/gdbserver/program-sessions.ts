// gdb's sessions on a program: exec'ed in picemu and served by `picemu gdbserver`'s code, or run natively under
// Debian's gdbserver; output cut into sections with addresses relative to ld.so's base (AT_BASE) and the program's.
import { Machine } from '../../src/index.ts';
import { startGdbServer, type RunningGdbServer } from '../../src/gdbserver/server.ts';
import { ProgramProcess } from '../../src/gdbserver/program.ts';
import { relativeTo, runGdb, sections } from './gdb.ts';

export interface Session {
  parts: Map<string, string[]>;
  base: bigint;
  entry: bigint;
  raw: string;
  rel(name: string): string[];
}

export function auxvValue(lines: string[], name: string): bigint {
  const line = lines.find((l) => l.split(/\s+/)[1] === name);
  if (!line) throw new Error(`no ${name} in info auxv:\n${lines.join('\n')}`);
  return BigInt(line.trim().split(/\s+/).at(-1)!); // hex or decimal (AT_PAGESZ)
}

export function session(raw: string): Session {
  const parts = sections(raw);
  const auxv = parts.get('auxv') ?? [];
  if (auxv.length === 0) throw new Error(`no auxv in gdb's output:\n${raw}`);
  const base = auxvValue(auxv, 'AT_BASE');
  const entry = auxvValue(auxv, 'AT_ENTRY');
  const rel = (name: string) => (parts.get(name) ?? [])
    .filter((l) => l.trim() !== '' && !/^warning:|^Reading |^\d+\s+in |No such file/.test(l))
    .map((l) => relativeTo(relativeTo(l, base, 0x40000n).replace('BASE+', 'LDSO+'), entry - 0x2000n, 0x10000n)
      .replace(/^\$\d+ = /, '$ = ').replace(/process \d+/g, 'process N')
      // The stack holds the environment, which gdbserver's differs from picemu's by a few variables.
      .replace(/0x7fffffff[0-9a-f]{4}\b/g, 'STACK'));
  return { parts, base, entry, raw, rel };
}

/** Serves PROGRAM ARGS exec'ed in picemu (its output kept in a buffer) and runs gdb's session against it. */
export async function picemuSession(program: string, args: string[], commands: string[]): Promise<{ s: Session; stdout: string }> {
  const machine = await Machine.create();
  const started = machine.exec(program, { argv: [program, ...args], env: ['PATH=/usr/bin:/bin'], stdio: {} });
  if (typeof started === 'number') throw new Error(`exec ${program}: ${started}`);
  let server: RunningGdbServer | undefined;
  try {
    server = await startGdbServer(machine, { port: 0, calls: false, program: new ProgramProcess(machine.kernel, started.task) });
    const raw = await runGdb([`target remote 127.0.0.1:${server.port}`, ...commands], 90_000);
    return { s: session(raw), stdout: Buffer.from(started.stdout!.bytes).toString() };
  } finally {
    await server?.close();
  }
}

export const nativeSession = async (program: string, args: string[], commands: string[]): Promise<Session> =>
  session(await runGdb([`target remote | env -i PATH=/usr/bin:/bin gdbserver - ${program} ${args.join(' ')}`, ...commands], 90_000));

