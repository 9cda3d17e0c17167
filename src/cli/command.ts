// The shape of one CLI command module (src/cli/<name>.ts exports `command`).

export interface Command {
  /** One line for `picemu --help`. */
  summary: string;
  /** Runs with the arguments after the command name; resolves to the exit status. Throw UsageError for bad usage (exit 2), anything else for a load or emulation error (exit 1). */
  run(args: string[]): Promise<number>;
}
