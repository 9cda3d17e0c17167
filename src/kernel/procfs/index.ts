// procfs: /proc and /sys as an emulated process sees them, rendered from picemu's state.
export { lookupProc, type ProcNode, type ProcfsHost } from './procfs.ts';
export { renderStatus, renderStat, renderStatm, cpuMask, type ProcSystem } from './status.ts';
export { renderCpuinfo, renderCpuinfoFrom, cpuidFlags, type CpuidFn } from './cpuinfo.ts';
export { renderMeminfo, type MemoryFigures } from './meminfo.ts';
export { readPagemap } from './pagemap.ts';
export { vmStats, type VmStats } from './vm-stats.ts';
export * from './task-view.ts';
