// The REPL's line reader: node:readline with completion and a history file on a terminal; plain line-by-line
// reading otherwise (no prompt, no echo), so pipes and tests see only each command's output.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Completer } from 'node:readline';

const HISTORY_LIMIT = 1000;

/** `PICEMU_HISTORY` if set, else `~/.picemu_history`. */
export function historyPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PICEMU_HISTORY || join(homedir(), '.picemu_history');
}

/** Oldest first, as stored; unreadable or missing files give no history. */
export function readHistory(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').slice(-HISTORY_LIMIT);
  } catch {
    return [];
  }
}

function appendHistory(path: string, line: string): void {
  try {
    appendFileSync(path, line + '\n');
  } catch {
    // A history file we cannot write (read-only home, say) must not end the session.
  }
}

export interface LineLoop {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** True for an interactive terminal: prompt, completion, history. */
  interactive: boolean;
  prompt(): string;
  complete: Completer;
  /** Handles one line; resolves false to end the session. */
  handle(line: string): Promise<boolean>;
  /** Ctrl-C while a line is being handled. */
  interrupt?(): void;
  /** Printed once before the first prompt (terminals only). */
  banner?: string;
  historyFile?: string;
}

/** Reads and handles lines one at a time until `q`, end of input, or Ctrl-D. */
export async function runLineLoop(loop: LineLoop): Promise<void> {
  if (!loop.interactive) {
    const rl = createInterface({ input: loop.input, terminal: false, crlfDelay: Infinity });
    for await (const line of rl) {
      if (!(await loop.handle(line))) break;
    }
    rl.close();
    return;
  }
  const file = loop.historyFile;
  const stored = file ? readHistory(file) : [];
  if (file && stored.length > 0) {
    // Rewrite trimmed, so the file does not grow without bound.
    try { writeFileSync(file, stored.join('\n') + '\n'); } catch { /* see appendHistory */ }
  }
  const rl = createInterface({
    input: loop.input,
    output: loop.output,
    terminal: true,
    completer: loop.complete,
    history: [...stored].reverse(), // readline wants newest first
    historySize: HISTORY_LIMIT,
    removeHistoryDuplicates: true,
  });
  let last = stored.at(-1);
  // Ctrl-C stops a running command; at the prompt it drops the line and asks again, as gdb does.
  // Ctrl-D (close) ends the session.
  let busy = false;
  rl.on('SIGINT', () => {
    if (busy) {
      loop.interrupt?.();
      return;
    }
    // Drop what was typed (gdb does): Ctrl-E, Ctrl-U empty readline's line before the new prompt.
    rl.write(null, { ctrl: true, name: 'e' });
    rl.write(null, { ctrl: true, name: 'u' });
    loop.output.write('^C\n');
    rl.setPrompt(loop.prompt());
    rl.prompt();
  });
  if (loop.banner) loop.output.write(loop.banner + '\n');
  rl.setPrompt(loop.prompt());
  rl.prompt();
  let quit = false;
  try {
    for await (const line of rl) {
      if (file && line.trim() !== '' && line !== last) {
        appendHistory(file, line);
        last = line;
      }
      busy = true;
      const goOn = await loop.handle(line).finally(() => (busy = false));
      if (!goOn) {
        quit = true;
        break;
      }
      rl.setPrompt(loop.prompt());
      rl.prompt();
    }
  } finally {
    rl.close();
  }
  // Ctrl-D leaves the cursor after the prompt: end that line so the shell's prompt starts on its own.
  if (!quit) loop.output.write('\n');
}
