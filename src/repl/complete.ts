// Tab completion: command names for the first word; for arguments, what the command's table entry names
// (symbols of the loaded modules, their addresses, module names, or library file paths).
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { COMMANDS, resolveCommand } from './commands.ts';

export interface CompletionSource {
  /** Names of symbols in the current process's loaded modules. */
  symbols(): string[];
  /** Their addresses in the current process, as 0x-hex. */
  addresses(): string[];
  /** Loaded modules' names. */
  modules(): string[];
  /** Register names, completed after `$`. */
  registers(): string[];
}

function matching(candidates: Iterable<string>, word: string): string[] {
  const out = new Set<string>();
  for (const c of candidates) if (c.startsWith(word)) out.add(c);
  return [...out].sort();
}

function files(word: string): string[] {
  const dir = word.includes('/') ? dirname(word) : '.';
  const prefix = word.includes('/') ? basename(word) : word;
  try {
    return readdirSync(dir)
      .filter((name) => name.startsWith(prefix))
      .map((name) => {
        const path = word.includes('/') ? join(dir, name) : name;
        const isDir = (() => { try { return statSync(path).isDirectory(); } catch { return false; } })();
        return isDir ? path + '/' : path;
      })
      .sort();
  } catch {
    return [];
  }
}

/** A node:readline completer: returns the candidates and the word they replace. */
export function makeCompleter(source: CompletionSource): (line: string) => [string[], string] {
  return (line: string) => {
    const words = line.trimStart().split(/\s+/);
    const word = words.at(-1) ?? '';
    if (words.length <= 1) {
      // A full command name followed by a space is what the user wants: add it.
      return [matching(COMMANDS.map((c) => c.name + ' '), word), word];
    }
    const r = resolveCommand(words[0]!);
    if (!r.ok) return [[], word];
    // Only the first argument names a symbol/address/module; later ones are counts or call arguments.
    if (words.length > 2) return [[], word];
    switch (r.command.completes) {
      case 'symbol':
        if (word.startsWith('$')) return [matching(source.registers().map((r) => '$' + r), word), word];
        return [word.startsWith('0x') ? matching(source.addresses(), word) : matching(source.symbols(), word), word];
      case 'address':
        return [matching(source.addresses(), word), word];
      case 'module':
        return [matching(source.modules(), word), word];
      case 'library':
        return [files(word), word];
      case 'none':
        return [[], word];
    }
  };
}
