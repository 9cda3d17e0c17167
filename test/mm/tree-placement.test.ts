// Placement of a whole dependency tree against the kernel: test/helpers/c/dlopen_layout.c, under setarch -R,
// prints its address space, dlopens a library with several dependencies not yet loaded, and prints it again.
// picemu rebuilds the address space as it was before (each VMA a placeholder; libc, which the native process
// already has, loaded beforehand elsewhere), starts at the same mmap base, loads the library, and must map every
// new module at the same addresses: the same mmap sequence from the same base gives the same layout (2 MiB
// alignment, gaps filled top-down).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROT_NONE, TASK_SIZE, processLayout } from '../../src/mm/index.ts';
import { Machine } from '../../src/process/machine.ts';
import { buildCHelper, hasCc, hasSetarch } from '../helpers/oracles.ts';

const available = hasCc() && hasSetarch();

interface MapsLine { start: number; end: number; perms: string; path: string }
const parse = (line: string): MapsLine => {
  const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$/.exec(line)!;
  return { start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), perms: m[3]!, path: m[4]! };
};
const D = '/usr/lib/x86_64-linux-gnu';

describe.skipIf(!available)('placement of a dependency tree vs the kernel (setarch -R)', () => {
  // Libraries the CI packages bring (gdb: libpython3.11; gcc: libisl, libmpfr, libgmp).
  it.each([`${D}/libpython3.11.so.1.0`, `${D}/libmpfr.so.6`, `${D}/libisl.so.23`])('%s and its dependencies', async (lib) => {
    const out = execFileSync('setarch', ['x86_64', '-R', buildCHelper('dlopen_layout', ['-ldl']), lib], { encoding: 'utf8' });
    const before = out.split('\n').filter((l) => l.startsWith('before ')).map((l) => parse(l.slice(7)));
    const after = out.split('\n').filter((l) => l.startsWith('after ')).map((l) => parse(l.slice(6)));
    const had = new Set(before.map((v) => v.path).filter((p) => p.startsWith('/')));
    const added = after.filter((v) => v.path.startsWith('/') && !had.has(v.path));
    expect(new Set(added.map((v) => v.path)).size).toBeGreaterThan(1);

    const m = await Machine.create({ seed: 0x7e5 });
    const p = m.spawn();
    p.load(`${D}/libc.so.6`); // the native process has it already: it is no part of the sequence
    for (const v of before) {
      if (v.end > TASK_SIZE || p.space.vmaAt(v.start) || p.space.vmaAt(v.end - 1)) continue;
      p.space.mmap({ addr: v.start, length: v.end - v.start, prot: PROT_NONE, fixed: true, growsDown: v.path === '[stack]' });
    }
    p.space.mmapBase = processLayout().mmapBase;
    p.load(lib);
    const ours = p.space.mappings().filter((v) => v.file && added.some((a) => a.path === v.file!.identity.path));
    const show = (vs: { start: number; end: number }[], path: (i: number) => string) => vs.map((v, i) => `${v.start.toString(16)}-${v.end.toString(16)} ${path(i)}`);
    expect(show(ours, (i) => ours[i]!.file!.identity.path)).toEqual(show(added, (i) => added[i]!.path));
  });
});
