// Runs an mm_ops script (see test/helpers/c/mm_ops.c) on picemu and parses either side's report, so
// tests can compare picemu with the kernel VMA by VMA, relative to the script's arena.
import { AddressSpace, createSharedMemory, type OpenFile, PAGE_SIZE, PageFault, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE } from '../../src/mm/index.ts';

export interface VmaReport {
  /** Pages from the arena's start. */
  startPage: number;
  endPage: number;
  /** The maps line after the address range: perms, offset, dev, inode, padding and path. */
  rest: string;
  /** smaps fields in kB (and VmFlags as text). */
  fields: Record<string, string>;
}

export interface Report {
  faults: string[];
  vmas: VmaReport[];
}

/** The smaps fields compared with the kernel. */
export const comparedFields = ['Size', 'Rss', 'Pss', 'Pss_Dirty', 'Shared_Clean', 'Shared_Dirty', 'Private_Clean', 'Private_Dirty', 'Anonymous', 'VmFlags'];

export function parseReport(text: string): Report {
  const lines = text.split('\n');
  const arenaLine = lines.find((l) => l.startsWith('arena '));
  if (!arenaLine) throw new Error(`no arena line in report:\n${text}`);
  const arena = parseInt(arenaLine.slice(6), 16);
  const faults = lines.filter((l) => l.startsWith('fault '));
  const vmas: VmaReport[] = [];
  for (const line of lines) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)( .*)$/.exec(line);
    if (m) {
      vmas.push({ startPage: (parseInt(m[1], 16) - arena) / PAGE_SIZE, endPage: (parseInt(m[2], 16) - arena) / PAGE_SIZE, rest: m[3], fields: {} });
      continue;
    }
    const f = /^([A-Za-z_]+):\s*(.*?)\s*$/.exec(line);
    if (f && vmas.length && comparedFields.includes(f[1])) vmas[vmas.length - 1].fields[f[1]] = f[2];
  }
  return { faults, vmas };
}

function parseProt(s: string): number {
  if (!/^[r-][w-][x-]$/.test(s)) throw new Error(`bad prot ${s}`);
  return (s[0] === 'r' ? PROT_READ : PROT_NONE) | (s[1] === 'w' ? PROT_WRITE : 0) | (s[2] === 'x' ? PROT_EXEC : 0);
}

/** Runs `script` in picemu (1 or 2 address spaces in lockstep, as the helper does) and prints its report. */
export function runOnPicemu(script: string): string {
  // As the helper: a cold page cache without read-around (MADV_RANDOM), unmapped pages dropped before each
  // touch (POSIX_FADV_DONTNEED), so fault-around finds only pages some process maps.
  const mem = createSharedMemory({ residency: 'read-around', readAroundPages: 1 });
  const steps = script.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const procs = Number(steps.find((s) => s.startsWith('procs '))?.split(/\s+/)[1] ?? 1);
  const spaces = Array.from({ length: procs }, () => new AddressSpace({ ...mem }));
  const state = spaces.map(() => ({ file: undefined as OpenFile | undefined, arena: 0 }));
  const faults: string[] = [];
  steps.forEach((step, i) => {
    const [op, a, b, c, d, e] = step.split(/\s+/);
    spaces.forEach((as, p) => {
      const st = state[p];
      const at = st.arena + Number(a) * PAGE_SIZE;
      switch (op) {
        case 'procs':
          return;
        case 'file':
          st.file = mem.pageCache.open(a, { writable: b === 'rw' });
          return;
        case 'arena':
          st.arena = as.mmap({ length: Number(a) * PAGE_SIZE, prot: PROT_NONE });
          return;
        case 'map': {
          const kind = d;
          const file = kind === 'private' || kind === 'shared' ? st.file : undefined;
          as.mmap({ addr: at, length: Number(b) * PAGE_SIZE, prot: parseProt(c), fixed: true, shared: kind === 'shared' || kind === 'shared-anon', file, offset: file ? Number(e) * PAGE_SIZE : 0 });
          return;
        }
        case 'unmap':
          as.munmap(at, Number(b) * PAGE_SIZE);
          return;
        case 'protect':
          as.mprotect(at, Number(b) * PAGE_SIZE, parseProt(c));
          return;
        case 'read':
        case 'write':
          if (st.file) mem.pageCache.evictUnmapped(st.file.inode);
          try {
            as.frameFor(at, op === 'read' ? 'read' : 'write');
          } catch (err) {
            if (!(err instanceof PageFault)) throw err;
            if (p === 0) faults.push(`fault ${i + 1} ${err.reason === 'beyond-eof' ? 'SIGBUS' : 'SIGSEGV'}`);
          }
          return;
        default:
          throw new Error(`unknown step ${step}`);
      }
    });
  });
  const as = spaces[0];
  const arena = state[0].arena;
  const arenaEnd = arena + Number(steps.find((s) => s.startsWith('arena '))!.split(/\s+/)[1]) * PAGE_SIZE;
  const blocks = as
    .smapsText()
    .split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)
    .filter((block) => {
      const start = parseInt(block.split('-')[0], 16);
      return start >= arena && start < arenaEnd;
    });
  return [`arena ${arena.toString(16)}`, ...faults, ...blocks.map((b) => b.replace(/\n$/, ''))].join('\n') + '\n';
}
