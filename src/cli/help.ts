// `picemu --help` and `picemu <command> --help`: built from what each command declares (cli/command.ts).
import type { Command } from './command.ts';

export function commandHelp(name: string, command: Command): string {
  const lines = [`usage: picemu ${name} ${command.usage}`.trimEnd(), '', command.summary];
  for (const paragraph of command.description ?? []) lines.push('', ...(paragraph.includes('\n') ? [paragraph] : wrap(paragraph, 100)));
  const options = [...(command.options ?? []), { name: '--debug', help: 'show the stack trace of an internal error' }, { name: '--help', help: 'show this help' }];
  lines.push('', 'options:');
  const left = options.map((o) => ('value' in o && o.value ? `${o.name} ${o.value}` : o.name));
  const width = Math.max(...left.map((l) => l.length)) + 2;
  // Long help wraps under itself, so the option names stay a column of their own.
  options.forEach((o, k) => wrap(o.help, 100 - 2 - width).forEach((l, n) => lines.push(`  ${(n === 0 ? left[k]! : '').padEnd(width)}${l}`)));
  return lines.join('\n') + '\n';
}

export function mainHelp(version: string, commands: { name: string; summary: string }[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `picemu ${version}: an x86-64 emulator that runs real shared libraries and programs in several emulated`,
    'Linux processes and shows what Linux does with them (shared code frames, copy-on-write data frames).',
    '',
    'usage: picemu <command> [args] [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Run `picemu <command> --help` for its arguments and options; `picemu --version` prints the version.',
    'Errors are one line on stderr (exit 1; 2 for bad usage); add --debug for a stack trace.',
  ].join('\n') + '\n';
}

/** Words of a paragraph in lines of at most `width` columns. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
