// `picemu gdbserver [--port P] [--procs N] LIB`: LIB loaded into N processes, served to gdb over the remote
// protocol on 127.0.0.1:P until interrupted.
import { Machine } from '../index.ts';
import { startGdbServer } from '../gdbserver/server.ts';
import type { Command } from './command.ts';
import { UsageError } from './errors.ts';
import { hasFlag, integerOption, parseOptions, type OptionSpec } from './options.ts';

export const GDBSERVER_OPTIONS: readonly OptionSpec[] = [
  { name: '--port', value: 'P', help: 'TCP port on 127.0.0.1 (default 1234; 0 picks a free port)' },
  { name: '--procs', value: 'N', help: 'number of processes (default 2, at most 64)' },
  { name: '--verbose', help: 'log every packet on stderr' },
];

export interface GdbServerRequest {
  port: number;
  procs: number;
  library: string;
  verbose: boolean;
}

export function parseGdbServerArgs(argv: string[]): GdbServerRequest {
  const p = parseOptions(argv, GDBSERVER_OPTIONS);
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
  usage: '[--port P] [--procs N] LIB',
  description: [
    'Serves LIB loaded in N processes to gdb on 127.0.0.1:P: gdb -ex \'target extended-remote :P\', then in gdb: monitor call SYMBOL [ARG...], stepi, break, watch, continue, info inferiors, monitor help.',
  ],
  options: GDBSERVER_OPTIONS,
  async run(args) {
    const req = parseGdbServerArgs(args);
    const machine = await Machine.create();
    for (let k = 0; k < req.procs; k++) machine.spawn().load(req.library);
    const log = req.verbose ? (line: string) => process.stderr.write(line + '\n') : undefined;
    const server = await startGdbServer(machine, {
      port: req.port,
      calls: true,
      log,
      onClient: (event, peer) => process.stderr.write(`picemu gdbserver: ${event === 'connected' ? 'debugger connected from' : 'debugger left:'} ${peer}\n`),
    });
    process.stderr.write(`picemu gdbserver: ${req.library} in ${req.procs} processes; listening on 127.0.0.1:${server.port}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  },
};
