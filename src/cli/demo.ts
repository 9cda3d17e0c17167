// `picemu demo` (= `npm start`): the seed story on fixtures/libcounter.so — one library in two processes,
// one copy of its code, a private copy of its data each, and the instructions that make that work.
import { fileURLToPath } from 'node:url';
import { Machine, moduleSymbols, placeText, resultText, stableAsm, type MemoryAccess, type Process, type StepEvent } from '../index.ts';
import type { Command } from './command.ts';
import { UsageError } from './errors.ts';
import { parseOptions } from './options.ts';
import { CPU_OPTION, cpuOption } from './cpu-option.ts';
import { ENGINE_OPTION, engineOption } from './engine-option.ts';
import type { ProfileName } from '../cpu/features.ts';
import type { EngineName } from '../process/engines/engine.ts';

/** `demo --fork`: the story told with fork (demo-fork.ts). */
const FORK_OPTION = { name: '--fork', help: 'tell it with fork instead: one process counts 0, 1, forks, and parent and child count on from 2, each on its own copy of the data page' };

export const DEMO_LIBRARY = fileURLToPath(new URL('../../fixtures/libcounter.so', import.meta.url));
export const DEMO_SYMBOL = 'really_really_nonreentrant';
const CALLS = 3;

const hex = (v: number | bigint): string => '0x' + v.toString(16);
const bold = (s: string, on: boolean): string => (on ? `\x1b[1m${s}\x1b[0m` : s);

export interface DemoRun {
  machine: Machine;
  processes: Process[];
  /** results[p][k]: what call k returned in process p. */
  results: string[][];
  /** The first call's trace in each process. */
  traces: StepEvent[][];
}

export async function runDemo(cpu?: ProfileName, engine?: EngineName): Promise<DemoRun> {
  const machine = await Machine.create({ seed: 0, cpu, engine });
  const processes = [machine.spawn(), machine.spawn()];
  for (const p of processes) machine.load(p, DEMO_LIBRARY);
  const results: string[][] = processes.map(() => []);
  const traces: StepEvent[][] = processes.map(() => []);
  for (let k = 0; k < CALLS; k++) {
    processes.forEach((p, n) => {
      const out = p.call(DEMO_SYMBOL, [], { trace: k === 0 });
      results[n]!.push(resultText(out.result));
      if (k === 0) traces[n] = out.events;
    });
  }
  return { machine, processes, results, traces };
}

/** One access, for a person: what, where, which frame. */
function accessLine(a: MemoryAccess): string {
  const kind = a.kind === 'read' ? 'read ' : 'write';
  if (a.symbol) {
    const facts = [a.ripRelative ? 'rip-relative' : '', a.section ?? '', `frame ${a.frame}${a.shared ? ' shared' : ''}`].filter(Boolean).join(', ');
    return `${kind} ${a.symbol} = ${a.value}  (${facts})`;
  }
  const where = a.vma?.name || 'memory';
  const value = a.pointsTo ? (a.pointsTo.vma?.name === '[picemu]' ? "the return address (picemu's)" : placeText(a.pointsTo, Number(a.value))) : hex(a.value);
  return `${kind} ${where}: ${value}`;
}

function column(events: StepEvent[]): string[] {
  const lines: string[] = [];
  for (const e of events) {
    lines.push(`${(e.offset !== undefined ? '+' + hex(e.offset) : hex(e.rip)).padEnd(7)} ${stableAsm(e)}`);
    for (const a of e.accesses) lines.push(`          ${accessLine(a)}`);
  }
  return lines;
}

function sideBySide(left: string[], right: string[], width: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < Math.max(left.length, right.length); k++) out.push(`  ${(left[k] ?? '').padEnd(width)} │ ${right[k] ?? ''}`);
  return out;
}

/** Section names on a page, shortened at a name boundary. */
function sectionsText(names: string[], width: number): string {
  let text = '';
  for (const n of names) {
    const next = text ? `${text} ${n}` : n;
    if (next.length > width - 1) return (text || n.slice(0, width - 2)) + '…';
    text = next;
  }
  return text;
}

