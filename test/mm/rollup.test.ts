// smaps_rollup: the kernel's one is the sum of smaps over every VMA, Pss accumulated in fixed point and shifted
// once (so it may exceed the sum of the per-VMA kB figures by less than one kB per VMA), under a [rollup] header
// spanning the first VMA's start to the last one's end ([vsyscall] is no VMA). Checked on a native process's own
// smaps and smaps_rollup, then the same relations on picemu's for two processes sharing and copying pages.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildCHelper, hasCc } from '../helpers/oracles.ts';
import { AddressSpace, createSharedMemory, type FileIdentity, PAGE_SIZE, PROT_READ, PROT_WRITE } from '../../src/mm/index.ts';

const SUMMED = ['Rss', 'Shared_Clean', 'Shared_Dirty', 'Private_Clean', 'Private_Dirty', 'Referenced', 'Anonymous', 'KSM', 'LazyFree', 'AnonHugePages', 'Swap', 'Locked'];

function blocks(text: string): { header: string; kb: Record<string, number> }[] {
  return text.split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/).filter((b) => b.trim()).map((b) => {
    const [header, ...rest] = b.trim().split('\n');
    const kb: Record<string, number> = {};
    for (const l of rest) {
      const m = /^(\w+):\s+(\d+) kB$/.exec(l);
      if (m) kb[m[1]!] = Number(m[2]);
    }
    return { header: header!, kb };
  });
}

function checkRollup(smaps: string, rollup: string): void {
  const vmas = blocks(smaps).filter((b) => !b.header.endsWith('[vsyscall]'));
  const [r] = blocks(rollup);
  const first = vmas[0]!.header.split('-')[0];
  const last = vmas.at(-1)!.header.split(' ')[0]!.split('-')[1];
  expect(r!.header).toMatch(new RegExp(`^${first}-${last} ---p 00000000 00:00 0 +\\[rollup\\]$`));
  expect(r!.header.indexOf('[rollup]')).toBe(73);
  for (const f of SUMMED) expect(r!.kb[f], f).toBe(vmas.reduce((s, v) => s + (v.kb[f] ?? 0), 0));
  for (const f of ['Pss', 'Pss_Dirty']) {
    const sum = vmas.reduce((s, v) => s + v.kb[f]!, 0);
    expect(r!.kb[f]).toBeGreaterThanOrEqual(sum);
    expect(r!.kb[f]).toBeLessThan(sum + vmas.length);
  }
  const split = r!.kb.Pss_Anon! + r!.kb.Pss_File! + r!.kb.Pss_Shmem!;
  expect(split).toBeLessThanOrEqual(r!.kb.Pss!);
  expect(split).toBeGreaterThan(r!.kb.Pss! - 3);
  expect(rollup.split('\n').filter((l) => /^\w+:/.test(l)).map((l) => l.split(':')[0])).toEqual([
    'Rss', 'Pss', 'Pss_Dirty', 'Pss_Anon', 'Pss_File', 'Pss_Shmem', 'Shared_Clean', 'Shared_Dirty', 'Private_Clean', 'Private_Dirty',
    'Referenced', 'Anonymous', 'KSM', 'LazyFree', 'AnonHugePages', 'ShmemPmdMapped', 'FilePmdMapped', 'Shared_Hugetlb', 'Private_Hugetlb',
    'Swap', 'SwapPss', 'Locked',
  ]);
}

describe('smaps_rollup', () => {
  it.skipIf(!hasCc())('the kernel: a process’s rollup against its own smaps (test/helpers/c/smaps_rollup.c)', () => {
    const out = execFileSync(buildCHelper('smaps_rollup'), { encoding: 'utf8' });
    const [smaps, rollup] = out.split('ROLLUP\n');
    checkRollup(smaps!, rollup!);
  });

  it('picemu: the same relations, for shared, copied and anonymous pages in two processes', () => {
    const mem = createSharedMemory();
    const [a, b] = [0, 1].map(() => new AddressSpace({ ...mem, mmapBase: 0x7f0000000000 }));
    const bytes = new Uint8Array(7 * PAGE_SIZE + 100).fill(7);
    const identity: FileIdentity = { path: '/synthetic/rollup.so', dev: { major: 0xfe, minor: 1 }, inode: 4242, size: bytes.length, mtimeNs: 0n };
    const file = mem.pageCache.openBytes(identity, bytes);
    for (const as of [a!, b!]) {
      const va = as.mmap({ length: 8 * PAGE_SIZE, prot: PROT_READ | PROT_WRITE, file });
      as.read(va, 1);
      as.write(va + 3 * PAGE_SIZE, new Uint8Array([1]));
      const anon = as.mmap({ length: 3 * PAGE_SIZE, prot: PROT_READ | PROT_WRITE });
      as.write(anon, new Uint8Array([1]));
      const shm = as.mmap({ length: 2 * PAGE_SIZE, prot: PROT_READ | PROT_WRITE, shared: true });
      as.read(shm, 1);
    }
    checkRollup(a!.smapsText(), a!.smapsRollupText());
    expect(blocks(a!.smapsRollupText())[0]!.kb.Pss_Shmem).toBe(4);
  });
});
