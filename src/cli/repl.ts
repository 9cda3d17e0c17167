// `picemu repl [LIB...] [--procs N]`: starts N processes with the libraries loaded and hands the terminal (or
// the pipe) to the REPL's line loop.
import { createMachineBackend } from '../repl/machine-backend.ts';
import { choosePalette } from '../repl/palette.ts';
import { ReplSession } from '../repl/session.ts';
import { historyPath, runLineLoop } from '../repl/terminal.ts';
import { helpText } from '../repl/commands.ts';
import { makeCompleter } from '../repl/complete.ts';
import { ensureDisassembler } from '../trace/disassemble.ts';
import { parseInteger } from '../util/numbers.ts';
import type { Command } from './command.ts';
import { UsageError } from './errors.ts';
import { ENGINE_USAGE, takeEngineOption } from './engine-option.ts';
import type { EngineName } from '../process/engines/engine.ts';

const USAGE = `usage: picemu repl [LIB...] [--procs N] [${ENGINE_USAGE}]   (then \`help\` at the prompt)`;

export interface ReplRequest {
  libraries: string[];
  procs: number;
  engine?: EngineName;
}

export function parseReplArgs(all: string[]): ReplRequest {
  const { engine, rest: argv } = takeEngineOption(all);
  const req: ReplRequest = { libraries: [], procs: 2, ...(engine ? { engine } : {}) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--procs' || a.startsWith('--procs=')) {
      const text = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      const n = text === undefined ? undefined : parseInteger(text);
      if (n === undefined || n < 1n || n > 64n) throw new UsageError(`--procs: bad value '${text ?? ''}' (want an integer from 1 to 64)\n${USAGE}`);
      req.procs = Number(n);
    } else if (a.startsWith('-')) {
      throw new UsageError(`unknown option '${a}'\n${USAGE}`);
    } else {
      req.libraries.push(a);
    }
  }
  return req;
}

export const command: Command = {
  summary: 'step through library code in several processes, like a debugger',
  async run(args) {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(`${USAGE}\n  Starts N processes (default 2) with each LIB loaded; commands:\n${helpText()}\n`);
      return 0;
    }
    const req = parseReplArgs(args);
    const [backend] = await Promise.all([createMachineBackend(req.libraries, req.procs, req.engine), ensureDisassembler()]);
    const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    const pal = choosePalette(Boolean(process.stdout.isTTY));
    const session = new ReplSession(backend, pal, (text) => process.stdout.write(text + '\n'));
    const symbols = () => backend.symbols(session.current);
    await runLineLoop({
      input: process.stdin,
      output: process.stdout,
      interactive,
      prompt: () => session.prompt(),
      complete: makeCompleter({
        symbols: () => symbols().map((s) => s.name),
        addresses: () => symbols().map((s) => '0x' + s.va.toString(16)),
        modules: () => backend.modules(),
        registers: () => backend.registers(session.current).map((r) => r.name),
      }),
      handle: (line) => session.handle(line),
      interrupt: () => session.interrupt(),
      historyFile: interactive ? historyPath() : undefined,
    });
    return 0;
  },
};
