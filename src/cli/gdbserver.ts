// `picemu gdbserver [--port P] [--procs N] LIB`: LIB loaded into N processes, served to gdb over the remote
// protocol on 127.0.0.1:P until interrupted.
import { Machine } from '../index.ts';
import { startGdbServer } from '../gdbserver/server.ts';
import { parseInteger } from '../util/numbers.ts';
import type { Command } from './command.ts';
import { UsageError } from './errors.ts';

const USAGE = `usage: picemu gdbserver [--port P] [--procs N] LIB
  Serves LIB loaded in N processes (default 2) to gdb on 127.0.0.1:P (default 1234; 0 picks a free port):
    gdb -ex 'target extended-remote :P'
  then, in gdb: monitor call SYMBOL [ARG...], stepi, break, watch, continue, info inferiors, monitor help`;

export interface GdbServerRequest {
  port: number;
  procs: number;
  library: string;
  verbose: boolean;
}

function intOption(name: string, text: string | undefined, min: number, max: number): number {
  const n = text === undefined ? undefined : parseInteger(text);
  if (n === undefined || n < BigInt(min) || n > BigInt(max)) throw new UsageError(`${name}: bad value '${text ?? ''}' (want an integer from ${min} to ${max})\n${USAGE}`);
  return Number(n);
}

export function parseGdbServerArgs(argv: string[]): GdbServerRequest {
  let port = 1234, procs = 2, verbose = false;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [name, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (name === '--port') port = intOption('--port', inline ?? argv[++i], 0, 65535);
    else if (name === '--procs') procs = intOption('--procs', inline ?? argv[++i], 1, 64);
    else if (name === '--verbose') verbose = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'\n${USAGE}`);
    else positional.push(a);
  }
  if (positional.length !== 1) throw new UsageError(`give one library\n${USAGE}`);
  return { port, procs, library: positional[0]!, verbose };
}

export const command: Command = {
  summary: 'serve picemu processes to gdb (GDB remote protocol)',
  async run(args) {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
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