export function demoText(run: DemoRun, color = false): string {
  const { machine, processes, results, traces } = run;
  const [p1, p2] = processes as [Process, Process];
  const mod = p1.module('libcounter.so')!;
  const syms = moduleSymbols(mod.elf);
  const fnOffset = syms.addressOf(DEMO_SYMBOL)!;
  const iOffset = syms.addressOf('i.0');
  const out: string[] = [];
  const h = (s: string): void => void out.push('', bold(s, color));

  out.push(bold('picemu demo: one shared library, two processes', color));
  out.push('', 'fixtures/libcounter.so holds one function:', '', '    int really_really_nonreentrant(void) { static int i = 0; return i++; }');
  out.push('', 'Both processes load the same file, each at its own address (like ASLR):');
  for (const p of processes) out.push(`    process ${p.pid}: libcounter.so at ${hex(p.baseOf('libcounter.so')!)}   (${DEMO_SYMBOL} at ${hex(p.baseOf('libcounter.so')! + fnOffset)})`);

  h(`Calls, interleaved (p1, p2, p1, p2, ...):`);
  for (let k = 0; k < CALLS; k++) out.push(`    call ${k + 1}:  p1 → ${results[0]![k]}    p2 → ${results[1]![k]}`);
  out.push('', `Each process counts 0, 1, 2 on its own: process 2's calls did not see process 1's.`);

  h('Which physical frame each process maps at each page of the library:');
  out.push(`    offset  perms  ${'sections'.padEnd(32)} p1    p2`);
  const code = machine.pageTable().find((r) => r.module === 'libcounter.so' && r.perms === 'r-xp');
  for (const row of machine.pageTable().filter((r) => r.module === 'libcounter.so')) {
    const sections = mod.elf.sections.filter((s) => s.addr < row.offset + 0x1000 && s.addr + s.size > row.offset && s.flags & 2 && s.size > 0).map((s) => s.name);
    const frames = row.frames.map((f) => String(f ?? '-').padEnd(5)).join(' ');
    const present = row.frames.filter((f) => f !== null);
    const note = row.shared ? '← one frame, in both' : present.length === 2 ? '← a private frame each' : present.length === 0 ? '(never touched: not in memory)' : '';
    out.push(`    ${hex(row.offset).padEnd(7)} ${row.perms}  ${sectionsText(sections, 32).padEnd(32)} ${frames} ${note}`);
  }
  out.push('');
  out.push(`The code page (r-xp) is frame ${code?.frames[0] ?? '?'} in both processes: the page cache read it from the file`);
  out.push('once. The writable pages are private: the loader wrote relocations into the GOT (that page is');
  out.push('then made read-only: RELRO) and zeroed the start of .bss, and i++ writes there too, so each');
  out.push("process got its own copy of those pages (copy-on-write).");

  h('The first call in each process, instruction by instruction:');
  const left = column(traces[0]!);
  const width = Math.max(...left.map((l) => l.length)) + 1;
  out.push(`  ${`process ${p1.pid}`.padEnd(width)} │ process ${p2.pid}`);
  out.push(`  ${'─'.repeat(width)}─┼─${'─'.repeat(width)}`);
  const fetched = traces.map((t) => t[0]?.frame ?? 0);
  out.push(...sideBySide([`(code fetched from frame ${fetched[0]})`], [`(code fetched from frame ${fetched[1]})`], width));
  out.push(...sideBySide(left, column(traces[1]!), width));

  const read = traces[0]!.flatMap((e) => e.accesses.map((a) => ({ e, a }))).find(({ a }) => a.ripRelative && a.symbol === 'i.0');
  if (read && iOffset !== undefined) {
    const next = read.e.rip + read.e.bytes.length;
    const disp = read.a.va - next;
    out.push('', `The same instruction bytes run in both processes. [rip + ${hex(disp)}] means "the next`);
    out.push(`instruction's address + ${hex(disp)}": in process 1 that is ${hex(next)} + ${hex(disp)} = ${hex(read.a.va)},`);
    const read2 = traces[1]!.flatMap((e) => e.accesses).find((a) => a.ripRelative && a.symbol === 'i.0');
    if (read2) out.push(`in process 2 it is ${hex(read2.va)}: both are libcounter.so+${hex(iOffset)}, the static i (i.0, in .bss),`);
    out.push(`each on that process's own private frame. Position-independent code finds its data relative`);
    out.push(`to itself, so one copy of the code serves every process, each with its own data.`);
  }
  return out.join('\n');
}

export const command: Command = {
  summary: 'the seed story: one library in two processes, shared code frames, private data frames',
  usage: '',
  options: [CPU_OPTION, FORK_OPTION, ENGINE_OPTION],
  description: ['Loads the bundled fixtures/libcounter.so (`int really_really_nonreentrant(void) { static int i = 0; return i++; }`) into two processes, calls it three times in each, and shows the results, which physical frame each process maps at each page, and the first call in each process instruction by instruction.'],
  async run(args) {
    const parsed = parseOptions(args, [CPU_OPTION, FORK_OPTION, ENGINE_OPTION]);
    if (parsed.positional.length) throw new UsageError(`demo takes no arguments (got '${parsed.positional[0]}')`);
    const engine = engineOption(parsed);
    if (parsed.values.has('--fork')) {
      const { forkDemoText, runForkDemo } = await import('./demo-fork.ts');
      process.stdout.write(forkDemoText(await runForkDemo(cpuOption(parsed), engine)) + '\n');
      return 0;
    }
    const run = await runDemo(cpuOption(parsed), engine);
    process.stdout.write(demoText(run, process.stdout.isTTY === true) + '\n');
    return 0;
  },
};
