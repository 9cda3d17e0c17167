// One line for any error the CLI reports (`picemu: <line>`): file-system errors as `PATH: reason`, multi-line
// messages joined, never a stack (that is --debug's).
import { fileErrorLine } from './file-errors.ts';

export function errorLine(err: unknown): string {
  const fsLine = fileErrorLine(err);
  if (fsLine) return fsLine;
  const message = err instanceof Error ? err.message : String(err);
  // An ElfError knows its file when the parser was given a name: say which file, once.
  const file = (err as { file?: unknown } | null)?.file;
  if (typeof file === 'string' && !message.startsWith(file)) return `${file}: ${oneLine(message)}`;
  return oneLine(message) || (err instanceof Error ? err.name : 'error');
}

function oneLine(message: string): string {
  return message.split('\n').map((l) => l.trim()).filter(Boolean).join('; ');
}
