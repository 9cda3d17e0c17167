// `picemu gdbserver [--port P] [--procs N] (LIB | --exec PROGRAM [ARG...])`: LIB loaded into N processes, or a
// program exec'ed and stopped at its first instruction, served to gdb over the remote protocol on 127.0.0.1:P.
import { Machine, strerror } from '../index.ts';
import { startGdbServer } from '../gdbserver/server.ts';
import { ProgramProcess } from '../gdbserver/program.ts';
import { findProgram } from '../process/find-program.ts';
import type { Command } from './command.ts';
import { UsageError } from './errors.ts';
import { LIBRARY_RULE, resolveLibrary } from './input-file.ts';
import { hasFlag, integerOption, parseOptions, type OptionSpec } from './options.ts';

export const GDBSERVER_OPTIONS: readonly OptionSpec[] = [
  { name: '--port', value: 'P', help: 'TCP port on 127.0.0.1 (default 1234; 0 picks a free port)' },
  { name: '--procs', value: 'N', help: 'number of processes (default 2, at most 64)' },
  { name: '--verbose', help: 'log every packet on stderr' },
  { name: '--exec', help: 'the rest is PROGRAM [ARG...]: run it, stopped at its first instruction (ld.so\'s entry)' },
];

export interface GdbServerRequest {
  port: number;
  procs: number;
  library: string;
  verbose: boolean;
  /** --exec: the program (as given) and its arguments; `library` is then empty. */
  program?: { name: string; args: string[] };
}

export function parseGdbServerArgs(argv: string[]): GdbServerRequest {
  const at = argv.indexOf('--exec');
  const p = parseOptions(at < 0 ? argv : argv.slice(0, at), GDBSERVER_OPTIONS);
  if (at >= 0) {
    const name = argv[at + 1];
    if (name === undefined) throw new UsageError('--exec needs a PROGRAM');
    if (p.positional.length > 0) throw new UsageError('give a library or --exec PROGRAM, not both');
    return { port: integerOption(p, '--port', 0, 65535, 1234), procs: 1, library: '', verbose: hasFlag(p, '--verbose'), program: { name, args: argv.slice(at + 2) } };
  }
  if (p.positional.length !== 1) throw new UsageError('give one library');
  return {
    port: integerOption(p, '--port', 0, 65535, 1234),
    procs: integerOption(p, '--procs', 1, 64, 2),
    library: p.positional[0]!,
    verbose: hasFlag(p, '--verbose'),
  };
}

export const command: Command = {
  summary: 'serve picemu processes to gdb (GDB remote protocol)',
  usage: '[--port P] [--procs N] (LIB | --exec PROGRAM [ARG...])',
  description: [
    'Serves LIB loaded in N processes to gdb on 127.0.0.1:P: gdb -ex \'target extended-remote :P\', then in gdb: monitor call SYMBOL [ARG...], stepi, break, watch, continue, info inferiors, monitor help.',
    LIBRARY_RULE,
    "With --exec, PROGRAM (found on PATH) runs in one emulated process with picemu's environment and stdio, without address randomization (as gdb's default), stopped at its first instruction; gdb sees its exit (W) or the signal that killed it (X).",
  ],
  options: GDBSERVER_OPTIONS,
  async run(args) {
    const req = parseGdbServerArgs(args);
    const machine = await Machine.create();
    let program: ProgramProcess | undefined;
    if (req.program) {
      const started = startProgram(machine, req.program);
      if (typeof started === 'number') {
        process.stderr.write(`picemu: cannot execute ${req.program.name}: ${strerror(-started)}\n`);
        return -started === 2 ? 127 : 126; // as a shell: not found, or found but not executable
      }
      program = started;
    } else {
      const library = resolveLibrary(req.library);
      for (let k = 0; k < req.procs; k++) machine.spawn().load(library);
    }
    const log = req.verbose ? (line: string) => process.stderr.write(line + '\n') : undefined;
    const server = await startGdbServer(machine, {
      port: req.port,
      calls: !program,
      program,
      log,
      onClient: (event, peer) => process.stderr.write(`picemu gdbserver: ${event === 'connected' ? 'debugger connected from' : 'debugger left:'} ${peer}\n`),
    });
    const what = program ? `process ${program.pid} runs ${req.program!.name}, stopped at its first instruction` : `${req.library} in ${req.procs} processes`;
    process.stderr.write(`picemu gdbserver: ${what}; listening on 127.0.0.1:${server.port}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  },
};

/** Exec's the program in a new process (picemu's environment and stdio): the process, or -errno as execve gave it. */
export function startProgram(machine: Machine, req: { name: string; args: string[] }): ProgramProcess | number {
  const path = findProgram(req.name, process.env.PATH);
  const env = Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined).map(([k, v]) => `${k}=${v}`);
  const started = path === undefined ? -2 : machine.exec(path, { argv: [req.name, ...req.args], env, stdio: 'host' });
  if (typeof started === 'number') return started;
  return new ProgramProcess(machine.kernel, started.task);
}
