// Loading benchmark: libc.so.6 (with its dependency ld-linux-x86-64.so.2) into a first address space
// (target < 200 ms: files read, parsed, mapped, relocated) and into a second one over the same page cache
// (target < 20 ms, and no file page read again). Wall time is the target; CPU time (this process, all
// threads) is printed beside it because a busy machine inflates wall time. Run: npx tsx bench/load.ts [LIB]
import { Linker } from '../src/loader/index.ts';
import { AddressSpace, createSharedMemory, processLayout } from '../src/mm/index.ts';

const lib = process.argv[2] ?? 'libc.so.6';
const memory = createSharedMemory();

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function loadOnce(pid: number): { ms: number; cpu: number; modules: number; relocations: number; pending: number } {
  const c0 = cpuMs();
  const t0 = performance.now();
  const space = new AddressSpace({ ...memory, mmapBase: processLayout(BigInt(pid)).mmapBase });
  const result = new Linker(space).load(lib);
  const ms = performance.now() - t0;
  const cpu = cpuMs() - c0;
  const relocations = result.loaded.reduce((n, m) => n + m.relocations.length, 0);
  return { ms, cpu, modules: result.loaded.length, relocations, pending: result.pendingIfuncs.length };
}

const first = loadOnce(1);
const readAfterFirst = memory.pageCache.pagesRead;
const second = loadOnce(2);
const readAfterSecond = memory.pageCache.pagesRead;
const more = Array.from({ length: 10 }, (_, i) => loadOnce(3 + i)).sort((a, b) => a.ms - b.ms);

const line = (name: string, value: string, cpu: string, target: string, ok: boolean) =>
  console.log(`${name.padEnd(42)} ${value.padStart(10)} ${cpu.padStart(14)}   target ${target.padEnd(8)} ${ok ? 'ok' : 'MISSED'}`);
const ms = (r: { ms: number }) => `${r.ms.toFixed(1)} ms`;
const cpu = (r: { cpu: number }) => `(${r.cpu.toFixed(1)} ms cpu)`;
console.log(`load ${lib}: ${first.modules} modules, ${first.relocations} relocations applied, ${first.pending} ifunc relocations pending`);
line('first address space', ms(first), cpu(first), '< 200 ms', first.ms < 200);
line('second address space (same page cache)', ms(second), cpu(second), '< 20 ms', second.ms < 20);
line('file pages read by the second load', String(readAfterSecond - readAfterFirst), '', '0', readAfterSecond === readAfterFirst);
line('median of 10 more address spaces', ms(more[5]), cpu(more[5]), '< 20 ms', more[5].ms < 20);
console.log(`page cache: ${readAfterSecond} file pages read once, ${memory.physical.liveCount} frames live`);
