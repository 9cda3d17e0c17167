// fixtures/bad-elf/: the inputs the fuzzer found failing, each as NAME.so (small files) or as a byte patch of
// its source file (large ones: NAME.json holds the source's sha256, its new length and the changed bytes),
// with NAME.json saying what must happen.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/oracles.ts';
import { seedFile, type FailingInput, type Stage } from './fuzz-core.ts';

export const badElfDir = join(repoRoot, 'fixtures', 'bad-elf');
/** Mutants up to this size are kept as files; larger ones as a recipe. */
export const KEEP_BYTES_LIMIT = 64 * 1024;

export interface BadElfSidecar {
  /** What was found (the failure the fuzzer reported), for people. */
  found: string;
  /** How the input was made. */
  source: string;
  sourceSha256: string;
  seed: number;
  iteration: number;
  recipe: string[];
  /** The mutant is kept as NAME.so (else rebuilt from `patch`). */
  kept: boolean;
  /** For a mutant not kept: its length and the byte runs that differ from the source ([file offset, hex]). */
  patch?: { length: number; runs: [number, string][] };
  /** What must happen: the stage it ends in and the typed error classes allowed there ('ok' for a normal return). */
  expected: { stage: Stage | 'any'; outcomes: string[]; messageIncludes?: string };
  /** Why that is the expectation (what native ld.so does with such a file). */
  note?: string;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The expected outcome for a failure class: a typed error from the stage that failed. */
export function expectedFor(f: FailingInput): BadElfSidecar['expected'] {
  if (f.result.stage === 'parse') return { stage: 'parse', outcomes: ['ElfError', 'ok'] };
  if (f.result.stage === 'load') return { stage: 'any', outcomes: ['ElfError', 'LoadError', 'MmError', 'InitializerError', 'ok', 'CallFault', 'CallError', 'CallLimitError', 'UnresolvedSymbolError', 'UnsupportedSyscallError'] };
  return { stage: 'call', outcomes: ['ok', 'CallFault', 'CallError', 'CallLimitError', 'UnresolvedSymbolError', 'UnsupportedSyscallError'] };
}

/** Saves a failing input (once per source file and failure message shape); returns its name, or undefined when a twin exists. */
export function saveBadElf(f: FailingInput, dir = badElfDir): string | undefined {
  mkdirSync(dir, { recursive: true });
  const shape = f.result.failure!.split('\n')[0]!.replace(/0x[0-9a-f]+|\d+/g, 'N');
  const existing = listBadElf(dir).map((n) => JSON.parse(readFileSync(join(dir, `${n}.json`), 'utf8')) as BadElfSidecar);
  if (existing.some((e) => e.source === f.source && e.found.split('\n')[0]!.replace(/0x[0-9a-f]+|\d+/g, 'N') === shape)) return undefined;
  const base = f.source.split('/').pop()!.replace(/\.so.*$/, '');
  const name = `${base}-s${f.seed}-i${f.iteration}`;
  const kept = f.bytes.length <= KEEP_BYTES_LIMIT;
  if (kept) writeFileSync(join(dir, `${name}.so`), f.bytes);
  const source = seedFile(f.source)!.bytes;
  const sidecar: BadElfSidecar = {
    found: f.result.failure!.split('\n')[0]!,
    source: f.source,
    sourceSha256: sha256(source),
    seed: f.seed,
    iteration: f.iteration,
    recipe: f.recipe,
    kept,
    ...(kept ? {} : { patch: diff(source, f.bytes) }),
    expected: expectedFor(f),
  };
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(sidecar, null, 2) + '\n');
  return name;
}

/** Names of the saved inputs (NAME.json files). */
export function listBadElf(dir = badElfDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

/** The bytes of a saved input: the kept file, or the recipe replayed on its (unchanged) source. */
export function badElfBytes(name: string, dir = badElfDir): { bytes: Uint8Array; sidecar: BadElfSidecar } | { missing: string; sidecar: BadElfSidecar } {
  const sidecar = JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as BadElfSidecar;
  if (sidecar.kept) return { bytes: new Uint8Array(readFileSync(join(dir, `${name}.so`))), sidecar };
  const source = existsSync(sidecar.source) ? seedFile(sidecar.source) : null;
  if (!source) return { missing: `source ${sidecar.source} is not on this machine`, sidecar };
  if (sha256(source.bytes) !== sidecar.sourceSha256) return { missing: `source ${sidecar.source} has changed (sha256)`, sidecar };
  if (!sidecar.patch) return { missing: 'neither a kept file nor a patch', sidecar };
  return { bytes: applyPatch(source.bytes, sidecar.patch), sidecar };
}

/** The runs of bytes where `mutant` differs from `source` (runs closer than 8 bytes merge), and its length. */
export function diff(source: Uint8Array, mutant: Uint8Array): { length: number; runs: [number, string][] } {
  const runs: [number, string][] = [];
  let i = 0;
  while (i < mutant.length) {
    if (i < source.length && source[i] === mutant[i]) {
      i++;
      continue;
    }
    let end = i + 1;
    for (let gap = 0; end < mutant.length && gap < 8; end++) gap = end < source.length && source[end] === mutant[end] ? gap + 1 : 0;
    while (end > i + 1 && end <= source.length && source[end - 1] === mutant[end - 1]) end--;
    runs.push([i, Buffer.from(mutant.subarray(i, end)).toString('hex')]);
    i = end;
  }
  return { length: mutant.length, runs };
}

export function applyPatch(source: Uint8Array, patch: { length: number; runs: [number, string][] }): Uint8Array {
  const out = new Uint8Array(patch.length);
  out.set(source.subarray(0, Math.min(source.length, patch.length)));
  for (const [at, hex] of patch.runs) out.set(Buffer.from(hex, 'hex'), at);
  return out;
}
