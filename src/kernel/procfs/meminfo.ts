// /proc/meminfo (fs/proc/meminfo.c field order and "%-16s%8lu kB" spacing) from picemu's physical memory:
// MemTotal is the machine's configured size, used memory is the frames alive, Cached the page cache.

export interface MemoryFigures {
  /** Bytes of RAM the guest machine reports. */
  total: number;
  /** Anonymous frames alive (AnonPages), bytes. */
  anon: number;
  /** Page-cache frames (Cached, Mapped counts those mapped somewhere), bytes. */
  cached: number;
  mapped: number;
  /** Shared anonymous memory (Shmem), bytes. */
  shmem: number;
  /** Committed bytes (Committed_AS: VM_ACCOUNT mappings of every process). */
  committed: number;
}

const LABELS = [
  'MemTotal', 'MemFree', 'MemAvailable', 'Buffers', 'Cached', 'SwapCached', 'Active', 'Inactive', 'Active(anon)',
  'Inactive(anon)', 'Active(file)', 'Inactive(file)', 'Unevictable', 'Mlocked', 'SwapTotal', 'SwapFree', 'Zswap',
  'Zswapped', 'Dirty', 'Writeback', 'AnonPages', 'Mapped', 'Shmem', 'KReclaimable', 'Slab', 'SReclaimable',
  'SUnreclaim', 'KernelStack', 'PageTables', 'SecPageTables', 'NFS_Unstable', 'Bounce', 'WritebackTmp',
  'CommitLimit', 'Committed_AS', 'VmallocTotal', 'VmallocUsed', 'VmallocChunk', 'Percpu', 'AnonHugePages',
  'ShmemHugePages', 'ShmemPmdMapped', 'FileHugePages', 'FilePmdMapped', 'HugePages_Total', 'HugePages_Free',
  'HugePages_Rsvd', 'HugePages_Surp', 'Hugepagesize', 'Hugetlb', 'DirectMap4k', 'DirectMap2M', 'DirectMap1G',
] as const;

/** Lines that print a count, not kB (hugetlb_report_meminfo: "HugePages_Total:   %5lu"). */
const COUNT_LINES = new Set(['HugePages_Total', 'HugePages_Free', 'HugePages_Rsvd', 'HugePages_Surp']);

export function renderMeminfo(m: MemoryFigures): string {
  const used = m.anon + m.cached;
  const free = Math.max(0, m.total - used);
  const values: Record<string, number> = {
    MemTotal: m.total, MemFree: free, MemAvailable: free + m.cached, Cached: m.cached,
    Active: m.anon + m.cached, 'Active(anon)': m.anon, 'Active(file)': m.cached,
    AnonPages: m.anon, Mapped: m.mapped, Shmem: m.shmem,
    CommitLimit: Math.floor(m.total / 2), Committed_AS: m.committed,
    VmallocTotal: 34359738367 * 1024, Hugepagesize: 2048 * 1024, DirectMap4k: m.total,
  };
  let out = '';
  for (const label of LABELS) {
    const v = values[label] ?? 0;
    const head = (label + ':').padEnd(16, ' ');
    if (COUNT_LINES.has(label)) out += `${head}${String(v).padStart(8, ' ')}\n`;
    else out += `${head}${String(Math.floor(v / 1024)).padStart(8, ' ')} kB\n`;
  }
  return out;
}
