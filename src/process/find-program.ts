// Which file `exec` runs for a program name: the rule a shell (execvp) follows, shared by the CLI, the REPL and gdbserver.
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

/** The file a shell would run for `name`: a path as given, else the first executable regular file on PATH. */
export function findProgram(name: string, path: string | undefined): string | undefined {
  if (name.includes('/')) return name;
  for (const dir of (path ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    const candidate = join(dir || '.', name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
