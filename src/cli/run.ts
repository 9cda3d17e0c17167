// `picemu run LIB SYMBOL [ARG...]`: loads LIB into N processes, calls SYMBOL K times in each, interleaved,
// and prints the results, the page/frame table and (with --trace) every instruction, as text or SPEC.md's JSON.
import { basename } from 'node:path';
import { Machine, resultText, stepText, stepToJson, traceToJson, type CallArgument, type CallResult, type PageRow, type Process, type StepEvent } from '../index.ts';
import type { Command } from './command.ts';
import { LIBRARY_RULE, resolveLibrary } from './input-file.ts';
import { MAX_PROCS, parseRunArgs, RUN_OPTIONS, type RunRequest } from './run-args.ts';

const hex = (v: number | bigint): string => '0x' + v.toString(16);

export interface RunOutcome {
  request: RunRequest;
  machine: Machine;
  /** results: one per call, as SPEC.md's JSON has them; null for a NULL cstr. */
  processes: { process: Process; base: number; results: (string | null)[]; events: StepEvent[]; notes: string[] }[];
  pages: PageRow[];
}

/** What a streamed run (--ndjson) is told as it goes; with it, performRun keeps no events. */
export interface RunListener {
  step(pid: number, event: StepEvent): void;
  result(pid: number, base: number, call: number, value: string | null): void;
}

/** Does the work of `run` (shared with tests and the demo): load, call interleaved, collect (or stream to `listener`). */
export async function performRun(request: RunRequest, listener?: RunListener): Promise<RunOutcome> {
  const library = resolveLibrary(request.library);
  const machine = await Machine.create({ seed: request.seed, cpu: request.cpu, engine: request.engine });
  const processes: RunOutcome['processes'] = [];
  for (let n = 0; n < request.procs; n++) {
    const process = machine.spawn();
    const loaded = process.load(library);
    processes.push({ process, base: loaded.module.base, results: [], events: [], notes: loaded.notes });
  }
  // Strings and buffers are placed once per process, so every call sees the same buffer (as a C caller's would).
  const args = processes.map(({ process: p }) => request.args.map((a): CallArgument => (a.kind === 'str' ? p.placeString(a.text) : a.kind === 'hex' ? p.place(a.bytes) : a)));
  for (let call = 0; call < request.calls; call++) {
    for (const [n, p] of processes.entries()) {
      const limits = { ...(request.budget !== undefined ? { budget: request.budget } : {}), ...(request.deadlineMs !== undefined ? { deadlineMs: request.deadlineMs } : {}) };
      const pid = p.process.pid;
      const onStep = listener && request.trace ? { onStep: (e: StepEvent) => listener.step(pid, e) } : {};
      const outcome = p.process.call(request.symbol, args[n]!, { ret: request.ret, trace: request.trace, ...limits, ...onStep, ...(request.traceFilter ? { filter: request.traceFilter } : {}) });
      p.results.push(resultValue(outcome.result));
      if (listener) listener.result(pid, p.base, call, p.results[p.results.length - 1]!);
      else for (const e of outcome.events) p.events.push(e); // (a spread of 10^5+ events would overflow the stack)
    }
  }
  return { request, machine, processes, pages: machine.pageTable() };
}

/** A result as SPEC.md's JSON holds it: the text of the value, null for a NULL cstr. */
function resultValue(result: CallResult): string | null {
  return result.type === 'cstr' && result.value === null && Number(result.address) === 0 ? null : resultText(result);
}

/** A result for a person: strings quoted, a NULL cstr as NULL. */
function resultForPerson(value: string | null, ret: RunRequest['ret']): string {
  return value === null ? 'NULL' : ret === 'cstr' ? JSON.stringify(value) : value;
}

/** SPEC.md's pages table as JSON (the --json document's `pages`, the --ndjson `pages` line's). */
function pagesJson(pages: readonly PageRow[]): unknown[] {
  return pages.map((row) => ({ module: row.module, offset: hex(row.offset), perms: row.perms, frames: row.frames, shared: row.shared }));
}

/**
 * `run --ndjson`: performs the run writing one JSON object per line through `write` as it goes (steps as they
 * are recorded, a result after each call, the pages at the end), so no trace is held in memory.
 */
export async function streamRun(request: RunRequest, write: (text: string) => void): Promise<void> {
  // Lines are batched into chunks: one write per line would cost a system call per step.
  let chunk = '';
  const line = (o: unknown): void => {
    chunk += JSON.stringify(o) + '\n';
    if (chunk.length >= 1 << 16) {
      write(chunk);
      chunk = '';
    }
  };
  const outcome = await performRun(request, {
    step: (pid, e) => line({ type: 'step', pid, ...stepToJson(e) }),
    result: (pid, base, call, value) => line({ type: 'result', pid, base: hex(base), call, value }),
  });
  line({ type: 'pages', pages: pagesJson(outcome.pages) });
  write(chunk);
}

