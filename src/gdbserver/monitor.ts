// `monitor …` (qRcmd) inside gdb: picemu's own views (maps, smaps, pages, frames) and, with a library, `call`.
// Each command returns the text gdb prints; a mistake is one line starting with `error:`.
import { parseCallArg, type Machine, type Process } from '../index.ts';
import { formatPages } from '../repl/format-pages.ts';
import { formatSmaps } from '../repl/format-smaps.ts';
import { plainPalette } from '../repl/palette.ts';
import { hex, parseInteger } from '../util/numbers.ts';
import { ExecedProcess } from '../repl/exec-process.ts';
import type { ProgramProcess } from './program.ts';

export const MONITOR_HELP = `picemu monitor commands:
  monitor maps                 the current process's /proc/PID/maps
  monitor smaps                its smaps figures per mapping (kB)
  monitor pages [MODULE]       every page of the loaded modules: the frame each process maps, shared or private
  monitor frames ADDR|SYMBOL   the physical frame behind ADDR in each process (same module offset)
  monitor call SYMBOL [ARG...] start a call in the current process, stopped before its first instruction
                               (ARG: integer, str:TEXT, hex:BYTES, f64:NUMBER); then stepi, continue, ...
  monitor ps                   the processes and their calls
  monitor help                 this list
`;

/** `monitor maps|smaps|help` for an exec'ed program's process: its own /proc views. */
export function programMonitor(line: string, p: ProgramProcess): string {
  const [command, ...args] = line.trim().split(/\s+/).filter((w) => w !== '');
  const view = new ExecedProcess(p);
  if (args.length === 0 && command === 'maps') return view.maps();
  if (args.length === 0 && command === 'smaps') return formatSmaps(view.smaps(), plainPalette) + '\n';
  if (command === undefined || command === 'help') return 'picemu monitor commands for a program:\n  monitor maps    its /proc/PID/maps\n  monitor smaps   its smaps figures per mapping (kB)\n';
  return `error: '${line.trim()}': a program's process has monitor maps, smaps and help (the others need library processes)\n`;
}

export interface MonitorContext {
  machine: Machine;
  /** The process gdb's current inferior is. */
  current: Process;
  /** Whether `call` is available (library mode). */
  calls: boolean;
}

export function runMonitor(line: string, ctx: MonitorContext): string {
  const [command, ...args] = line.trim().split(/\s+/).filter((w) => w !== '');
  try {
    switch (command) {
      case undefined: case 'help': return MONITOR_HELP;
      case 'maps': return ctx.current.maps();
      case 'smaps': return formatSmaps(ctx.current.smaps().map((e) => ({ header: e.header, figures: e.figures })), plainPalette) + '\n';
      case 'pages': return pages(ctx, args[0]);
      case 'frames': return frames(ctx, args);
      case 'call': return call(ctx, args);
      case 'ps': return ps(ctx);
      default: return `error: unknown monitor command '${command}' (monitor help lists them)\n`;
    }
  } catch (err) {
    return `error: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}\n`;
  }
}

function pages(ctx: MonitorContext, module: string | undefined): string {
  const rows = ctx.machine.pageTable().filter((r) => module === undefined || r.module === module);
  if (module !== undefined && rows.length === 0) {
    const names = [...new Set(ctx.machine.pageTable().map((r) => r.module))];
    return `error: no module '${module}' (loaded: ${names.join(', ') || 'none'})\n`;
  }
  return formatPages(rows, ctx.machine.processes.map((p) => p.pid), plainPalette) + '\n';
}

function address(p: Process, text: string): number {
  const n = parseInteger(text);
  if (n !== undefined) {
    if (n < 0n || n >= 1n << 64n) throw new Error(`bad address '${text}'`);
    return Number(n);
  }
  return p.resolve(text);
}

function frames(ctx: MonitorContext, args: string[]): string {
  if (args.length !== 1) return 'error: usage: monitor frames ADDR|SYMBOL\n';
  const va = address(ctx.current, args[0]!);
  const loc = ctx.current.locate(va);
  const lines: string[] = [];
  const describe = (p: Process, at: number): string => {
    const page = p.space.frameAt(at);
    const l = p.locate(at);
    const where = l.module !== undefined ? `${l.module}+${hex(l.offset!)}${l.symbol ? ` ${l.symbol}` : ''}${l.section ? ` (${l.section})` : ''}` : (l.vma?.name ?? 'anonymous');
    const perms = l.vma?.perms ?? 'unmapped';
    if (!page) return `process ${p.pid}: ${hex(at)}  ${where}  ${perms}  not present (no frame yet)`;
    const sharing = page.mapCount > 1 ? `shared by ${page.mapCount} mappings` : 'private to this process';
    return `process ${p.pid}: ${hex(at)}  ${where}  ${perms}  frame ${page.frame} (${page.kind}${page.writable ? '' : ', read-only in the page table'}), ${sharing}`;
  };
  if (!loc.vma) return `error: ${hex(va)} is not mapped in process ${ctx.current.pid}\n`;
  lines.push(describe(ctx.current, va));
  if (loc.module !== undefined) {
    for (const p of ctx.machine.processes) {
      if (p === ctx.current) continue;
      const base = p.baseOf(loc.module);
      if (base !== undefined) lines.push(describe(p, base + loc.offset!));
    }
  }
  return lines.join('\n') + '\n';
}

function call(ctx: MonitorContext, args: string[]): string {
  if (!ctx.calls) return 'error: monitor call needs a library (picemu gdbserver LIB)\n';
  if (args.length === 0) return 'error: usage: monitor call SYMBOL [ARG...]\n';
  const p = ctx.current;
  if (p.activeCall) return `error: process ${p.pid} is already in a call of ${p.activeCall.name} (continue to finish it)\n`;
  const [symbol, ...rest] = args as [string, ...string[]];
  const call = p.startCall(symbol, rest.map(parseCallArg));
  const loc = p.locate(call.entry);
  return `process ${p.pid}: call ${symbol} stopped before its first instruction at ${hex(call.entry)}${loc.module !== undefined ? ` (${loc.module}+${hex(loc.offset!)})` : ''}\n` +
    `(gdb still shows the registers it read before: run "flushregs", or just stepi/continue)\n`;
}

function ps(ctx: MonitorContext): string {
  return ctx.machine.processes.map((p) => {
    const c = p.activeCall;
    const state = c ? `in a call of ${c.name}, rip ${hex(p.cpu.rip)}, ${c.executed} instructions so far` : 'no call in progress';
    return `process ${p.pid}${p === ctx.current ? ' (current)' : ''}: ${p.modules.map((m) => m.name).join(', ') || 'no modules'}; ${state}; ${p.completedCalls} calls returned`;
  }).join('\n') + '\n';
}
