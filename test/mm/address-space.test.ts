// Unit tests of address spaces: demand paging, the zero page, copy-on-write, protections, split and
// merge, top-down placement, epochs, peek/poke, backing buffers, smaps figures.
import { describe, expect, it } from 'vitest';
import {
  AddressSpace,
  createSharedMemory,
  type FileIdentity,
  MmError,
  PAGE_SIZE,
  PageFault,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  type SharedMemory,
  STACK_GUARD_GAP,
} from '../../src/mm/index.ts';

const P = PAGE_SIZE;
const RW = PROT_READ | PROT_WRITE;

function fileBytes(pages: number, extra = 0): Uint8Array {
  const b = new Uint8Array(pages * P + extra);
  for (let i = 0; i < b.length; i++) b[i] = (i >> 12) + 1; // page n holds n+1
  return b;
}

let nextInode = 1000;
function syntheticFile(mem: SharedMemory, bytes: Uint8Array, path = '/synthetic/lib.so') {
  const identity: FileIdentity = { path, dev: { major: 0xfe, minor: 1 }, inode: nextInode++, size: bytes.length, mtimeNs: 0n };
  return mem.pageCache.openBytes(identity, bytes);
}

function setup(n = 1) {
  const mem = createSharedMemory();
  // Fault-around off: these tests follow single pages (fault-around is checked against the kernel elsewhere).
  const spaces = Array.from({ length: n }, () => new AddressSpace({ ...mem, mmapBase: 0x7f0000000000, faultAroundBytes: 4096 }));
  return { mem, spaces, as: spaces[0] };
}

function layout(as: AddressSpace): string[] {
  return as.mappings().map((v) => `${(v.start - 0x7f0000000000) / P}-${(v.end - 0x7f0000000000) / P} ${v.prot}${v.account ? ' ac' : ''}`);
}

describe('demand paging and the zero page', () => {
  it('maps nothing until the first access, then one page per access', () => {
    const { as } = setup();
    const a = as.mmap({ length: 4 * P, prot: RW });
    expect(as.frameAt(a)).toBeNull();
    as.frameFor(a + 5, 'read');
    expect(as.frameAt(a)?.kind).toBe('zero');
    expect(as.frameAt(a + P)).toBeNull();
    expect(as.smaps()[0].figures.rss).toBe(0); // the zero page is not counted
  });

  it('anonymous pages read before written share the one zero frame, then get their own on write', () => {
    const { as, spaces } = setup(2);
    const a = as.mmap({ length: 2 * P, prot: RW });
    const b = spaces[1].mmap({ length: P, prot: RW });
    as.frameFor(a, 'read');
    as.frameFor(a + P, 'read');
    spaces[1].frameFor(b, 'read');
    const zero = as.frameNumber(a);
    expect(as.frameNumber(a + P)).toBe(zero);
    expect(spaces[1].frameNumber(b)).toBe(zero);
    const epoch = as.epoch;
    as.frameFor(a, 'write')[0] = 7;
    expect(as.frameNumber(a)).not.toBe(zero);
    expect(as.epoch).toBeGreaterThan(epoch);
    expect(as.read(a + P, 1)[0]).toBe(0);
    expect(spaces[1].read(b, 1)[0]).toBe(0);
    expect(as.read(a, 1)[0]).toBe(7);
    expect(as.smaps()[0].figures).toMatchObject({ rss: P, privateDirty: P, anonymous: P });
  });
});

