// mm: physical frames, the page cache, address spaces (VMAs, page table, demand paging, COW), procfs views.
export * from './types.ts';
export { PhysicalMemory, type Frame, type FrameKind, type FrameNumber } from './physical.ts';
export { PageCache, type PageCacheOptions, type PageCacheResidency, CachedFile, OpenFile, fileIdentityOf, decodeDev, type FileIdentity, type DeviceNumber } from './page-cache.ts';
export { AddressSpace, DEFAULT_MEMORY_LIMIT, type MmapOptions, type AddressSpaceOptions } from './address-space.ts';
export { vmaKind, type Vma, type VmaKind } from './vma.ts';
export { mapsLine, pagemapEntry, PM_FILE, PM_MMAP_EXCLUSIVE, PM_PFRAME_MASK, PM_PRESENT, PM_SOFT_DIRTY, type SmapsFigures, type SmapsEntry, type PageInfo } from './procfs.ts';
export { MmError, type MmErrno } from './errors.ts';
export { DEFAULT_FAULT_AROUND_BYTES, faultAroundWindow, hostFaultAroundBytes } from './fault-around.ts';
export { TASK_SIZE, MMAP_MIN_ADDR, STACK_GUARD_GAP, STACK_EXPAND, INITIAL_STACK_SIZE, STACK_RLIMIT, processLayout, pageAlignDown, pageAlignUp, splitmix64, type Layout } from './layout.ts';

import { PhysicalMemory } from './physical.ts';
import { PageCache, type PageCacheOptions } from './page-cache.ts';

/** The memory a machine's processes share: physical frames and one page cache over them. */
export interface SharedMemory {
  physical: PhysicalMemory;
  pageCache: PageCache;
}

export function createSharedMemory(options: PageCacheOptions = {}): SharedMemory {
  const physical = new PhysicalMemory();
  return { physical, pageCache: new PageCache(physical, options) };
}
