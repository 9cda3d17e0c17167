// `picemu run --ndjson` (SPEC.md): one JSON object per line, and every line equals the entry the --json document
// has for it (steps with their pid, results per call, the pages table); the command streams through stdout.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.ts';
import { parseRunArgs } from '../../src/cli/run-args.ts';
import { performRun, runJson, streamRun } from '../../src/cli/run.ts';
import { repoRoot } from '../helpers/oracles.ts';

interface Doc { processes: { pid: number; base: string; results: (string | null)[]; trace?: unknown[] }[]; pages: unknown[] }
type Line = { type: string; pid?: number; call?: number; base?: string; value?: string | null; pages?: unknown[] } & Record<string, unknown>;

const demo = `${repoRoot}/fixtures/libdemo.so`;

/** The --json document rebuilt from --ndjson lines, to compare with the real one. */
function documentOf(lines: Line[], pids: number[]): Doc {
  const processes = pids.map((pid) => ({
    pid,
    base: lines.find((l) => l.type === 'result' && l.pid === pid)!.base!,
    results: lines.filter((l) => l.type === 'result' && l.pid === pid).map((l) => l.value!),
    trace: lines.filter((l) => l.type === 'step' && l.pid === pid).map(({ type: _t, pid: _p, ...step }) => step),
  }));
  return { processes, pages: lines.find((l) => l.type === 'pages')!.pages! };
}

describe('run --ndjson', () => {
  it('each line equals the --json document entry: steps, results, pages', async () => {
    const request = parseRunArgs([demo, 'bump_twice', '3', '--procs', '2', '--calls', '2', '--trace', '--ndjson']);
    expect(request.ndjson).toBe(true);
    let out = '';
    await streamRun(request, (t) => void (out += t));
    expect(out.endsWith('\n')).toBe(true);
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
    const doc = runJson(await performRun({ ...request, ndjson: false, json: true })) as Doc;
    expect(documentOf(lines, doc.processes.map((p) => p.pid))).toEqual({ processes: doc.processes, pages: doc.pages });
    expect(lines.filter((l) => l.type === 'step').length).toBe(doc.processes.reduce((n, p) => n + p.trace!.length, 0));
    expect(lines.at(-1)!.type).toBe('pages');
    // Steps come as they run: a call's steps, then its result line.
    const firstResult = lines.findIndex((l) => l.type === 'result');
    expect(lines.slice(0, firstResult).every((l) => l.type === 'step' && l.pid === lines[firstResult]!.pid && l.call === 0)).toBe(true);
  });
  it('without --trace: results and pages only', async () => {
    let out = '';
    await streamRun(parseRunArgs([demo, 'bump_counter', '5', '--ndjson']), (t) => void (out += t));
    const lines = out.trimEnd().split('\n').map((l) => JSON.parse(l) as Line);
    expect(lines.map((l) => l.type)).toEqual(['result', 'result', 'pages']);
    expect(lines.map((l) => l.value).slice(0, 2)).toEqual(['5', '5']);
  });
  it('--trace-* filters: the unfiltered trace filtered by hand, and bad values are usage errors', async () => {
    const base = [demo, 'bump_twice', '3', '--procs', '1', '--trace', '--json'];
    const traceOf = async (extra: string[]) => (runJson(await performRun(parseRunArgs([...base, ...extra]))) as Doc).processes[0]!.trace as { rip: string; accesses: { ripRelative: boolean }[] }[];
    const all = await traceOf([]);
    expect(all.length).toBeGreaterThan(5);
    expect(await traceOf(['--trace-memory'])).toEqual(all.filter((e) => e.accesses.length > 0));
    expect(await traceOf(['--trace-rip-relative'])).toEqual(all.filter((e) => e.accesses.some((a) => a.ripRelative)));
    expect(await traceOf(['--trace-first', '3'])).toEqual(all.slice(0, 3));
    expect(await traceOf(['--trace-last', '2'])).toEqual(all.slice(-2));
    expect(await traceOf(['--trace-module', 'libdemo.so'])).toEqual(all.filter((e) => (e as unknown as { module: string }).module === 'libdemo.so'));
    const rips = all.map((e) => parseInt(e.rip, 16));
    const [lo, hi] = [Math.min(...rips), Math.max(...rips)];
    expect(await traceOf(['--trace-range', `0x${lo.toString(16)}-${hi}`])).toEqual(all.filter((e) => parseInt(e.rip, 16) < hi));
    for (const bad of [['--trace-range', '5-1'], ['--trace-range', 'x'], ['--trace-first', '-1'], ['--trace-first', '1', '--trace-last', '1']]) {
      expect(() => parseRunArgs([...base, ...bad]), bad.join(' ')).toThrow(UsageError);
    }
    expect(() => parseRunArgs([demo, 'f', '--trace-memory'])).toThrow(UsageError);
  });
  it('--json with --ndjson is a usage error', () => {
    expect(() => parseRunArgs([demo, 'f', '--json', '--ndjson'])).toThrow(UsageError);
  });
  it('the command prints the same lines on stdout', async () => {
    const args = [demo, 'bump_twice', '3', '--trace', '--ndjson'];
    const r = spawnSync(process.execPath, [`${repoRoot}/bin/picemu.mjs`, 'run', ...args], { cwd: repoRoot, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    let out = '';
    await streamRun(parseRunArgs(args), (t) => void (out += t));
    expect(r.stdout).toBe(out);
  });
});
