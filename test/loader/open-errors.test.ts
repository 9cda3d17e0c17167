// What Process.load says about a file it cannot load: dlerror()'s words for the same paths from a native dlopen
// (open_verify: cannot open, cannot read file data, file too short, invalid ELF header, wrong ELF class).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Machine } from '../../src/index.ts';
import { buildCHelper, hasCc, repoRoot, run } from '../helpers/oracles.ts';

describe.skipIf(!hasCc())('loading a file that is not a loadable library', () => {
  const dir = mkdtempSync(join(tmpdir(), 'picemu-open-errors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const libz = readFileSync('/usr/lib/x86_64-linux-gnu/libz.so.1');
  const file = (name: string, bytes: Uint8Array | string) => (writeFileSync(join(dir, name), bytes), join(dir, name));
  const elf32 = Uint8Array.from(libz);
  elf32[4] = 1;
  const paths = [
    join(repoRoot, 'README.md'), // text
    join(repoRoot, 'fixtures'), // a directory
    '/dev/null', // empty
    file('two-bytes.so', 'ab'),
    file('elf-head.so', libz.subarray(0, 40)), // ELF magic, shorter than a header
    file('elf32.so', elf32),
    join(dir, 'missing.so'),
    `./${relative(process.cwd(), join(dir, 'missing.so'))}`,
    'libpicemu-missing.so.1', // a bare name: searched
  ];

  it('gives the native dlopen error for each, after the path', async () => {
    const native = run(buildCHelper('dlopen_error', ['-ldl']), paths).trimEnd().split('\n');
    expect(native.every((line) => line !== 'ok')).toBe(true);
    const machine = await Machine.create();
    const proc = machine.spawn();
    const ours: string[] = [];
    for (const path of paths) {
      try {
        await proc.load(path);
        ours.push('ok');
      } catch (err) {
        ours.push((err as Error).message);
      }
    }
    expect(ours).toEqual(native);
  });
});
