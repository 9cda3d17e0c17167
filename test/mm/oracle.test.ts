// picemu's address spaces against the kernel: the same script of mmap/mprotect/munmap/touches runs in
// test/helpers/c/mm_ops.c and in picemu; every VMA's maps line and smaps figures must be equal,
// relative to the script's arena.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildCHelper, hasCc, repoRoot } from '../helpers/oracles.ts';
import { parseReport, runOnPicemu } from './script.ts';

const available = hasCc();
// Under the repository, not /tmp: the helper's page-cache control (fsync, POSIX_FADV_DONTNEED) needs a disk
// file system; on a tmpfs /tmp, DONTNEED drops nothing and fault-around would map extra pages.
mkdirSync(join(repoRoot, '.cache'), { recursive: true });
const dir = mkdtempSync(join(repoRoot, '.cache', 'mm-oracle-'));
const data = join(dir, 'data.bin'); // 40000 bytes: pages 0-8 full, page 9 partial, page 10 on beyond EOF
writeFileSync(data, randomBytes(40000));
const rw = join(dir, 'rw.bin');
writeFileSync(rw, randomBytes(8 * 4096));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runNative(script: string): string {
  const helper = buildCHelper('mm_ops');
  return execFileSync(helper, [], { input: script, encoding: 'utf8', timeout: 20_000 });
}

/** Scripts: [name, body]. `$DATA` and `$RW` stand for the test files. */
const scripts: [string, string][] = [
  [
    'a library mapped as _dl_map_segments does, with bss and RELRO',
    `file $DATA
arena 24
map 2 12 r-- private 0
map 4 3 r-x private 2
map 7 2 r-- private 5
map 9 2 rw- private 7
map 11 3 rw- anon
read 2
read 5
read 7
write 9
read 10
read 11
write 12
protect 9 1 r--`,
  ],
  [
    'anonymous split and merge: mprotect middle and back, touched vs untouched (VM_ACCOUNT)',
    `arena 32
map 2 8 rw- anon
protect 4 2 r--
protect 4 2 rw-
map 12 4 rw- anon
write 13
protect 12 4 r--
map 16 4 r-- anon
map 20 4 rw- anon
protect 20 4 r--
map 24 2 --- anon
protect 24 2 rw-
write 24
protect 24 2 ---
map 26 2 --- anon`,
  ],
  [
    'adjacent anonymous mappings merge; munmap splits; mprotect across VMAs',
    `arena 32
map 2 2 rw- anon
map 4 2 rw- anon
map 6 2 r-- anon
map 8 2 rw- anon
protect 6 2 rw-
unmap 5 2
protect 2 3 r-x
protect 3 2 r--
protect 7 3 r--
map 12 8 rw- anon
protect 13 6 r--
protect 12 8 rw-`,
  ],
  [
    'file mappings merge only when contiguous in the file (one open file)',
    `file $DATA
arena 32
map 2 2 r-- private 0
map 4 2 r-- private 2
map 6 2 r-- private 5
map 10 2 r-x private 0
protect 10 2 r--
map 12 2 r-- private 2
protect 10 4 rw-
write 11`,
  ],
  [
    'copy-on-write of file pages and the zero page, then read-only again',
    `file $DATA
arena 24
map 2 6 rw- private 0
read 2
write 3
read 4
write 4
map 10 4 rw- anon
read 10
read 11
write 11
protect 2 6 r--
read 5`,
  ],
  [
    'faults: unmapped, protection, beyond end of file (SIGBUS) and the partial last page',
    `file $DATA
arena 24
map 2 12 r-- private 0
read 11
read 12
read 13
write 3
map 16 2 --- anon
read 16
read 20`,
  ],
  [
    'two processes: file pages shared clean, COW pages private, Pss halved',
    `procs 2
file $DATA
arena 24
map 2 8 r-- private 0
map 10 2 rw- private 8
read 2
read 3
read 5
write 10
map 14 4 rw- anon
write 14
read 15`,
  ],
  // Pages dirtied through a shared mapping are left out: the kernel writes them back (and cleans them)
  // whenever a neighbouring page is dropped or a large folio around them is, which this oracle cannot
  // pin down; test/mm/address-space.test.ts covers picemu's Shared_Dirty.
  [
    'shared file mappings between two processes: one page-cache frame, shared clean',
    `procs 2
file $RW rw
arena 16
map 2 4 rw- shared 0
read 2
read 3
map 8 2 r-- shared 4
read 8
map 10 2 rw- private 6
write 10`,
  ],
];

describe.skipIf(!available)('mm against the kernel (mm_ops oracle)', () => {
  for (const [name, body] of scripts) {
    it(name, () => {
      const script = body.replaceAll('$DATA', data).replaceAll('$RW', rw) + '\n';
      const native = parseReport(runNative(script));
      const ours = parseReport(runOnPicemu(script));
      expect(ours.faults).toEqual(native.faults);
      expect(ours.vmas).toEqual(native.vmas);
    });
  }
});
