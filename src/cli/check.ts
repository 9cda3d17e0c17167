// `picemu check FILE...`: validates each file and prints `ok PATH` or `error PATH: <why>`; exit 0 when all are ok.
// checkFile is the per-file step: parse, then map and relocate in a fresh address space (the load stage).
import { resolve } from 'node:path';
import { ElfError, LoadError, loadIntoFreshSpaces, MmError, parseElf, type ElfFile } from '../index.ts';
import type { Command } from './command.ts';
import { UsageError } from './errors.ts';
import { InputFileError, readElfInput } from './input-file.ts';
import { parseOptions } from './options.ts';

/** One more validation stage after parsing; returns a reason when the file is not ok. */
export type CheckStage = (elf: ElfFile, path: string) => Promise<string | undefined>;

/**
 * The load stage: what dlopen(RTLD_NOW) does before it runs code, in a fresh address space of its own (a
 * stack, nothing else loaded): map the file and its DT_NEEDED dependencies, check versions, bind symbols,
 * apply relocations, RELRO. Initializers and ifunc resolvers are not run (the Linker runs no guest code:
 * ifunc slots stay pending), so checking a file never executes it and cannot hang. A LoadError, MmError
 * (the kernel refusing a mapping) or ElfError (a dependency that does not parse) is the file's error.
 */
export const loadStage: CheckStage = async (_elf, path) => {
  // A bare name would be searched for like a DT_NEEDED entry: the file given is a path.
  const asPath = path.includes('/') ? path : `./${path}`;
  let spaces: ReturnType<typeof loadIntoFreshSpaces>['spaces'] = [];
  try {
    ({ spaces } = loadIntoFreshSpaces(asPath, { procs: 1 }));
    return undefined;
  } catch (err) {
    // ld.so's messages start with the object's name: the line already names the file checked.
    // (by the name given, or by the absolute path ld.so opened).
    const why = (m: string) => {
      const named = [asPath, path, resolve(path)].find((p) => m.startsWith(`${p}: `));
      return named === undefined ? m : m.slice(named.length + 2);
    };
    if (err instanceof LoadError || err instanceof MmError) return why(err.message);
    if (err instanceof ElfError && err.field !== 'parser') return why(err.message);
    throw err;
  } finally {
    for (const s of spaces) s.space.destroy();
  }
};

/** Stages run after a successful parse, in order. */
export const checkStages: CheckStage[] = [loadStage];

/** Why `path` is not ok, or undefined when it is. Only ElfError (and I/O errors) count as "not ok": anything else is a bug and propagates. */
export async function checkFile(path: string): Promise<string | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = readElfInput(path);
  } catch (err) {
    // The line already names the file: keep only the reason.
    if (err instanceof InputFileError) return err.message.startsWith(`${path}: `) ? err.message.slice(path.length + 2) : err.message;
    throw err;
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
  summary: 'check each FILE (parse, then map and relocate in a fresh process); prints ok/error per file',
  usage: 'FILE...',
  description: ['Prints `ok PATH` or `error PATH: <why>` per file (the why names the offending field and value); exit 0 when all are ok, 1 otherwise. Never runs code from the files.'],
  async run(args) {
    const { positional } = parseOptions(args, []);
    if (positional.length === 0) throw new UsageError('check needs at least one FILE');
    let bad = 0;
    for (const path of positional) {
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
