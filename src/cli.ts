// picemu's command line: parses the command name and hands off to one module per command.
import type { Command } from './cli/command.ts';
import { UsageError } from './cli/errors.ts';

// One line per command; each module is loaded only when its command runs, so startup stays fast.
const commands: Record<string, () => Promise<Command>> = {
  segments: async () => (await import('./cli/segments.ts')).command,
  maps: async () => (await import('./cli/maps.ts')).command,
  check: async () => (await import('./cli/check.ts')).command,
  run: async () => (await import('./cli/run.ts')).command,
  exec: async () => (await import('./cli/exec.ts')).command,
  demo: async () => (await import('./cli/demo.ts')).command,
  repl: async () => (await import('./cli/repl.ts')).command,
};

function usage(): string {
  return [
    'usage: picemu <command> [args]',
    '',
    'commands:',
    ...Object.keys(commands).map((name) => `  ${name}`),
    '',
    'Run `picemu <command> --help` for a command\'s options. Add --debug for stack traces.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const name = args[0];
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`picemu: unknown command '${name}'\n${usage()}\n`);
    return 2;
  }
  try {
    const command = await load();
    return await command.run(args.slice(1));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`picemu: ${err.message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`picemu: ${message}\n`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
