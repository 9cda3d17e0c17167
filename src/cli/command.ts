// The shape of one CLI command module (src/cli/<name>.ts exports `command`): its help and options are declared
// here, next to its code, and `picemu <name> --help` prints them (cli/help.ts).
import type { OptionSpec } from './options.ts';

export interface Command {
  /** One line for `picemu --help`. */
  summary: string;
  /** What follows `picemu <name>` in the usage line, e.g. `LIB SYMBOL [ARG...] [options]`. */
  usage: string;
  /** Paragraphs of `--help` after the usage line (positional arguments, rules, examples). */
  description?: string[];
  /** The options the command accepts, for `--help` and for parseOptions. */
  options?: readonly OptionSpec[];
  /** Runs with the arguments after the command name; resolves to the exit status. Throw UsageError for bad usage (exit 2), anything else for a load or emulation error (exit 1). */
  run(args: string[]): Promise<number>;
}
