// The REPL's command table: names, argument forms and help text (metadata only; behaviour is in session.ts).
// Any unique prefix of a name selects its command, as in gdb.

/** What a command's arguments name, so the line reader knows what to complete. */
export type ArgKind = 'symbol' | 'address' | 'module' | 'library' | 'none';

export interface CommandInfo {
  name: string;
  /** Argument synopsis, e.g. `SYMBOL [ARG...]`. */
  args: string;
  help: string;
  /** What the first argument names, for completion. */
  completes: ArgKind;
}

export const COMMANDS: readonly CommandInfo[] = [
  { name: 'p', args: 'N', help: 'switch to process N', completes: 'none' },
  { name: 'call', args: 'SYMBOL [ARG...]', help: 'start a call (ARG: integer, str:TEXT, hex:BYTES, f64:NUMBER); stops before its first instruction', completes: 'symbol' },
  { name: 'si', args: '[N]', help: 'execute N instructions (default 1), printing each with its annotated accesses', completes: 'none' },
  { name: 'c', args: '', help: 'continue until the call returns (prints `returned N`) or a breakpoint', completes: 'none' },
  { name: 'finish', args: '', help: 'run until the current function returns to its caller', completes: 'none' },
  { name: 'b', args: 'SYMBOL|ADDR', help: 'set a breakpoint', completes: 'symbol' },
  { name: 'd', args: 'N', help: 'delete breakpoint N', completes: 'none' },
  { name: 'regs', args: '', help: 'registers; those changed by the last step are marked', completes: 'none' },
  { name: 'x', args: 'ADDR|SYMBOL [N]', help: 'N bytes of memory (default 64), 16 a line; never faults, never breaks COW. ADDR may be $rsp, SYMBOL+0x10', completes: 'symbol' },
  { name: 'disas', args: '[ADDR|SYMBOL] [N]', help: 'disassemble N instructions (default 10) from ADDR (default rip)', completes: 'symbol' },
  { name: 'maps', args: '', help: "the current process's /proc/PID/maps", completes: 'none' },
  { name: 'smaps', args: '', help: "the current process's smaps figures", completes: 'none' },
  { name: 'pages', args: '[MODULE]', help: 'one row per page: the frame in each process, `shared` where it is one frame', completes: 'module' },
  { name: 'load', args: 'LIB', help: 'load a library into every process', completes: 'library' },
  { name: 'spawn', args: '', help: 'start another process with the loaded libraries', completes: 'none' },
  { name: 'ps', args: '', help: 'list the processes', completes: 'none' },
  { name: 'bt', args: '', help: 'backtrace: return addresses on the stack, symbolized', completes: 'none' },
  { name: 'trace', args: 'on|off', help: 'log every instruction that `c` and `finish` execute', completes: 'none' },
  { name: 'help', args: '[COMMAND]', help: 'this list, or one command', completes: 'none' },
  { name: 'q', args: '', help: 'quit', completes: 'none' },
];

// Refuse a table with duplicate names at load time rather than resolving one of them silently.
{
  const seen = new Set<string>();
  for (const c of COMMANDS) {
    if (seen.has(c.name)) throw new Error(`duplicate REPL command '${c.name}'`);
    seen.add(c.name);
  }
}

export type Resolution =
  | { ok: true; command: CommandInfo }
  | { ok: false; message: string };

/** The command a word names: an exact name, or a prefix of exactly one name. */
export function resolveCommand(word: string): Resolution {
  const exact = COMMANDS.find((c) => c.name === word);
  if (exact) return { ok: true, command: exact };
  const matches = COMMANDS.filter((c) => c.name.startsWith(word));
  if (matches.length === 1) return { ok: true, command: matches[0]! };
  if (matches.length === 0) return { ok: false, message: `unknown command '${word}' (try help)` };
  return { ok: false, message: `ambiguous command '${word}': ${matches.map((c) => c.name).join(', ')}` };
}

export function usageOf(c: CommandInfo): string {
  return c.args ? `${c.name} ${c.args}` : c.name;
}

/** `help`: every command with its synopsis and one line; or one command's. */
export function helpText(word?: string): string {
  if (word !== undefined) {
    const r = resolveCommand(word);
    if (!r.ok) return r.message;
    return `${usageOf(r.command)}\n  ${r.command.help}`;
  }
  const width = Math.max(...COMMANDS.map((c) => usageOf(c).length));
  const lines = COMMANDS.map((c) => `  ${usageOf(c).padEnd(width)}  ${c.help}`);
  return ['commands (any unique prefix works):', ...lines].join('\n');
}
