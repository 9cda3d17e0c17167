// Test helpers for the REPL: run it with commands on a pipe, and read an oracle's view of a fixture
// (readelf's PT_LOADs, nm's symbols) to compare against.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, run } from '../helpers/oracles.ts';

export interface PipedResult {
  stdout: string;
  stderr: string;
  status: number | null;
  lines: string[];
}

/** `picemu repl ARGS` with `commands` on stdin, one per line; colour off, a throwaway history file. */
export function pipedRepl(args: string[], commands: string[], timeoutMs = 25_000): PipedResult {
  const history = join(mkdtempSync(join(tmpdir(), 'picemu-repl-')), 'history');
  const r = spawnSync(process.execPath, ['bin/picemu.mjs', 'repl', ...args], {
    cwd: repoRoot,
    input: commands.join('\n') + '\n',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', PICEMU_HISTORY: history },
    timeout: timeoutMs,
  });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, lines: r.stdout.split('\n') };
}

export interface LoadSegment {
  offset: number;
  vaddr: number;
  flags: string;
}

/** The PT_LOAD lines of `readelf -lW`. */
export function loadSegments(lib: string): LoadSegment[] {
  return run('readelf', ['-lW', join(repoRoot, lib)])
    .split('\n')
    .filter((l) => /^\s*LOAD\s/.test(l))
    .map((l) => {
      const f = l.trim().split(/\s+/);
      // LOAD Offset VirtAddr PhysAddr FileSiz MemSiz Flg... Align: the flags are the words between MemSiz and Align.
      return { offset: Number(f[1]), vaddr: Number(f[2]), flags: f.slice(6, -1).join(' ') };
    });
}

/** Symbols from `nm` (the oracle for names and link-time addresses). */
export function nmSymbols(lib: string): { name: string; value: number }[] {
  return run('nm', [join(repoRoot, lib)])
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 3)
    .map(([v, , name]) => ({ name: name!, value: parseInt(v!, 16) }));
}

export const PAGE = 0x1000;
export const hex = (n: number): string => '0x' + n.toString(16);

/** Lines of `pages` output for `module` (the header is `module  offset  perms  p1  p2`). */
export function pageRows(lines: string[], module: string): { offset: number; perms: string; frames: string[]; shared: boolean; line: string }[] {
  return lines
    .filter((l) => l.startsWith(module + ' '))
    .map((line) => {
      const f = line.trim().split(/\s+/);
      const shared = f.at(-1) === 'shared';
      const end = shared || f.at(-1) === 'private' ? -1 : undefined;
      return { offset: Number(f[1]), perms: f[2]!, frames: f.slice(3, end), shared, line };
    });
}
