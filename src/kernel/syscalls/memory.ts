// Memory system calls on the task's address space: brk, mmap (anonymous and file-backed through the page cache,
// so file pages are shared frames between processes), munmap, mprotect, mremap, madvise, msync, mincore.
// Checks run in the kernel's order; mm's errors become the errno the kernel returns.
import { MmError, type MmErrno } from '../../mm/errors.ts';
import type { OpenFile } from '../../mm/page-cache.ts';
import { TASK_SIZE } from '../../mm/layout.ts';
import { PAGE_SIZE, PageFault, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../mm/types.ts';
import { EACCES, EBADF, EFAULT, EINVAL, ENODEV, ENOMEM, EOPNOTSUPP, EPERM, EEXIST, EOVERFLOW } from '../errno.ts';
import { S_IFDIR, S_IFMT } from '../files/file.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { copyToUser } from '../user-memory.ts';
import { int, ulong } from './helpers.ts';

const MM_ERRNO: Record<MmErrno, number> = { EPERM, ENOMEM, EACCES, EEXIST, EINVAL };
const MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_SHARED_VALIDATE = 0x03, MAP_TYPE = 0x0f;
const MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_GROWSDOWN = 0x100, MAP_NORESERVE = 0x4000, MAP_STACK = 0x20000, MAP_FIXED_NOREPLACE = 0x100000;
const MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;

const pageUp = (v: number): number => Math.ceil(v / PAGE_SIZE) * PAGE_SIZE;

/** Runs an mm operation, mapping its MmError to -errno. */
function mm(op: () => number | void): number {
  try {
    return op() ?? 0;
  } catch (e) {
    if (e instanceof MmError) return -MM_ERRNO[e.code];
    if (e instanceof PageFault) return -EFAULT;
    throw e;
  }
}

/** brk: the new break, or the old one when it cannot move (below start_brk, or into another mapping). */
function brk(task: Task, want: number): number {
  const b = task.mm.brk;
  if (want < b.start) return b.current;
  const [oldTop, newTop] = [pageUp(b.current), pageUp(want)];
  if (newTop === oldTop) {
    b.current = want;
    return want;
  }
  if (newTop < oldTop) {
    mm(() => task.space.munmap(newTop, oldTop - newTop));
    b.current = want;
    return want;
  }
  // Growing: the new pages (and the stack's guard gap) must be free.
  const space = task.space;
  if (newTop > TASK_SIZE) return b.current;
  for (const v of space.mappings()) {
    const start = v.growsDown ? v.start - 256 * PAGE_SIZE : v.start;
    if (start < newTop && v.end > oldTop) return b.current;
  }
  const r = mm(() => {
    space.mmap({ addr: oldTop, length: newTop - oldTop, prot: PROT_READ | PROT_WRITE, fixed: true, anonymous: true, name: '[heap]' });
  });
  if (r < 0) return b.current;
  b.current = want;
  return want;
}

function mmap(task: Task, a: readonly bigint[]): SyscallResult {
  const [addr, flags, fd] = [ulong(a[0]!), int(a[3]!), int(a[4]!)];
  const offset = BigInt.asUintN(64, a[5]!);
  if (offset % BigInt(PAGE_SIZE) !== 0n) return -EINVAL;
  const len = BigInt.asUintN(64, a[1]!);
  if (len === 0n) return -EINVAL;
  const aligned = BigInt.asUintN(64, len + BigInt(PAGE_SIZE - 1)) & ~BigInt(PAGE_SIZE - 1);
  if (aligned === 0n || aligned > BigInt(TASK_SIZE)) return -ENOMEM;
  const type = flags & MAP_TYPE;
  if (type !== MAP_SHARED && type !== MAP_PRIVATE && type !== MAP_SHARED_VALIDATE) return -EINVAL;
  const prot = int(a[2]!) & (PROT_READ | PROT_WRITE | PROT_EXEC);
  const length = Number(aligned);
  let file: OpenFile | undefined;
  if (!(flags & MAP_ANONYMOUS)) {
    const f = task.files.get(fd);
    if (!f) return -EBADF;
    if (!f.readable) return -EACCES;
    if ((f.stat().mode & S_IFMT) === S_IFDIR) return -ENODEV;
    if (type !== MAP_PRIVATE && prot & PROT_WRITE && !f.writable) return -EACCES;
    const m = f.mappable();
    if (typeof m === 'number') return m;
    file = m;
  }
  if (offset + aligned > BigInt(Number.MAX_SAFE_INTEGER)) return -EOVERFLOW;
  return mm(() =>
    task.space.mmap({
      addr: addr || undefined, length, prot, file, offset: file ? Number(offset) : undefined, anonymous: !file, shared: type !== MAP_PRIVATE,
      fixed: (flags & MAP_FIXED) !== 0, noReplace: (flags & MAP_FIXED_NOREPLACE) !== 0 && !(flags & MAP_FIXED),
      noReserve: (flags & MAP_NORESERVE) !== 0, growsDown: (flags & MAP_GROWSDOWN) !== 0,
      stack: (flags & MAP_STACK) !== 0,
    }),
  );
}


/**
 * mremap: shrink in place; grow in place when the pages after are free; otherwise (MREMAP_MAYMOVE) a new mapping
 * of the same kind elsewhere, the contents carried over, the old range unmapped.
 */
function mremap(task: Task, oldAddr: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
  if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return -EINVAL;
  if (flags & MREMAP_FIXED && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
  if (oldAddr % PAGE_SIZE) return -EINVAL;
  oldLen = pageUp(oldLen);
  newLen = pageUp(newLen);
  if (newLen === 0) return -EINVAL;
  if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) return -EINVAL; // not supported here: glibc does not use them
  const space = task.space;
  const vma = space.vmaAt(oldAddr);
  if (!vma || oldAddr + Math.max(oldLen, 1) > vma.end) return -EFAULT;
  if (newLen <= oldLen) {
    if (newLen < oldLen) {
      const r = mm(() => space.munmap(oldAddr + newLen, oldLen - newLen));
      if (r < 0) return r;
    }
    return oldAddr;
  }
  const template = { prot: vma.prot, shared: vma.shared, name: vma.name ?? undefined, file: vma.file && !vma.file.inode.anonymous ? vma.file : undefined };
  const fileOffset = (at: number) => (template.file ? (vma.pgoff + (at - vma.start) / PAGE_SIZE) * PAGE_SIZE : undefined);
  // In place: the range after the mapping is free and it ends the VMA.
  if (oldAddr + oldLen === vma.end && space.mappings().every((v) => v.end <= vma.end || v.start >= oldAddr + newLen) && oldAddr + newLen <= TASK_SIZE) {
    const r = mm(() => {
      space.mmap({ addr: vma.end, length: newLen - oldLen, prot: template.prot, shared: template.shared, file: template.file, offset: fileOffset(vma.end), anonymous: !template.file, fixed: true, name: template.name });
    });
    if (r === 0) return oldAddr;
  }
  if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
  return mm(() => {
    const to = space.mmap({ length: newLen, prot: template.prot | PROT_READ, shared: template.shared, file: template.file, offset: fileOffset(oldAddr), anonymous: !template.file, name: template.name });
    if (!template.file || !template.shared) {
      // Carry the contents over page by page (pages never touched stay untouched).
      for (let off = 0; off < oldLen; off += PAGE_SIZE) {
        const info = space.frameAt(oldAddr + off);
        if (!info) continue;
        const bytes = space.peek(oldAddr + off, PAGE_SIZE);
        if (bytes) space.poke(to + off, bytes);
      }
    }
    if (!(template.prot & PROT_READ)) space.mprotect(to, newLen, template.prot);
    space.munmap(oldAddr, oldLen);
    return to;
  });
}

const MADV_DONTNEED = 4, MADV_FREE = 8, MADV_REMOVE = 9, MADV_DONTNEED_LOCKED = 24;
/** madvise_behavior_valid on this kernel (x86-64, THP, KSM, memory failure): every other value is EINVAL. */
const MADV_VALID = new Set([
  0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 100, 101, 102, 103,
  // NORMAL RANDOM SEQUENTIAL WILLNEED DONTNEED FREE REMOVE DONTFORK DOFORK MERGEABLE UNMERGEABLE HUGEPAGE NOHUGEPAGE
  // DONTDUMP DODUMP WIPEONFORK KEEPONFORK COLD PAGEOUT POPULATE_READ POPULATE_WRITE DONTNEED_LOCKED COLLAPSE,
  // HWPOISON SOFT_OFFLINE GUARD_INSTALL GUARD_REMOVE
]);

/**
 * madvise as do_madvise walks it: the range checks, then VMA by VMA (a hole is skipped and reported as ENOMEM at
 * the end). MADV_DONTNEED zaps the pages and keeps the VMAs (zap_page_range); MADV_FREE is lazy — the pages stay
 * until memory is short, which picemu's never is — and only for private anonymous memory; MADV_REMOVE (punching a
 * hole in a shared file) is refused as a file system without hole punching refuses it. Other advice changes nothing.
 */
function madvise(task: Task, start: number, lenArg: bigint, advice: number): SyscallResult {
  if (!MADV_VALID.has(advice)) return -EINVAL;
  if (start % PAGE_SIZE) return -EINVAL;
  const len = (lenArg + BigInt(PAGE_SIZE - 1)) & ~BigInt(PAGE_SIZE - 1) & 0xffffffffffffffffn;
  if (lenArg !== 0n && len === 0n) return -EINVAL;
  const endBig = BigInt(start) + len;
  if (endBig > 0xffffffffffffffffn) return -EINVAL;
  if (len === 0n) return 0;
  const end = Number(endBig);
  const space = task.space;
  let unmapped = 0;
  let at = start;
  for (;;) {
    const next = space.mappings().find((v) => v.end > at);
    if (!next) return -ENOMEM;
    if (at < next.start) {
      unmapped = -ENOMEM;
      at = next.start;
      if (at >= end) break;
    }
    const to = Math.min(next.end, end);
    const error = adviseVma(space, next, at, to, advice);
    if (error) return error;
    at = to;
    if (at >= end) break;
  }
  return unmapped;
}

function adviseVma(space: Task['space'], vma: ReturnType<Task['space']['mappings']>[number], start: number, end: number, advice: number): number {
  switch (advice) {
    case MADV_DONTNEED: case MADV_DONTNEED_LOCKED:
      if (!vma.backing) space.zapRange(start, end);
      return 0;
    case MADV_FREE:
      return vma.file || vma.shared || vma.backing ? -EINVAL : 0; // vma_is_anonymous only
    case MADV_REMOVE:
      if (!vma.file) return -EINVAL;
      if (!vma.shared || !vma.mayWrite) return -EACCES;
      return -EOPNOTSUPP;
    default:
      return 0;
  }
}

defineSyscalls([
  { nr: 12, name: 'brk', args: ['ptr'], result: 'hex', handler: (t, a) => brk(t, ulong(a[0])) },
  { nr: 9, name: 'mmap', args: ['ptr', 'uint', 'prot', 'mmap-flags', 'fd', 'hex'], result: 'hex', handler: (t, a) => mmap(t, a) },
  { nr: 11, name: 'munmap', args: ['ptr', 'uint'], handler: (t, a) => mm(() => t.space.munmap(ulong(a[0]), ulong(a[1]))) },
  {
    nr: 10, name: 'mprotect', args: ['ptr', 'uint', 'prot'],
    handler: (t, a) => {
      const prot = int(a[2]);
      // PROT_GROWSDOWN/PROT_GROWSUP (0x01000000/0x02000000) are accepted and ignored here; anything else unknown is EINVAL.
      if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | 0x03000000)) return -EINVAL;
      return mm(() => t.space.mprotect(ulong(a[0]), ulong(a[1]), prot & 7));
    },
  },
  { nr: 25, name: 'mremap', args: ['ptr', 'uint', 'uint', 'hex', 'ptr'], result: 'hex', handler: (t, a) => mremap(t, ulong(a[0]), ulong(a[1]), ulong(a[2]), int(a[3]), ulong(a[4])) },
  { nr: 28, name: 'madvise', args: ['ptr', 'uint', 'int'], handler: (t, a) => madvise(t, ulong(a[0]), a[1], int(a[2])) },
  { nr: 26, name: 'msync', args: ['ptr', 'uint', 'hex'], handler: (_t, a) => (ulong(a[0]) % PAGE_SIZE ? -EINVAL : 0) },
  {
    nr: 27, name: 'mincore', args: ['ptr', 'uint', 'ptr'],
    handler: (t, a) => {
      const [addr, len] = [ulong(a[0]), ulong(a[1])];
      if (addr % PAGE_SIZE) return -EINVAL;
      if (addr + len > TASK_SIZE) return -ENOMEM;
      const pages = pageUp(len) / PAGE_SIZE;
      // Every page must be mapped (ENOMEM otherwise), checked before anything is written, as the kernel walks VMAs.
      for (let at = addr; at < addr + pages * PAGE_SIZE; ) {
        const vma = t.space.vmaAt(at);
        if (!vma) return -ENOMEM;
        at = vma.end;
      }
      for (let done = 0; done < pages; done += 4096) {
        const n = Math.min(4096, pages - done);
        const out = new Uint8Array(n);
        for (let k = 0; k < n; k++) out[k] = t.space.frameAt(addr + (done + k) * PAGE_SIZE) ? 1 : 0;
        if (copyToUser(t.space, ulong(a[2]) + done, out) !== n) return -EFAULT;
      }
      return 0;
    },
  },
]);
