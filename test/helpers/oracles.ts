// Access to the oracles no one here wrote (cc, readelf, native unicorn, the kernel), for tests.
// Where one is missing, the tests that need it skip with a clear message, except in CI, where they fail.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cacheDir = join(repoRoot, '.cache', 'oracles');

/**
 * True when `what` is available. When it is not: in CI (CI=true) throws, so the suite fails;
 * elsewhere prints why the dependent tests skip and returns false. Use with `describe.skipIf(!x)`.
 */
export function requireOracle(what: string, available: boolean, installHint: string): boolean {
  if (available) return true;
  const message = `${what} is not available (${installHint}); the tests that need it`;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`${message} cannot run, and CI requires them`);
  console.warn(`${message} are skipped`);
  return false;
}

function commandWorks(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const hasCc = (): boolean => requireOracle('cc', commandWorks('cc', ['--version']), 'apt-get install gcc');
/** `setarch x86_64 -R`: the native side of every comparison of addresses with randomization off. */
export const hasSetarch = (): boolean =>
  requireOracle('setarch -R', commandWorks('setarch', ['x86_64', '-R', 'true']), 'util-linux, and a kernel that allows ADDR_NO_RANDOMIZE');
export const hasReadelf = (): boolean =>
  requireOracle('readelf', commandWorks('readelf', ['--version']), 'apt-get install binutils');

/**
 * `file` and the local headers it includes (`#include "…"`, resolved next to the including file, transitively),
 * each once, in first-include order: what a C helper's build depends on besides the system.
 */
export function localSources(file: string, seen: Set<string> = new Set()): string[] {
  if (seen.has(file)) return [];
  seen.add(file);
  const out = [file];
  for (const m of readFileSync(file, 'utf8').matchAll(/^\s*#\s*include\s*"([^"]+)"/gm)) {
    const header = resolve(dirname(file), m[1]!);
    if (existsSync(header)) out.push(...localSources(header, seen));
  }
  return out;
}

/**
 * Builds the C program at `source` (a path inside the repository) once per content of the source and the local
 * headers it includes, into .cache/oracles, and returns the executable's path. `extraArgs` go to cc after the
 * source (e.g. ['-ldl']).
 */
export function buildCSource(source: string, extraArgs: string[] = []): string {
  const hash = createHash('sha256');
  for (const file of localSources(source)) hash.update(readFileSync(file)).update('\0');
  const digest = hash.update(extraArgs.join(' ')).digest('hex').slice(0, 12);
  const out = join(cacheDir, `${basename(source, '.c')}-${digest}`);
  if (!existsSync(out)) {
    mkdirSync(cacheDir, { recursive: true });
    execFileSync('cc', ['-O1', '-g', '-o', out, source, ...extraArgs], { stdio: 'inherit' });
  }
  return out;
}

/** Builds a C helper from `test/helpers/c/<name>.c` (see buildCSource). */
export function buildCHelper(name: string, extraArgs: string[] = []): string {
  return buildCSource(join(repoRoot, 'test', 'helpers', 'c', `${name}.c`), extraArgs);
}

/** Runs a command and returns its stdout (throws with stderr on failure). */
export function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** strace is installed and may trace here (a container may forbid ptrace). */
export function hasStrace(): boolean {
  let ok = false;
  try {
    execFileSync('strace', ['-o', '/dev/null', 'true']);
    ok = true;
  } catch {
    ok = false;
  }
  return requireOracle('strace (allowed to trace)', ok, 'apt-get install strace');
}

/** System calls the vDSO answers natively: picemu's vDSO data page sends them to the kernel, so strace comparisons leave them out. */
export const VDSO_CALLS: ReadonlySet<string> = new Set(['clock_gettime', 'gettimeofday', 'time', 'getcpu']);
