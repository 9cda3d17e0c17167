// gdb against `picemu gdbserver --exec` (a program exec'ed in picemu, stopped at ld.so's entry) and against
// Debian's native gdbserver running the same program: first stop, auxv, stepi pcs, a breakpoint at main, the
// exit status (W) and death by a signal (X), with addresses relative to ld.so's base (AT_BASE).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Machine } from '../../src/index.ts';
import { startGdbServer, type RunningGdbServer } from '../../src/gdbserver/server.ts';
import { ProgramProcess } from '../../src/gdbserver/program.ts';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { hasGdb, hasGdbserver, relativeTo, runGdb, section, sections } from './gdb.ts';

const ready = hasGdb() && hasGdbserver() && hasCc();

const SESSION = [
  section('auxv'), 'info auxv',
  section('start'), 'p/x $pc',
  section('steps'), 'stepi', 'p/x $pc', 'stepi', 'p/x $pc', 'stepi', 'p/x $pc', 'stepi', 'p/x $pc',
  section('inferiors'), 'info inferiors',
  section('main'), 'break main', 'continue', 'p/x $pc', 'p $rdi', 'x/s ((char**)$rsi)[1]',
  section('end'), 'delete', 'continue',
];

interface Session {
  parts: Map<string, string[]>;
  base: bigint;
  entry: bigint;
  raw: string;
  rel(name: string): string[];
}

function auxvValue(lines: string[], name: string): bigint {
  const line = lines.find((l) => l.split(/\s+/)[1] === name);
  if (!line) throw new Error(`no ${name} in info auxv:\n${lines.join('\n')}`);
  return BigInt(line.trim().split(/\s+/).at(-1)!); // hex or decimal (AT_PAGESZ)
}

function session(raw: string): Session {
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
async function picemuSession(program: string, args: string[], commands: string[]): Promise<{ s: Session; stdout: string }> {
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

const nativeSession = async (program: string, args: string[], commands: string[]): Promise<Session> =>
  session(await runGdb([`target remote | env -i PATH=/usr/bin:/bin gdbserver - ${program} ${args.join(' ')}`, ...commands], 90_000));

describe.skipIf(!ready)('gdb: picemu gdbserver --exec and native gdbserver agree on a program', () => {
  let program: string;
  let picemu: { s: Session; stdout: string };
  let native: Session;

  beforeAll(async () => {
    program = buildCSource(join(repoRoot, 'test/gdbserver/c/exit_status.c'));
    [picemu, native] = await Promise.all([picemuSession(program, ['3'], SESSION), nativeSession(program, ['3'], SESSION)]);
  }, 120_000);

  it('stops at the first instruction: ld.so\'s entry, at the same offset from AT_BASE', () => {
    expect(picemu.s.rel('start')).toEqual(native.rel('start'));
    expect(picemu.s.rel('start')[0]).toMatch(/^\$ = LDSO\+0x[0-9a-f]+$/);
    expect(picemu.s.entry - picemu.s.base).toBe(native.entry - native.base);
  });

  it('qXfer:auxv: the same entries in the same order (values that depend on the CPU or the stack aside)', () => {
    const names = (s: Session) => s.parts.get('auxv')!.map((l) => l.split(/\s+/).slice(0, 2).join(' ')).filter((l) => l.trim());
    expect(names(picemu.s)).toEqual(names(native));
    for (const key of ['AT_PAGESZ', 'AT_PHENT', 'AT_PHNUM', 'AT_FLAGS', 'AT_CLKTCK']) expect(auxvValue(picemu.s.parts.get('auxv')!, key), key).toBe(auxvValue(native.parts.get('auxv')!, key));
  });

  it('stepi ×4 goes through the same pcs', () => {
    // From anywhere in a line: gdb's stderr (warnings) may interleave with its stdout under load.
    const pcs = (s: Session) => [...(s.parts.get('steps') ?? []).join('\n').matchAll(/\$\d+ = 0x([0-9a-f]+)/g)].map((m) => BigInt('0x' + m[1]!) - s.base);
    expect(pcs(picemu.s)).toHaveLength(4);
    expect(pcs(picemu.s)).toEqual(pcs(native));
  });

  it('qXfer:exec-file: gdb finds the program', () => {
    const exe = (s: Session) => s.rel('inferiors').find((l) => l.startsWith('*'))?.trim().split(/\s+/).at(-1);
    expect(exe(picemu.s)).toBe(`target:${program}`);
    expect(exe(picemu.s)).toBe(exe(native));
  });

  it('a breakpoint at main is hit, with argc and argv as natively', () => {
    expect(picemu.s.rel('main')).toEqual(native.rel('main'));
    expect(picemu.s.rel('main').some((l) => l.startsWith('Breakpoint 1, main (argc=2, argv=STACK)'))).toBe(true);
    expect(picemu.s.rel('main')).toContain('STACK:\t"3"');
  });

  it('the exit status reaches gdb (W packet), and the program printed what it prints natively', () => {
    const exited = (s: Session) => s.rel('end').find((l) => l.startsWith('[Inferior'));
    expect(exited(picemu.s)).toBe('[Inferior 1 (process N) exited with code 03]');
    expect(exited(picemu.s)).toBe(exited(native));
    expect(picemu.stdout).toBe('twice(3) = 6\n');
    expect(native.raw).toContain('twice(3) = 6');
  });

  it('a program killed by a signal: gdb says so (X packet)', async () => {
    // Natively gdb first stops where the signal is delivered, then the next continue ends the program; picemu's
    // kernel does not stop at signal delivery yet, so its first continue ends it.
    const [mine, theirs] = await Promise.all([
      picemuSession(program, ['0', '6'], [section('auxv'), 'info auxv', section('end'), 'continue']),
      nativeSession(program, ['0', '6'], [section('auxv'), 'info auxv', section('end'), 'continue', 'continue']),
    ]);
    const terminated = (s: Session) => s.rel('end').find((l) => l.startsWith('Program terminated'));
    expect(terminated(mine.s)).toBe('Program terminated with signal SIGABRT, Aborted.');
    expect(terminated(mine.s)).toBe(terminated(theirs));
  }, 120_000);
});
