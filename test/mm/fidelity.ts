// Page-for-page fidelity against the kernel: test/helpers/c/dlopen_fidelity.c dlopens a library in two native
// processes (after reading the file, so it is in the page cache), optionally calls an int(void) function, and
// prints every smaps field and the pagemap of the library's VMAs after loading and after the calls. picemu
// does the same in two processes, with the library placed at the native address (so fault-around windows,
// aligned in virtual addresses, fall the same way), and every field and page must agree.
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, fsyncSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseElf, PT_LOAD } from '../../src/elf/index.ts';
import { needsLibc } from '../../src/process/load.ts';
import { Machine } from '../../src/process/machine.ts';
import type { Process } from '../../src/process/process.ts';
import { PAGE_SIZE, PM_FILE, PM_MMAP_EXCLUSIVE, PM_PRESENT } from '../../src/mm/index.ts';
import { buildCHelper, repoRoot } from '../helpers/oracles.ts';

/**
 * A private copy of `lib` (under .cache/fidelity, on the repository's disk file system), written back (fsync, so
 * its page-cache pages are clean): no other process on the host maps it, so its map counts, and with them Pss
 * and Shared/Private, come from the two processes alone. Its DT_NEEDED libraries are still the system's.
 */
export function privateCopy(lib: string): string {
  const dir = join(repoRoot, '.cache', 'fidelity');
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, basename(lib));
  copyFileSync(lib, copy);
  const fd = openSync(copy, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  return copy;
}

/** The bytes from the first PT_LOAD's page to the end of the last one's memory (ld.so's reservation). */
function loadSpan(lib: string): number {
  const loads = parseElf(readFileSync(lib), lib).programHeaders.filter((p) => p.type === PT_LOAD);
  const first = Math.floor(loads[0]!.vaddr / PAGE_SIZE) * PAGE_SIZE;
  const last = loads[loads.length - 1]!;
  return Math.ceil((last.vaddr + last.memsz) / PAGE_SIZE) * PAGE_SIZE - first;
}

/** Keeps only the VMAs inside the library's reservation [base, base + span) (not a neighbouring anonymous mapping). */
function withinSpan(report: Report, span: number): Report {
  const keep = (s: Snapshot): Snapshot => s.map((vmas) => vmas.filter((v) => v.end <= vmas[0]!.start + span));
  return { load: keep(report.load), ...(report.call ? { call: keep(report.call) } : {}) };
}

export interface VmaReport {
  start: number;
  end: number;
  perms: string;
  offset: number;
  path: string;
  /** One character a page: '.' absent, 'F'/'f' file page shared/exclusive, 'A'/'a' anonymous shared/exclusive. */
  pages: string;
  /** Every smaps field line after the header, "Name: value" as printed (spaces collapsed). */
  fields: string[];
}
export type Snapshot = VmaReport[][]; // per child (process), the library's VMAs

export interface Report {
  load: Snapshot;
  call?: Snapshot;
}

export function parseReport(out: string): Report {
  const report: Partial<Record<'load' | 'call', Snapshot>> = {};
  let phase: Snapshot | undefined;
  let vma: VmaReport | undefined;
  for (const line of out.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^phase (\w+)$/.exec(line))) report[m[1] as 'load' | 'call'] = phase = [];
    else if (/^child \d+ pid \d+$/.test(line)) phase!.push([]);
    else if ((m = /^vma ([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) ?(.*)$/.exec(line))) {
      phase!.at(-1)!.push((vma = { start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), perms: m[3]!, offset: parseInt(m[4]!, 16), path: m[5]!, pages: '', fields: [] }));
    } else if ((m = /^pages (\S*)$/.exec(line)) && vma) vma.pages = m[1]!;
    else if (/^\w+:/.test(line) && vma) vma.fields.push(line.replace(/\s+/g, ' ').trim());
  }
  return report as Report;
}

export function nativeReport(lib: string, symbol?: string, calls = 1, options: { noAslr?: boolean } = {}): Report {
  const args = [buildCHelper('dlopen_fidelity', ['-ldl']), lib, ...(symbol ? [symbol, String(calls)] : [])];
  const [cmd, ...rest] = options.noAslr ? ['setarch', 'x86_64', '-R', ...args] : args;
  return withinSpan(parseReport(execFileSync(cmd!, rest, { encoding: 'utf8', timeout: 60_000 })), loadSpan(lib));
}

