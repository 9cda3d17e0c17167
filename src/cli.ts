// picemu's command line: finds the command, handles --help/--version/--debug, and turns every failure into one
// line on stderr with SPEC.md's exit status (1 error, 2 usage); a closed stdout pipe ends the run quietly.
import { readFileSync } from 'node:fs';
import type { Command } from './cli/command.ts';
import { UsageError } from './cli/errors.ts';
import { commandHelp, mainHelp } from './cli/help.ts';
import { errorLine } from './cli/error-line.ts';
import { HelpRequest } from './cli/options.ts';

// One line per command; each module is loaded only when its command runs, so startup stays fast.
const commands: Record<string, () => Promise<Command>> = {
  segments: async () => (await import('./cli/segments.ts')).command,
  maps: async () => (await import('./cli/maps.ts')).command,
  check: async () => (await import('./cli/check.ts')).command,
  run: async () => (await import('./cli/run.ts')).command,
  exec: async () => (await import('./cli/exec.ts')).command,
  demo: async () => (await import('./cli/demo.ts')).command,
  repl: async () => (await import('./cli/repl.ts')).command,
  gdbserver: async () => (await import('./cli/gdbserver.ts')).command,
};

/** The status a process killed by SIGPIPE reports to its shell (128 + 13), as `yes | head -1` gives. */
const BROKEN_PIPE_STATUS = 141;

function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

async function allSummaries(): Promise<{ name: string; summary: string }[]> {
  return Promise.all(Object.entries(commands).map(async ([name, load]) => ({ name, summary: (await load()).summary })));
}

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const name = args[0];
  if (name === '--version' || name === '-V') {
    process.stdout.write(version() + '\n');
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || (name === 'help' && args.length === 1)) {
    (name ? process.stdout : process.stderr).write(mainHelp(version(), await allSummaries()));
    return name ? 0 : 2;
  }
  // `picemu help run` = `picemu run --help`.
  const [commandName, rest] = name === 'help' ? [args[1]!, ['--help']] : [name, args.slice(1)];
  const load = commands[commandName];
  if (!load) {
    process.stderr.write(`picemu: unknown command '${commandName}' (commands: ${Object.keys(commands).join(', ')}; see picemu --help)\n`);
    return 2;
  }
  const command = await load();
  try {
    if (rest[0] === '--help' || rest[0] === '-h') throw new HelpRequest();
    return await command.run(rest);
  } catch (err) {
    if (err instanceof HelpRequest) {
      process.stdout.write(commandHelp(commandName, command));
      return 0;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`picemu: ${err.message.split('\n')[0]} (see picemu ${commandName} --help)\n`);
      return 2;
    }
    process.stderr.write(`picemu: ${errorLine(err)}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    return 1;
  }
}

// A reader that stops early (`picemu run … --trace | head`) closes the pipe: stop as a killed writer would,
// without a message.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(BROKEN_PIPE_STATUS);
    throw err;
  });
}

process.exitCode = await main(process.argv.slice(2));
