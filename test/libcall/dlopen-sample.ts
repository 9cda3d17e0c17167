// What loads natively must load in picemu: a sample of the system's libraries, each dlopen'ed natively
// (dlopen_check.c, RTLD_NOW, a fresh process each) and loaded into a fresh picemu process (the guest's dlopen).
import { execFileSync } from 'node:child_process';
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Machine } from '../../src/process/machine.ts';
import { buildCSource, repoRoot } from '../helpers/oracles.ts';

export const SYSTEM_LIBRARY_DIR = '/lib/x86_64-linux-gnu';

/** About `count` shared objects of the directory, evenly spaced (distinct files, sorted by name, each by its name there). */
export function sampleLibraries(count: number, dir = SYSTEM_LIBRARY_DIR): string[] {
  const seen = new Set<string>();
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!/\.so(\.\d+)*$/.test(name)) continue;
    const path = join(dir, name);
    let real: string;
    try {
      real = realpathSync(path);
      if (!statSync(real).isFile()) continue;
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    files.push(path);
  }
  const step = Math.max(1, Math.floor(files.length / count));
  return files.filter((_, k) => k % step === 0).slice(0, count);
}

/** The native verdict: 'ok' or 'error: …' as dlerror() says it. */
export function nativeDlopen(lib: string): string {
  const exe = buildCSource(`${repoRoot}/test/libcall/c/dlopen_check.c`, ['-ldl']);
  try {
    return execFileSync(exe, [lib], { encoding: 'utf8', timeout: 30_000 }).trim();
  } catch (e) {
    return `error: native dlopen_check failed (${(e as Error).message.split('\n')[0]})`;
  }
}

export interface PicemuVerdict {
  verdict: string;
  ms: number;
}

/** picemu's verdict in a fresh process of `machine`: 'ok' or 'error: <message>'. */
export function picemuDlopen(machine: Machine, lib: string): PicemuVerdict {
  const t = Date.now();
  try {
    machine.spawn().load(lib);
    return { verdict: 'ok', ms: Date.now() - t };
  } catch (e) {
    return { verdict: `error: ${(e as Error).message}`, ms: Date.now() - t };
  }
}