export function runJson(outcome: RunOutcome): unknown {
  return {
    library: outcome.request.library,
    symbol: outcome.request.symbol,
    processes: outcome.processes.map((p) => ({
      pid: p.process.pid,
      base: hex(p.base),
      results: p.results,
      ...(outcome.request.trace ? { trace: traceToJson(p.events) } : {}),
    })),
    pages: pagesJson(outcome.pages),
  };
}

export function runText(outcome: RunOutcome): string {
  const { request } = outcome;
  const lib = basename(request.library);
  const lines: string[] = [];
  for (const p of outcome.processes) {
    const results = request.ret === 'void' ? `returned (void) ${p.results.length} time(s)` : `returned ${p.results.map((r) => resultForPerson(r, request.ret)).join(', ') || '(no calls)'}`;
    lines.push(`process ${p.process.pid}: ${lib} at ${hex(p.base)}; ${request.symbol} ${results}`);
    for (const note of p.notes) lines.push(`  note: ${note}`);
  }
  lines.push('', ...pageTableText(outcome.pages, outcome.processes.map((p) => p.process.pid), lib));
  if (request.trace) {
    for (const p of outcome.processes) {
      let lastCall = -1;
      for (const e of p.events) {
        if (e.call !== lastCall) {
          lines.push('', `process ${p.process.pid}, call ${e.call + 1}:`);
          lastCall = e.call;
        }
        lines.push(stepText(e, { registerValues: true }));
      }
    }
  }
  return lines.join('\n');
}

/** The page/frame table of one module (others are summarized), shared frames marked. */
export function pageTableText(pages: readonly PageRow[], pids: readonly number[], module: string): string[] {
  const rows = pages.filter((r) => r.module === module);
  const lines = [`pages of ${module} (frame numbers per process; '-' = not present yet):`];
  const header = ['  offset  ', 'perms', ...pids.map((pid) => `p${pid}`.padStart(6)), ''];
  lines.push(header.join(' '));
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    // A run of pages no process has touched is one line (a big library is mostly not resident).
    let end = k;
    while (end + 1 < rows.length && rows[end + 1]!.frames.every((f) => f === null) && r.frames.every((f) => f === null)) end++;
    if (end > k) {
      lines.push(`  ${hex(r.offset)}-${hex(rows[end]!.offset + 0xfff)}: ${end - k + 1} pages not present in any process`);
      k = end;
      continue;
    }
    const note = r.shared ? 'shared' : r.frames.filter((f) => f !== null).length > 1 ? 'private (one frame each)' : '';
    lines.push([`  ${hex(r.offset).padEnd(8)}`, r.perms, ...r.frames.map((f) => String(f ?? '-').padStart(6)), note].join(' ').trimEnd());
  }
  const others = new Map<string, number>();
  for (const r of pages) if (r.module !== module) others.set(r.module, (others.get(r.module) ?? 0) + 1);
  for (const [name, count] of others) {
    const shared = pages.filter((r) => r.module === name && r.shared).length;
    lines.push(`  ${name}: ${count} pages, ${shared} shared`);
  }
  return lines;
}

export const command: Command = {
  summary: 'load LIB into N processes and call SYMBOL K times in each, interleaved',
  usage: 'LIB SYMBOL [ARG...] [options]',
  description: [
    LIBRARY_RULE,
    'ARG: an integer (decimal, negative or 0x hex), str:TEXT (a pointer to a copy of TEXT), hex:BYTES (a pointer to those bytes) or f64:NUMBER (a double, in the next xmm register).',
    `Prints each process's results, the page/frame table (shared frames marked) and, with --trace, every instruction. At most ${MAX_PROCS} processes.`,
    'example: picemu run libz.so.1 zlibVersion --ret cstr',
  ],
  options: RUN_OPTIONS,
  async run(args) {
    const request = parseRunArgs(args);
    // stdout is written synchronously for files and pipes on Linux, so a stream never piles up in memory.
    if (request.ndjson) {
      await streamRun(request, (text) => void process.stdout.write(text));
      return 0;
    }
    const outcome = await performRun(request);
    process.stdout.write(request.json ? JSON.stringify(runJson(outcome), null, 2) + '\n' : runText(outcome) + '\n');
    return 0;
  },
};
