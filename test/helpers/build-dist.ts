// vitest globalSetup: compiles src/ to dist/ (incremental tsc, ~2 s when nothing changed) before the tests run,
// so tests that spawn bin/picemu.mjs run the compiled CLI of the sources under test, never a stale build.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { repoRoot } from './oracles.ts';

export default function buildDist(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: repoRoot, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`tsc -p tsconfig.build.json failed, so bin/picemu.mjs cannot be tested:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}
