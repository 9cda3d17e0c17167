// The corpus of system shared objects the ELF tests and `npm run corpus` read: every x86-64 ET_DYN file at the
// top level of /lib/x86_64-linux-gnu and /usr/lib/x86_64-linux-gnu (symlinks followed, each real file once).
import { closeSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const corpusDirs = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu'];

function isX86_64SharedObject(path: string): boolean {
  try {
    const b = Buffer.alloc(20);
    const fd = openSync(path, 'r');
    try {
      if (readSync(fd, b, 0, 20, 0) < 20) return false;
    } finally {
      closeSync(fd);
    }
    // \x7fELF, ELFCLASS64, little-endian, ET_DYN, EM_X86_64 (linker scripts such as libc.so are text and fail here).
    return b.readUInt32BE(0) === 0x7f454c46 && b[4] === 2 && b[5] === 1 && b.readUInt16LE(16) === 3 && b.readUInt16LE(18) === 62;
  } catch {
    return false;
  }
}

/** Corpus files (real paths, sorted). `recursive` also walks subdirectories. */
export function corpusFiles(options: { recursive?: boolean } = {}): string[] {
  const seen = new Set<string>();
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (options.recursive) walk(p);
        continue;
      }
      let real: string;
      try {
        if (!lstatSync(p).isSymbolicLink() && !e.isFile()) continue;
        real = realpathSync(p);
        if (!statSync(real).isFile()) continue;
      } catch {
        continue;
      }
      if (seen.has(real)) continue;
      seen.add(real);
    }
  };
  const dirs = new Set<string>();
  for (const d of corpusDirs) {
    try {
      dirs.add(realpathSync(d));
    } catch {
      /* absent */
    }
  }
  for (const d of dirs) walk(d);
  return [...seen].filter(isX86_64SharedObject).sort();
}

/** A deterministic sample of `n` corpus files (evenly spaced in sorted order). */
export function corpusSample(n: number): string[] {
  const all = corpusFiles();
  if (all.length <= n) return all;
  return Array.from({ length: n }, (_, i) => all[Math.floor((i * all.length) / n)]!);
}