describe('copy-on-write of private file pages', () => {
  it('shares the page-cache frame until a write, then the writer gets a private copy', () => {
    const { mem, spaces } = setup(2);
    const [a, b] = spaces;
    const file = syntheticFile(mem, fileBytes(3));
    const va = a.mmap({ length: 3 * P, prot: RW, file });
    const vb = b.mmap({ length: 3 * P, prot: RW, file });
    expect(a.read(va + P, 1)[0]).toBe(2);
    expect(b.read(vb + P, 1)[0]).toBe(2);
    expect(a.frameNumber(va + P)).toBe(b.frameNumber(vb + P));
    expect(a.frameAt(va + P)?.mapCount).toBe(2);
    a.write(va + P, new Uint8Array([0x55]));
    expect(a.frameNumber(va + P)).not.toBe(b.frameNumber(vb + P));
    expect(a.read(va + P, 2)).toEqual(new Uint8Array([0x55, 2]));
    expect(b.read(vb + P, 1)[0]).toBe(2);
    expect(b.frameAt(vb + P)?.mapCount).toBe(1);
    expect(mem.pageCache.pagesRead).toBe(1);
    const fa = a.smaps().find((e) => e.vma.start === va)!.figures;
    expect(fa).toMatchObject({ rss: P, anonymous: P, privateDirty: P, sharedClean: 0 });
  });

  it('counts page-table entries (mapCount) and address spaces (spaceCount) apart', () => {
    const { mem, spaces } = setup(2);
    const [a, b] = spaces;
    const file = syntheticFile(mem, fileBytes(1));
    const a1 = a.mmap({ length: P, prot: PROT_READ, file });
    const a2 = a.mmap({ length: P, prot: PROT_READ, file });
    a.read(a1, 1);
    a.read(a2, 1);
    expect(a.frameAt(a1)).toMatchObject({ mapCount: 2, spaceCount: 1 });
    const b1 = b.mmap({ length: P, prot: PROT_READ, file });
    b.read(b1, 1);
    expect(a.frameAt(a2)).toMatchObject({ mapCount: 3, spaceCount: 2 });
    a.munmap(a1, P);
    a.munmap(a2, P);
    expect(b.frameAt(b1)).toMatchObject({ mapCount: 1, spaceCount: 1 });
  });

  it('a write fault on a page never read copies the file page directly', () => {
    const { mem, as } = setup();
    const file = syntheticFile(mem, fileBytes(2));
    const va = as.mmap({ length: 2 * P, prot: RW, file });
    as.write(va + P + 1, new Uint8Array([9]));
    expect(as.read(va + P, 2)).toEqual(new Uint8Array([2, 9]));
    expect(as.frameAt(va + P)).toMatchObject({ kind: 'anon', dirty: true });
    expect(mem.pageCache.lookup(file.identity)!.pages.get(1)!.bytes[1]).toBe(2);
  });

  it('the last partial page is zero past EOF; pages wholly past EOF fault with beyond-eof', () => {
    const { mem, as } = setup();
    const file = syntheticFile(mem, fileBytes(1, 10));
    const va = as.mmap({ length: 4 * P, prot: PROT_READ, file });
    expect(as.read(va + P + 9, 2)).toEqual(new Uint8Array([2, 0]));
    expect(() => as.frameFor(va + 2 * P, 'read')).toThrow(PageFault);
    try {
      as.frameFor(va + 2 * P, 'read');
    } catch (e) {
      expect((e as PageFault).reason).toBe('beyond-eof');
    }
    expect(as.peek(va + 2 * P, 1)).toBeNull();
  });
});

