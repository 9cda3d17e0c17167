// `picemu check FILE...`: validates each file and prints `ok PATH` or `error PATH: <why>`; exit 0 when all are ok.
// checkFile is the per-file step; later stages (mapping and relocating in a fresh process) extend it.
import { readFile } from 'node:fs/promises';
import { ElfError, parseElf, type ElfFile } from '../elf/index.ts';
import type { Command } from './command.ts';
import { UsageError } from './errors.ts';

/** One more validation stage after parsing; returns a reason when the file is not ok. */
export type CheckStage = (elf: ElfFile, path: string) => Promise<string | undefined>;

/** Stages run after a successful parse, in order (the loader adds "map and relocate in a fresh process"). */
export const checkStages: CheckStage[] = [];

/** Why `path` is not ok, or undefined when it is. Only ElfError (and I/O errors) count as "not ok": anything else is a bug and propagates. */
export async function checkFile(path: string): Promise<string | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return `cannot read: ${e.code ?? e.message}`;
  }
  let elf: ElfFile;
  try {
    elf = parseElf(bytes, path);
  } catch (err) {
    if (err instanceof ElfError && err.field !== 'parser') return err.message;
    throw err;
  }
  for (const stage of checkStages) {
    const why = await stage(elf, path);
    if (why !== undefined) return why;
  }
  return undefined;
}

export const command: Command = {
  summary: 'check each FILE (parse, and later load in a fresh process); prints ok/error per file',
  async run(args) {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write('usage: picemu check FILE...\n  Prints `ok PATH` or `error PATH: <why>` per file; exit 0 when all are ok.\n');
      return 0;
    }
    if (args.length === 0) throw new UsageError('usage: picemu check FILE...');
    let bad = 0;
    for (const path of args) {
      const why = await checkFile(path);
      if (why === undefined) process.stdout.write(`ok ${path}\n`);
      else {
        bad++;
        process.stdout.write(`error ${path}: ${why}\n`);
      }
    }
    return bad === 0 ? 0 : 1;
  },
};
