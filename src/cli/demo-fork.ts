// `picemu demo --fork`: the seed story told with fork — one process loads fixtures/libcounter.so, counts 0, 1,
// forks; parent and child then count on from 2 each on its own copy of the page, and the page table shows which
// frames fork left shared (copy-on-write) and which the writes made private.
import type { ProfileName } from '../cpu/features.ts';
import { Machine } from '../process/machine.ts';
import type { EngineName } from '../process/engines/engine.ts';
import type { PageRow } from '../process/page-table.ts';
import { resultText } from '../process/call-args.ts';
import { moduleSymbols } from '../trace/symbolize.ts';
import { DEMO_LIBRARY, DEMO_SYMBOL } from './demo.ts';

const hex = (v: number): string => '0x' + v.toString(16);
const MODULE = 'libcounter.so';

export interface ForkDemoRun {
  /** What each call returned: before the fork (parent), then after it, interleaved parent/child. */
  before: string[];
  after: { parent: string; child: string }[];
  base: number;
  iOffset: number | undefined;
  /** The library's pages at three moments. */
  atFork: PageRow[];
  afterWrites: PageRow[];
}

export async function runForkDemo(cpu?: ProfileName, engine?: EngineName): Promise<ForkDemoRun> {
  const machine = await Machine.create({ seed: 0, cpu, engine });
  const parent = machine.spawn();
  machine.load(parent, DEMO_LIBRARY);
  const before = [0, 1].map(() => resultText(parent.call(DEMO_SYMBOL).result));
  const child = parent.fork();
  const rows = () => machine.pageTable().filter((r) => r.module === MODULE);
  const atFork = rows();
  const after = [0, 1].map(() => ({ parent: resultText(parent.call(DEMO_SYMBOL).result), child: resultText(child.call(DEMO_SYMBOL).result) }));
  const mod = parent.module(MODULE)!;
  return { before, after, base: parent.baseOf(MODULE)!, iOffset: moduleSymbols(mod.elf).addressOf('i.0'), atFork, afterWrites: rows() };
}

function table(rows: PageRow[], iPage: number | undefined): string[] {
  const out = [`    offset  perms    p1    p2`];
  for (const r of rows) {
    const [a, b] = r.frames.map((f) => String(f ?? '-').padStart(5));
    const note = r.shared ? 'shared: one frame in both' : r.frames.every((f) => f !== null) ? 'private: a frame each' : r.frames.some((f) => f !== null) ? 'in one process only' : 'not in memory';
    const where = r.offset === iPage ? '  (i lives here)' : '';
    out.push(`    ${hex(r.offset).padEnd(7)} ${r.perms}  ${a} ${b}   ${note}${where}`);
  }
  return out;
}

export function forkDemoText(run: ForkDemoRun): string {
  const iPage = run.iOffset !== undefined ? run.iOffset - (run.iOffset % 0x1000) : undefined;
  const out: string[] = [];
  out.push('picemu demo --fork: one process, fork, copy-on-write');
  out.push('', 'fixtures/libcounter.so holds one function:', '', '    int really_really_nonreentrant(void) { static int i = 0; return i++; }');
  out.push('', `Process 1 loads libcounter.so at ${hex(run.base)} and counts: ${run.before.join(', ')}.`);
  out.push('Then it forks: process 2 is a copy, with every page of process 1 shared until one of them writes it.');
  out.push('', 'The library\'s pages just after the fork (frame per process; - = not present):');
  out.push(...table(run.atFork, iPage));
  out.push('', 'fork gave the child the private pages it must keep (the RELRO page the loader wrote, the data page');
  out.push('holding i): the same frames, now read-only in both processes. Pages a fault can bring back from the');
  out.push('file (the code) it did not copy: the child maps them when it first touches them, as Linux does.');
  out.push('', 'Calls after the fork, interleaved:');
  run.after.forEach((c, k) => out.push(`    call ${k + 1}:  p1 → ${c.parent}    p2 → ${c.child}`));
  out.push('', 'Both go on from 2: each process has its own i, starting from the value it had at the fork.');
  out.push('', 'The pages after both have written i:');
  out.push(...table(run.afterWrites, iPage));
  out.push('', 'Process 1\'s first write to i hit a read-only page mapped twice: the kernel copied it to a new frame');
  out.push('(copy-on-write). Process 2\'s write then found the old frame mapped only by itself and took it back');
  out.push('writable, without a copy. The code is one frame in both: the page cache\'s.');
  return out.join('\n');
}
