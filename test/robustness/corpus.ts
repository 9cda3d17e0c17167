// The fuzzer's seed corpora: the fixtures, the system libraries that load without libc (fast enough for
// CI: each input gets a fresh Machine), and every x86-64 .so on this machine.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { corpusFiles } from '../elf/corpus-files.ts';
import { repoRoot } from '../helpers/oracles.ts';
import { parseElf } from '../../src/elf/index.ts';

export const fixtureLibraries = ['libdemo.so', 'libcounter.so', 'libsse.so', 'libtls.so', 'libguarded.so', 'liblibc-user.so'].map((n) => join(repoRoot, 'fixtures', n));

/** Files whose DT_NEEDED list is empty or only ld.so: loading them does not load (and relocate) libc. */
function withoutLibc(path: string): boolean {
  try {
    const elf = parseElf(new Uint8Array(readFileSync(path)), path);
    return (elf.dynamic?.needed ?? []).every((n) => n.startsWith('ld-linux'));
  } catch {
    return false;
  }
}

export type CorpusName = 'ci' | 'fixtures' | 'small' | 'all';

/**
 * ci: fixtures and system libraries that load without libc, under 256 KiB; fixtures: the fixtures;
 * small: every corpus file under 512 KiB plus the fixtures; all: every corpus file plus the fixtures.
 */
export function seedCorpus(name: CorpusName): string[] {
  const fixtures = fixtureLibraries.filter(existsSync);
  switch (name) {
    case 'fixtures': return fixtures;
    case 'ci': return [...fixtures.filter(withoutLibc), ...corpusFiles().filter((p) => statSync(p).size < 256 * 1024 && withoutLibc(p))];
    case 'small': return [...fixtures, ...corpusFiles().filter((p) => statSync(p).size < 512 * 1024)];
    case 'all': return [...fixtures, ...corpusFiles()];
  }
}