describe('protections', () => {
  it('checks every access against the VMA, x86 style by default', () => {
    const { as } = setup();
    const a = as.mmap({ length: P, prot: PROT_EXEC });
    expect(() => as.frameFor(a, 'fetch')).not.toThrow();
    expect(() => as.frameFor(a, 'read')).not.toThrow(); // x86 cannot make a page exec-only
    expect(() => as.frameFor(a, 'write')).toThrow(/protection write/);
    const n = as.mmap({ length: P, prot: PROT_NONE });
    expect(() => as.frameFor(n, 'read')).toThrow(/protection read/);
    expect(() => as.frameFor(0x1000, 'read')).toThrow(/unmapped read/);
    const r = as.mmap({ length: P, prot: PROT_READ });
    expect(() => as.frameFor(r, 'fetch')).toThrow(/protection fetch/);
  });

  it("in 'strict' mode each access needs its own bit (unicorn)", () => {
    const mem = createSharedMemory();
    const as = new AddressSpace({ ...mem, protections: 'strict' });
    const a = as.mmap({ length: P, prot: PROT_EXEC });
    expect(() => as.frameFor(a, 'read')).toThrow(PageFault);
  });

  it('mprotect takes effect at once and bumps the epoch', () => {
    const { as } = setup();
    const a = as.mmap({ length: 2 * P, prot: RW });
    as.frameFor(a, 'write');
    const epoch = as.epoch;
    as.mprotect(a, P, PROT_READ);
    expect(as.epoch).toBeGreaterThan(epoch);
    expect(() => as.frameFor(a, 'write')).toThrow(PageFault);
    as.mprotect(a, P, RW);
    const frame = as.frameNumber(a);
    as.frameFor(a, 'write');
    expect(as.frameNumber(a)).toBe(frame); // its own anonymous page: reused, not copied
  });

  it('write() refuses read-only pages as a guest store would', () => {
    const { as } = setup();
    const a = as.mmap({ length: 2 * P, prot: RW });
    as.mprotect(a + P, P, PROT_READ);
    expect(() => as.write(a + P - 2, new Uint8Array(4))).toThrow(PageFault);
    expect(as.peek(a + P - 2, 4)).toEqual(new Uint8Array(4));
  });
});

describe('split and merge', () => {
  it('mprotect in the middle splits in three, and back merges in one', () => {
    const { as } = setup();
    const a = as.mmap({ length: 8 * P, prot: RW });
    as.mprotect(a + 2 * P, 2 * P, PROT_READ);
    expect(as.mappings()).toHaveLength(3);
    as.mprotect(a + 2 * P, 2 * P, RW);
    expect(as.mappings()).toHaveLength(1);
  });

  it('an untouched anonymous mapping loses VM_ACCOUNT when made read-only; a touched one keeps it', () => {
    const { as } = setup();
    const a = as.mmap({ length: 2 * P, prot: RW, addr: 0x7f0000000000 - 4 * P, fixed: true });
    const b = as.mmap({ length: 2 * P, prot: RW | PROT_EXEC, addr: a + 2 * P, fixed: true });
    expect(as.mappings()).toHaveLength(2);
    as.frameFor(b, 'write');
    as.mprotect(b, 2 * P, PROT_READ);
    as.mprotect(a, 2 * P, PROT_READ);
    expect(layout(as)).toEqual(['-4--2 1', '-2-0 1 ac']);
  });

  it('munmap in the middle leaves two VMAs and frees their pages', () => {
    const { mem, as } = setup();
    const a = as.mmap({ length: 4 * P, prot: RW });
    for (let i = 0; i < 4; i++) as.frameFor(a + i * P, 'write');
    const live = mem.physical.liveCount;
    as.munmap(a + P, 2 * P);
    expect(as.mappings()).toHaveLength(2);
    expect(mem.physical.liveCount).toBe(live - 2);
    expect(() => as.frameFor(a + P, 'read')).toThrow(/unmapped/);
  });

  it('MAP_FIXED over part of a file mapping splits it, with offsets kept', () => {
    const { mem, as } = setup();
    const file = syntheticFile(mem, fileBytes(6));
    const a = as.mmap({ length: 6 * P, prot: PROT_READ, file });
    as.mmap({ addr: a + 2 * P, length: 2 * P, prot: PROT_READ | PROT_EXEC, file, offset: 2 * P, fixed: true });
    expect(as.maps().split('\n').map((l) => l.split(' ').slice(1, 3).join(' '))).toEqual(['r--p 00000000', 'r-xp 00002000', 'r--p 00004000', '']);
    // Mapping it back read-only with the same open file and contiguous offsets merges all three.
    as.mmap({ addr: a + 2 * P, length: 2 * P, prot: PROT_READ, file, offset: 2 * P, fixed: true });
    expect(as.mappings()).toHaveLength(1);
    // Another open file of the same inode does not merge (the kernel compares struct file).
    const again = mem.pageCache.openBytes(file.identity, mem.pageCache.lookup(file.identity)!.bytes());
    as.mmap({ addr: a + 2 * P, length: 2 * P, prot: PROT_READ, file: again, offset: 2 * P, fixed: true });
    expect(as.mappings()).toHaveLength(3);
  });

  it('mprotect across a hole changes what comes before it, then fails with ENOMEM', () => {
    const { as } = setup();
    const a = as.mmap({ length: 4 * P, prot: RW });
    as.munmap(a + 2 * P, P);
    expect(() => as.mprotect(a, 4 * P, PROT_READ)).toThrow(MmError);
    expect(as.vmaAt(a)?.prot).toBe(PROT_READ);
    expect(as.vmaAt(a + 3 * P)?.prot).toBe(RW);
  });
});

