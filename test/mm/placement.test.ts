// mmap placement (get_unmapped_area) against the kernel: test/helpers/c/mmap_place.c runs a sequence of
// mmaps without MAP_FIXED under `setarch -R` (no randomization: mmap_base is TASK_SIZE - 128 MiB) and prints
// its address space before and where each mapping landed; picemu rebuilds that address space, runs the same
// sequence and must put every mapping at the same address (THP alignment of files and anonymous memory,
// hints, the stack guard gap, top-down gap filling).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AddressSpace, createSharedMemory, PROT_READ, PROT_WRITE, TASK_SIZE, processLayout } from '../../src/mm/index.ts';
import { buildCHelper, hasCc, hasSetarch, repoRoot } from '../helpers/oracles.ts';

const available = hasCc() && hasSetarch();

// A file on the repository's disk file system (ext4 or xfs place file mappings THP-aligned; /tmp may be tmpfs).
mkdirSync(join(repoRoot, '.cache'), { recursive: true });
const file = join(repoRoot, '.cache', 'placement-6m.bin');
writeFileSync(file, new Uint8Array(6 * 1024 * 1024 + 123));

const M = 0x200000;
const K = 0x1000;
const h = (n: number): string => n.toString(16);

const sequences: [string, string[]][] = [
  ['anonymous: only multiples of 2 MiB are aligned', [`anon:${h(M - K)}`, `anon:${h(M)}`, `anon:${h(M + K)}`, `anon:${h(2 * M)}`, `anon:${h(2 * M + K)}`, `anon:${h(3 * K)}`, `anon:${h(3 * M)}`]],
  ['files: congruent to the offset modulo 2 MiB when a whole aligned 2 MiB is covered', [`file:${h(M - K)}:0`, `file:${h(M)}:0`, `file:${h(M + K)}:0`, `file:${h(M)}:${h(K)}`, `file:${h(M + K)}:${h(K)}`, `file:${h(2 * M)}:${h(K)}`, `file:${h(3 * M - K)}:0`, `file:${h(M)}:${h(M)}`, `anon:${h(5 * K)}`, `file:${h(4 * M)}:${h(3 * K)}`]],
  ['shared anonymous memory is not aligned; MAP_GROWSDOWN anonymous memory is', [`anon:${h(3 * K)}`, `shanon:${h(M)}`, `anon:${h(3 * K)}`, `grows:${h(M)}`, `anon:${h(3 * K)}`, `anon:${h(M)}`]],
  ['hints: taken when free (a file hint needs 2 MiB more free), else top-down', [`hint:7f0000001000:${h(M)}`, `fhint:7f0000101000:${h(M)}:0`, `fhint:7f0000401000:${h(M)}:0`, `fhint:7f0000701000:${h(M - K)}:0`, `hint:7f0000000000:${h(K)}`, `anon:${h(K)}`]],
  ['gap filling: smaller mappings fill the holes alignment leaves above', [`anon:${h(5 * K)}`, `file:${h(3 * M)}:0`, `anon:${h(0x100 * K)}`, `file:${h(0x10 * K)}:0`, `anon:${h(0x180 * K)}`, `file:${h(2 * M + 0x10 * K)}:0`, `anon:${h(0x1f0 * K)}`]],
];

function native(requests: string[]): { vmas: [number, number, boolean][]; at: number[] } {
  const out = execFileSync('setarch', ['x86_64', '-R', buildCHelper('mmap_place'), file, ...requests], { encoding: 'utf8' });
  const vmas: [number, number, boolean][] = [];
  const at: number[] = [];
  for (const line of out.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^vma ([0-9a-f]+) ([0-9a-f]+) (\S+)$/.exec(line))) vmas.push([parseInt(m[1]!, 16), parseInt(m[2]!, 16), m[3] === 'gd']);
    else if ((m = /^at ([0-9a-f]+)$/.exec(line))) at.push(parseInt(m[1]!, 16));
  }
  return { vmas, at };
}

function picemu(vmas: [number, number, boolean][], requests: string[]): number[] {
  const mem = createSharedMemory();
  const as = new AddressSpace({ ...mem, mmapBase: processLayout().mmapBase });
  for (const [start, end, growsDown] of vmas) {
    if (end > TASK_SIZE) continue; // [vsyscall]: above user space, nothing is placed there
    as.mmap({ addr: start, length: end - start, prot: PROT_READ, fixed: true, growsDown });
  }
  const open = mem.pageCache.open(file);
  return requests.map((r) => {
    const [kind, a, b, c] = r.split(':');
    const n = (s: string | undefined): number => parseInt(s ?? '0', 16);
    const RW = PROT_READ | PROT_WRITE;
    switch (kind) {
      case 'anon': return as.mmap({ length: n(a), prot: RW });
      case 'shanon': return as.mmap({ length: n(a), prot: RW, shared: true });
      case 'file': return as.mmap({ length: n(a), prot: PROT_READ, file: open, offset: n(b) });
      case 'hint': return as.mmap({ addr: n(a), length: n(b), prot: RW });
      case 'fhint': return as.mmap({ addr: n(a), length: n(b), prot: PROT_READ, file: open, offset: n(c) });
      case 'grows': return as.mmap({ length: n(a), prot: RW, growsDown: true });
      default: throw new Error(`unknown request ${r}`);
    }
  });
}

describe.skipIf(!available)('mmap placement vs the kernel (setarch -R)', () => {
  it('picemu assumes the kernel mmap_base without randomization', () => {
    const { vmas } = native([]);
    // The highest mapping below the stack ends at or below mmap_base (ld.so is mapped first, top-down).
    const belowStack = vmas.filter(([s, , gd]) => !gd && s < processLayout().stackTop && s > 0x7f0000000000);
    expect(Math.max(...belowStack.map(([, e]) => e))).toBeLessThanOrEqual(processLayout().mmapBase);
  });
  it.each(sequences)('%s', (_name, requests) => {
    const { vmas, at } = native(requests);
    expect(at).toHaveLength(requests.length);
    expect(picemu(vmas, requests).map(h)).toEqual(at.map(h));
  });
});