/**
 * The same helper exec'ed inside picemu (`picemu exec`: ld.so, libc, fork, pipes and /proc run emulated; no
 * randomization, as under setarch -R): its report must equal the native one run under setarch -R, addresses and all.
 */
export function execedReport(lib: string, symbol?: string, calls = 1): Report {
  const helper = buildCHelper('dlopen_fidelity', ['-ldl']);
  const cli = join(repoRoot, 'src', 'cli.ts');
  const args = ['--import', 'tsx', cli, 'exec', helper, lib, ...(symbol ? [symbol, String(calls)] : [])];
  return withinSpan(parseReport(execFileSync(process.execPath, args, { encoding: 'utf8', timeout: 300_000, cwd: repoRoot })), loadSpan(lib));
}

function pageChar(e: bigint): string {
  if (!(e & PM_PRESENT)) return '.';
  const exclusive = (e & PM_MMAP_EXCLUSIVE) !== 0n;
  return e & PM_FILE ? (exclusive ? 'f' : 'F') : exclusive ? 'a' : 'A';
}

/** The library's VMAs (and the anonymous VMA right after its last one) in `p`, as the helper prints them. */
function snapshotOf(p: Process, path: string): VmaReport[] {
  const out: VmaReport[] = [];
  let lastEnd = 0;
  for (const block of p.space.smapsText().split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    const [header, ...rest] = block.replace(/\n$/, '').split('\n');
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) \S+ \d+\s*(.*)$/.exec(header!)!;
    const start = parseInt(m[1]!, 16);
    const end = parseInt(m[2]!, 16);
    const vmaPath = m[5]!;
    const isLib = vmaPath === path;
    const bss = !isLib && vmaPath === '' && start === lastEnd;
    lastEnd = isLib ? end : 0;
    if (!isLib && !bss) continue;
    const entries = p.space.pagemap(start / PAGE_SIZE, (end - start) / PAGE_SIZE);
    out.push({ start, end, perms: m[3]!, offset: parseInt(m[4]!, 16), path: vmaPath, pages: Array.from(entries, pageChar).join(''), fields: rest.map((l) => l.replace(/\s+/g, ' ').trim()) });
  }
  return out;
}

/**
 * Runs the same in picemu: two processes, each with its mmap_base set so the library's first mapping lands at
 * the native child's address; loads, snapshots, calls, snapshots.
 */
export async function picemuReport(lib: string, native: Report, symbol?: string, calls = 1): Promise<Report> {
  const m = await Machine.create({ seed: 0x5eed });
  const ps = [m.spawn(), m.spawn()];
  const path = native.load[0]![0]!.path;
  const span = loadSpan(lib);
  ps.forEach((p, n) => {
    // A library that needs libc is opened by the guest's dlopen in an exec'ed program: place it after the start-up.
    if (needsLibc(lib)) p.enterHostProgram();
    p.space.mmapBase = native.load[n]![0]!.start + span;
    p.load(lib);
  });
  const report: Report = { load: ps.map((p) => snapshotOf(p, path)) };
  if (symbol) {
    for (const p of ps) for (let k = 0; k < calls; k++) p.call(symbol);
    report.call = ps.map((p) => snapshotOf(p, path));
  }
  return withinSpan(report, span);
}

/** Every difference between two reports, one line each ("" when equal). */
export function differences(native: Report, ours: Report): string[] {
  const out: string[] = [];
  for (const phase of ['load', 'call'] as const) {
    const a = native[phase];
    const b = ours[phase];
    if (!a || !b) continue;
    a.forEach((child, n) => {
      const mine = b[n] ?? [];
      if (child.length !== mine.length) out.push(`${phase} p${n + 1}: ${child.length} VMAs natively, ${mine.length} in picemu`);
      child.forEach((v, k) => {
        const w = mine[k];
        const at = `${phase} p${n + 1} ${v.perms} ${v.start.toString(16)}`;
        if (!w) return;
        if (w.start !== v.start || w.end !== v.end) out.push(`${at}: range ${v.start.toString(16)}-${v.end.toString(16)} vs ${w.start.toString(16)}-${w.end.toString(16)}`);
        if (w.pages !== v.pages) out.push(`${at}: pages ${v.pages} vs ${w.pages}`);
        v.fields.forEach((f, i) => {
          if (w.fields[i] !== f) out.push(`${at}: ${f} vs ${w.fields[i] ?? '(none)'}`);
        });
        if (w.fields.length !== v.fields.length) out.push(`${at}: ${v.fields.length} fields vs ${w.fields.length}`);
      });
    });
  }
  return out;
}