describe('top-down placement', () => {
  it('places each new mapping just below the previous one, and reuses the highest hole that fits', () => {
    const { as } = setup();
    const top = 0x7f0000000000;
    const a = as.mmap({ length: 2 * P, prot: RW });
    const b = as.mmap({ length: 3 * P, prot: PROT_READ });
    expect(a).toBe(top - 2 * P);
    expect(b).toBe(a - 3 * P);
    as.munmap(a, 2 * P);
    expect(as.mmap({ length: P, prot: PROT_READ })).toBe(top - P);
    expect(as.mmap({ length: 4 * P, prot: PROT_READ })).toBe(b - 4 * P);
  });

  it('keeps the stack guard gap below a growsdown mapping, and honours a free hint', () => {
    const mem = createSharedMemory();
    const stackTop = 0x7f0000000000;
    const as = new AddressSpace({ ...mem, mmapBase: stackTop });
    as.mmap({ addr: stackTop - 8 * P, length: 8 * P, prot: RW, fixed: true, growsDown: true, name: '[stack]' });
    expect(as.mmap({ length: P, prot: RW })).toBe(stackTop - 8 * P - STACK_GUARD_GAP - P);
    expect(as.mmap({ length: P, prot: RW, addr: 0x10000000 })).toBe(0x10000000);
    expect(() => as.mmap({ length: P, prot: RW, addr: 0x10000000, noReplace: true })).toThrow(/EEXIST/);
  });

  it('a seeded layout is the same for one seed and differs between seeds', () => {
    const mem = createSharedMemory();
    const b1 = new AddressSpace({ ...mem, layoutSeed: 1 }).mmapBase;
    expect(new AddressSpace({ ...mem, layoutSeed: 1 }).mmapBase).toBe(b1);
    expect(new AddressSpace({ ...mem, layoutSeed: 2 }).mmapBase).not.toBe(b1);
    expect(new AddressSpace({ ...mem }).mmapBase).toBe(0x7ffff7fff000);
  });
});

describe('peek and poke', () => {
  it('peek never pages in, never faults and reads what a load would', () => {
    const { mem, as } = setup();
    const file = syntheticFile(mem, fileBytes(2));
    const a = as.mmap({ length: 2 * P, prot: PROT_NONE, file });
    expect(as.peek(a + P - 1, 2)).toEqual(new Uint8Array([1, 2]));
    expect(as.frameAt(a)).toBeNull();
    expect(mem.pageCache.pagesRead).toBe(0);
    expect(as.peek(a - P, 1)).toBeNull();
  });

  it('poke makes the page private to one address space, ignoring protections', () => {
    const { mem, spaces } = setup(2);
    const [a, b] = spaces;
    const file = syntheticFile(mem, fileBytes(1));
    const va = a.mmap({ length: P, prot: PROT_READ | PROT_EXEC, file });
    const vb = b.mmap({ length: P, prot: PROT_READ | PROT_EXEC, file });
    expect(b.read(vb, 1)[0]).toBe(1);
    expect(a.poke(va, new Uint8Array([0xcc]))).toBe(true); // a breakpoint
    expect(a.peek(va, 1)![0]).toBe(0xcc);
    expect(b.peek(vb, 1)![0]).toBe(1);
    expect(a.frameNumber(va)).not.toBe(b.frameNumber(vb));
    expect(() => a.frameFor(va, 'write')).toThrow(PageFault); // still read-only to the guest
    expect(a.poke(0x1000, new Uint8Array([1]))).toBe(false);
  });
});

