// The REPL's command table: names, argument forms and help text (metadata only; behaviour is in session.ts).
// Any unique prefix of a name selects its command, as in gdb.

/** What a command's arguments name, so the line reader knows what to complete. */
export type ArgKind = 'symbol' | 'address' | 'module' | 'library' | 'none';

export interface CommandInfo {
  name: string;
  /** gdb's longer words for it (`continue`, `break`, `stepi`…); they and their prefixes select it too. */
  aliases?: readonly string[];
  /** Argument synopsis, e.g. `SYMBOL [ARG...]`. */
  args: string;
  help: string;
  /** What the first argument names, for completion. */
  completes: ArgKind;
  /** An empty line repeats it, as in gdb (steps, continues, x). */
  repeats?: boolean;
}

export const COMMANDS: readonly CommandInfo[] = [
  { name: 'p', args: 'N | EXPR', help: 'p N (a bare process number): switch to process N; p EXPR, p/FMT EXPR: print, as `print`', completes: 'symbol' },
  { name: 'print', args: '[/FMT] EXPR', help: 'evaluate: numbers, $registers ($pc $sp), symbols (their address), &SYM, *ADDR (a long), casts ((int)x, *(int *)ADDR, {int} ADDR), + - * / % << >> & | ^ ~ ! comparisons; FMT: x d u o t c a', completes: 'symbol' },
  { name: 'display', args: '[/FMT] [EXPR]', help: 'print EXPR (x/FMT for i and s) after every stop; alone: show them now', completes: 'symbol' },
  { name: 'undisplay', args: '[N]', help: 'stop displaying N (all without N)', completes: 'none' },
  { name: 'call', args: 'SYMBOL [ARG...]', help: 'start a call (ARG: integer, str:TEXT, hex:BYTES, f64:NUMBER); stops before its first instruction', completes: 'symbol' },
  { name: 'si', aliases: ['stepi'], args: '[N]', help: 'execute N instructions (default 1), printing each with its annotated accesses', completes: 'none', repeats: true },
  { name: 'ni', aliases: ['nexti'], args: '[N]', help: 'as si, but a call runs to its return (step over)', completes: 'none', repeats: true },
  { name: 's', aliases: ['step'], args: '[N]', help: 'step into: without source lines, one instruction, as si', completes: 'none', repeats: true },
  { name: 'n', aliases: ['next'], args: '[N]', help: 'step over: without source lines, one instruction, calls run to their return, as ni', completes: 'none', repeats: true },
  { name: 'c', aliases: ['continue'], args: '', help: 'continue until the call returns (prints `returned N`) or a breakpoint', completes: 'none', repeats: true },
  { name: 'finish', args: '', help: 'run until the current function returns to its caller', completes: 'none', repeats: true },
  { name: 'until', aliases: ['advance'], args: '[ADDR|SYMBOL]', help: 'run until ADDR (or the current function returns); alone: as ni, but a backward jump runs until the loop is left', completes: 'symbol', repeats: true },
  { name: 'b', aliases: ['break'], args: '[SYMBOL|ADDR] [if EXPR]', help: 'set a breakpoint (alone: list them); `if EXPR` stops only when EXPR is non-zero', completes: 'symbol' },
  { name: 'tbreak', args: 'SYMBOL|ADDR', help: 'a breakpoint deleted when it is hit', completes: 'symbol' },
  { name: 'condition', args: 'N [EXPR]', help: 'breakpoint N stops only when EXPR is non-zero (no EXPR: always)', completes: 'none' },
  { name: 'd', aliases: ['delete'], args: '[N...]', help: 'delete breakpoints N (all without N)', completes: 'none' },
  { name: 'regs', args: '', help: 'registers, decoded flags; those changed by the last step are marked', completes: 'none' },
  { name: 'info', aliases: ['i'], args: 'WHAT', help: 'registers [REG...|vector|float|all], all-registers, breakpoints, display, frame, sharedlibrary, inferiors, proc mappings', completes: 'none' },
  { name: 'x', args: '[/NFU] ADDR|SYMBOL [N]', help: 'examine memory (peek: never faults or breaks COW). /NFU as gdb: count, format x d u o t a c s i, unit b h w g; without /: N bytes as hex dump (default 64)', completes: 'symbol', repeats: true },
  { name: 'disas', aliases: ['dis', 'disassemble'], args: '[ADDR|SYMBOL] [N]', help: 'disassemble N instructions (default 10) from ADDR (default rip)', completes: 'symbol' },
  { name: 'maps', args: '', help: "the current process's /proc/PID/maps", completes: 'none' },
  { name: 'smaps', args: '', help: "the current process's smaps figures", completes: 'none' },
  { name: 'pages', args: '[MODULE]', help: 'one row per page: the frame in each process, `shared` where it is one frame', completes: 'module' },
  { name: 'load', args: 'LIB', help: 'load a library into every process', completes: 'library' },
  { name: 'spawn', args: '', help: 'start another process with the loaded libraries', completes: 'none' },
  { name: 'exec', args: 'PROGRAM [ARG...]', help: 'run PROGRAM (found on PATH) in a new process, stopped at its first instruction (gdb: starti); si, c, b, x, info, maps work on it', completes: 'none' },
  { name: 'strace', args: 'on|off', help: "print exec'ed processes' system calls as they make them, as strace (and picemu exec --strace) prints them", completes: 'none' },
  { name: 'fork', args: '', help: 'fork the current process (Process.fork): a child sharing every page until one writes it', completes: 'none' },
  { name: 'ps', args: '', help: 'list the processes', completes: 'none' },
  { name: 'process', aliases: ['inferior'], args: 'N', help: 'switch to process N (gdb: inferior N)', completes: 'none' },
  { name: 'bt', aliases: ['backtrace', 'where'], args: '', help: 'backtrace: return addresses on the stack, symbolized (after a fault: the faulting frame)', completes: 'none' },
  { name: 'trace', args: 'on|off', help: 'print every instruction that `c`, `finish`, `ni` and `until` execute, as si prints it', completes: 'none' },
  { name: 'help', args: '[COMMAND]', help: 'this list, or one command', completes: 'none' },
  { name: 'q', aliases: ['quit'], args: '', help: 'quit', completes: 'none' },
];

// Refuse a table with duplicate names at load time rather than resolving one of them silently.
{
  const seen = new Set<string>();
  for (const word of COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])])) {
    if (seen.has(word)) throw new Error(`duplicate REPL command '${word}'`);
    seen.add(word);
  }
}

export type Resolution =
  | { ok: true; command: CommandInfo }
  | { ok: false; message: string };

/** The command a word names: an exact name or alias, or a prefix of the words of exactly one command. */
export function resolveCommand(word: string): Resolution {
  const exact = COMMANDS.find((c) => c.name === word || c.aliases?.includes(word));
  if (exact) return { ok: true, command: exact };
  const matches = COMMANDS.filter((c) => [c.name, ...(c.aliases ?? [])].some((w) => w.startsWith(word)));
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
    return `${usageOf(r.command)}\n  ${r.command.help}${r.command.aliases?.length ? `\n  also: ${r.command.aliases.join(', ')}` : ''}`;
  }
  const width = Math.max(...COMMANDS.map((c) => usageOf(c).length));
  const also = (c: CommandInfo) => (c.aliases?.length ? ` (also: ${c.aliases.join(', ')})` : '');
  const lines = COMMANDS.map((c) => `  ${usageOf(c).padEnd(width)}  ${c.help}${also(c)}`);
  return ['commands (any unique prefix works):', ...lines].join('\n');
}
