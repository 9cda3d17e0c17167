// `picemu repl [LIB...] [--procs N]`: starts N processes with the libraries loaded and hands the terminal (or
// the pipe) to the REPL's line loop.
import { createMachineBackend } from '../repl/machine-backend.ts';
import { choosePalette } from '../repl/palette.ts';
import { ReplSession } from '../repl/session.ts';
import { historyPath, runLineLoop } from '../repl/terminal.ts';
import { helpText } from '../repl/commands.ts';
import { makeCompleter } from '../repl/complete.ts';
import { ensureDisassembler } from '../trace/disassemble.ts';
import type { Command } from './command.ts';
import { LIBRARY_RULE, resolveLibrary } from './input-file.ts';
import { integerOption, limitOptions, limitOptionSpecs, parseOptions, type OptionSpec } from './options.ts';
import { MAX_PROCS } from './run-args.ts';
import { CPU_OPTION, cpuOption } from './cpu-option.ts';
import { ENGINE_OPTION, engineOption } from './engine-option.ts';
import type { ProfileName } from '../cpu/features.ts';
import type { EngineName } from '../process/engines/engine.ts';

export const REPL_OPTIONS: readonly OptionSpec[] = [{ name: '--procs', value: 'N', help: `number of processes (default 2, at most ${MAX_PROCS})` }, CPU_OPTION, ENGINE_OPTION, ...limitOptionSpecs('each c or finish', { budget: '200000000', timeout: 'none' })];

export interface ReplRequest {
  libraries: string[];
  procs: number;
  budget?: number;
  deadlineMs?: number;
  cpu?: ProfileName;
  engine?: EngineName;
}

export function parseReplArgs(argv: string[]): ReplRequest {
  const p = parseOptions(argv, REPL_OPTIONS);
  const engine = engineOption(p);
  return { libraries: p.positional, procs: integerOption(p, '--procs', 1, MAX_PROCS, 2), ...limitOptions(p), ...(cpuOption(p) !== undefined ? { cpu: cpuOption(p) } : {}), ...(engine ? { engine } : {}) };
}

export const command: Command = {
  summary: 'step through library code in several processes, like a debugger',
  usage: '[LIB...] [--procs N] [options]',
  description: [
    LIBRARY_RULE,
    'Starts N processes with each LIB loaded, then reads commands from the terminal (completion, history) or, from a pipe, line by line. --budget and --timeout bound each `c` or `finish`. Commands (`help` at the prompt):',
    helpText(),
  ],
  options: REPL_OPTIONS,
  async run(args) {
    const req = parseReplArgs(args);
    const libraries = req.libraries.map(resolveLibrary);
    // The REPL's `load` finds and checks a library as the command line does.
    const [backend] = await Promise.all([createMachineBackend(libraries, req.procs, req.cpu, req.engine, resolveLibrary), ensureDisassembler()]);
    const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
    const pal = choosePalette(Boolean(process.stdout.isTTY));
    const limits = { ...(req.budget !== undefined ? { budget: req.budget } : {}), ...(req.deadlineMs !== undefined ? { deadlineMs: req.deadlineMs } : {}) };
    const session = new ReplSession(backend, pal, (text) => process.stdout.write(text + '\n'), limits);
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
      banner: `picemu repl: ${req.procs} process${req.procs === 1 ? '' : 'es'}${req.libraries.length ? ` with ${req.libraries.join(', ')}` : ''}. gdb's words work (call SYM, si, ni, c, b, x/4gx, p $rax, info registers); help lists all.`,
    });
    return 0;
  },
};