describe('shared mappings and backing buffers', () => {
  it('MAP_SHARED writes go to the page-cache frame and are seen by every address space', () => {
    const { mem, spaces } = setup(2);
    const [a, b] = spaces;
    const identity: FileIdentity = { path: '/synthetic/data', dev: { major: 0xfe, minor: 1 }, inode: nextInode++, size: 2 * P, mtimeNs: 0n };
    const file = mem.pageCache.openBytes(identity, fileBytes(2), { writable: true });
    const va = a.mmap({ length: 2 * P, prot: RW, file, shared: true });
    const vb = b.mmap({ length: 2 * P, prot: PROT_READ, file, shared: true });
    b.read(vb, 1);
    a.write(va, new Uint8Array([42]));
    expect(b.read(vb, 1)[0]).toBe(42);
    const fig = a.smaps().find((e) => e.vma.start === va)!.figures;
    expect(fig).toMatchObject({ rss: P, sharedDirty: P, pss: P / 2, pssDirty: P / 2 });
    expect(b.smaps().find((e) => e.vma.start === vb)!.figures).toMatchObject({ sharedDirty: P });
    expect(() => a.mmap({ length: P, prot: RW, file: mem.pageCache.openBytes(identity, fileBytes(2)), shared: true })).toThrow(/EACCES/);
  });

  it('two address spaces given one buffer share its bytes and its frames', () => {
    const { spaces } = setup(2);
    const [a, b] = spaces;
    const buffer = new Uint8Array(2 * P);
    a.mmap({ addr: 0x10000, length: 2 * P, prot: RW, fixed: true, backing: buffer });
    b.mmap({ addr: 0x20000, length: 2 * P, prot: RW, fixed: true, backing: buffer });
    a.write(0x10000 + P, new Uint8Array([5]));
    expect(buffer[P]).toBe(5);
    expect(b.read(0x20000 + P, 1)[0]).toBe(5);
    expect(a.frameNumber(0x10000 + P)).toBe(b.frameNumber(0x20000 + P));
    buffer[0] = 9;
    expect(b.peek(0x20000, 1)![0]).toBe(9);
  });

  it('shared anonymous memory shows as /dev/zero (deleted)', () => {
    const { as } = setup();
    as.mmap({ length: P, prot: RW, shared: true });
    expect(as.maps()).toMatch(/ rw-s 00000000 00:01 \d+ +\/dev\/zero \(deleted\)\n$/);
  });
});

describe('maps and smaps text', () => {
  it('pads the path to column 73 and leaves anonymous lines with a trailing space', () => {
    const { mem, as } = setup();
    const file = syntheticFile(mem, fileBytes(1), '/usr/lib/x86_64-linux-gnu/libfake.so.1');
    as.mmap({ length: P, prot: PROT_READ, file });
    as.mmap({ length: P, prot: RW });
    as.mmap({ length: P, prot: RW, name: '[heap]', addr: 0x555555559000, fixed: true });
    const lines = as.maps().split('\n');
    expect(lines[0]).toBe('555555559000-55555555a000 rw-p 00000000 00:00 0                          [heap]');
    expect(lines[1]).toBe('7effffffe000-7efffffff000 rw-p 00000000 00:00 0 ');
    expect(lines[2]).toBe(`7efffffff000-7f0000000000 r--p 00000000 fe:01 ${file.identity.inode}`.padEnd(73) + '/usr/lib/x86_64-linux-gnu/libfake.so.1');
    expect(lines[2].indexOf('/usr')).toBe(73);
  });

  it('renders smaps blocks as the kernel does', () => {
    const { as } = setup();
    const a = as.mmap({ length: 2 * P, prot: RW });
    as.frameFor(a, 'write');
    const text = as.smapsText();
    expect(text).toContain('\nSize:                  8 kB\nKernelPageSize:        4 kB\nMMUPageSize:           4 kB\nRss:                   4 kB\n');
    expect(text).toContain('\nPrivate_Dirty:         4 kB\n');
    expect(text).toContain('\nTHPeligible:           0\nVmFlags: rd wr mr mw me ac \n');
  });

  it('lists the frame behind each present page', () => {
    const { as } = setup();
    const a = as.mmap({ length: 3 * P, prot: RW });
    as.frameFor(a + 2 * P, 'write');
    as.frameFor(a, 'read');
    expect(as.presentPages(a, a + 3 * P).map((p) => [(p.va - a) / P, p.kind])).toEqual([
      [0, 'zero'],
      [2, 'anon'],
    ]);
  });
});

describe('the memory limit (committed memory, as the kernel charges VM_ACCOUNT mappings)', () => {
  const limited = (memoryLimit: number) => new AddressSpace({ ...createSharedMemory(), mmapBase: 0x7f0000000000, memoryLimit });

  it('defaults to 4 GiB of private writable mappings; a 1 TiB one is refused with ENOMEM, nothing mapped', () => {
    const { as } = setup();
    expect(as.memoryLimit).toBe(4 * 1024 ** 3);
    expect(() => as.mmap({ length: 2 ** 40, prot: RW })).toThrow(MmError);
    expect(() => as.mmap({ length: 2 ** 40, prot: RW })).toThrow(/^ENOMEM: .*memory limit/);
    expect(as.mappings()).toEqual([]);
  });

  it('charges only private writable memory: read-only, shared and MAP_NORESERVE mappings are free', () => {
    const as = limited(16 * P);
    as.mmap({ length: 64 * P, prot: PROT_READ });
    as.mmap({ length: 64 * P, prot: RW, shared: true });
    as.mmap({ length: 64 * P, prot: RW, noReserve: true });
    expect(as.committed()).toBe(0);
    const a = as.mmap({ length: 16 * P, prot: RW });
    expect(as.committed()).toBe(16 * P);
    expect(() => as.mmap({ length: P, prot: RW })).toThrow(/ENOMEM/);
    as.munmap(a, 8 * P);
    expect(as.mmap({ length: 8 * P, prot: RW })).toBeGreaterThan(0);
  });

  it('MAP_FIXED over charged memory is charged only for the difference', () => {
    const as = limited(8 * P);
    const a = as.mmap({ length: 8 * P, prot: RW });
    expect(as.mmap({ addr: a, length: 8 * P, prot: RW, fixed: true })).toBe(a);
    expect(() => as.mmap({ addr: a, length: 9 * P, prot: RW, fixed: true })).toThrow(/ENOMEM/);
    expect(as.committed()).toBe(8 * P);
  });

  it('mprotect(PROT_WRITE) of a private read-only mapping is charged, and refused past the limit', () => {
    const as = limited(4 * P);
    const a = as.mmap({ length: 8 * P, prot: PROT_READ });
    as.mprotect(a, 4 * P, RW);
    expect(as.committed()).toBe(4 * P);
    expect(() => as.mprotect(a + 4 * P, P, RW)).toThrow(/ENOMEM/);
    expect(as.vmaAt(a + 4 * P)!.prot).toBe(PROT_READ);
  });
});
