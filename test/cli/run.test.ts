// `picemu run`: argument parsing (SPEC.md's forms), and the --json document checked field by field against a
// native dlopen+call and readelf.
import { describe, expect, it } from 'vitest';
import { parseRunArg as parseCallArg, parseRunArgs } from '../../src/cli/run-args.ts';
import { UsageError } from '../../src/cli/errors.ts';
import { spawnSync } from 'node:child_process';
import { performRun, runJson } from '../../src/cli/run.ts';
import { nativeCall } from '../helpers/native.ts';
import { hasCc, hasReadelf, repoRoot, run } from '../helpers/oracles.ts';

describe('run arguments', () => {
  it('reads integers as decimal, negative or 0x hex', () => {
    expect(parseCallArg('42')).toEqual({ kind: 'int', value: 42n });
    expect(parseCallArg('-7')).toEqual({ kind: 'int', value: -7n });
    expect(parseCallArg('0xff')).toEqual({ kind: 'int', value: 255n });
    expect(parseCallArg('0xffffffffffffffff')).toEqual({ kind: 'int', value: (1n << 64n) - 1n });
  });
  it('reads str:, hex: and f64:', () => {
    expect(parseCallArg('str:hello world')).toEqual({ kind: 'str', text: 'hello world' });
    expect(parseCallArg('str:')).toEqual({ kind: 'str', text: '' });
    expect(parseCallArg('hex:00ff10')).toEqual({ kind: 'hex', bytes: Uint8Array.of(0, 0xff, 0x10) });
    expect(parseCallArg('f64:2.5')).toEqual({ kind: 'f64', value: 2.5 });
    expect(parseCallArg('f64:-1e3')).toEqual({ kind: 'f64', value: -1000 });
  });
  it('rejects what is not an argument with a UsageError', () => {
    for (const bad of ['12abc', 'hex:abc', 'hex:zz', 'f64:', 'f64:0x10', '0x1ffffffffffffffff', 'foo']) {
      expect(() => parseCallArg(bad), bad).toThrow(UsageError);
    }
  });
  it('reads options with their defaults', () => {
    expect(parseRunArgs(['lib.so', 'f'])).toEqual({ library: 'lib.so', symbol: 'f', args: [], procs: 2, calls: 1, trace: false, json: false, ret: 'int' });
    const r = parseRunArgs(['lib.so', 'f', '-3', '--procs', '3', '--calls=0x4', '--seed', '9', '--ret', 'cstr', '--trace', '--json', 'str:x']);
    expect(r).toEqual({
      library: 'lib.so', symbol: 'f', procs: 3, calls: 4, seed: 9, ret: 'cstr', trace: true, json: true,
      args: [{ kind: 'int', value: -3n }, { kind: 'str', text: 'x' }],
    });
  });
  it('reports bad usage', () => {
    for (const bad of [[], ['lib.so'], ['l', 'f', '--procs'], ['l', 'f', '--procs', '0'], ['l', 'f', '--ret', 'float'], ['l', 'f', '--bogus'], ['l', 'f', '--seed', '-1']]) {
      expect(() => parseRunArgs(bad), bad.join(' ')).toThrow(UsageError);
    }
  });
});

// ---- the command itself ----

const counter = 'fixtures/libcounter.so';
const cli = (args: string[]) => spawnSync(process.execPath, [`${repoRoot}/bin/picemu.mjs`, ...args], { cwd: repoRoot, encoding: 'utf8' });

interface JsonDoc {
  library: string;
  symbol: string;
  processes: { pid: number; base: string; results: string[]; trace?: { call: number; rip: string; module: string; offset: string; symbol: string; bytes: string; asm: string; accesses: Record<string, unknown>[] }[] }[];
  pages: { module: string; offset: string; perms: string; frames: (number | null)[]; shared: boolean }[];
}

function readelfLoads(path: string): { start: number; end: number; perms: string }[] {
  return [...run('readelf', ['-lW', path]).matchAll(/^\s+LOAD\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(R?)\s?(W?)\s?(E?)\s+0x/gm)].map((m) => {
    const v = parseInt(m[1]!, 16);
    return { start: v - (v % 4096), end: Math.ceil((v + parseInt(m[2]!, 16)) / 4096) * 4096, perms: `${m[3] ? 'r' : '-'}${m[4] ? 'w' : '-'}${m[5] ? 'x' : '-'}p` };
  });
}

describe.skipIf(!hasCc() || !hasReadelf())('picemu run', () => {
  it('--json: the document of SPEC.md, values from native calls, offsets, symbols and sections from readelf/objdump', async () => {
    const out = cli(['run', counter, 'really_really_nonreentrant', '--procs', '2', '--calls', '3', '--trace', '--json']);
    expect(out.status, out.stderr).toBe(0);
    const doc = JSON.parse(out.stdout) as JsonDoc;
    expect(doc.library).toBe(counter);
    expect(doc.symbol).toBe('really_really_nonreentrant');
    expect(doc.processes.map((p) => p.pid)).toEqual([1, 2]);
    const native = nativeCall(`${repoRoot}/${counter}`, 'really_really_nonreentrant', [], { calls: 3 });
    for (const p of doc.processes) expect(p.results).toEqual(native);
    expect(doc.processes[0]!.base).not.toBe(doc.processes[1]!.base);

    const syms = run('readelf', ['-sW', `${repoRoot}/${counter}`]);
    const fn = parseInt(/^\s*\d+:\s+([0-9a-f]+)\s+\d+\s+FUNC\s+GLOBAL\s+\S+\s+\S+\s+really_really_nonreentrant$/m.exec(syms)![1]!, 16);
    const i0 = parseInt(/^\s*\d+:\s+([0-9a-f]+)\s+\d+\s+OBJECT\s+LOCAL\s+\S+\s+\S+\s+i\.0$/m.exec(syms)![1]!, 16);
    const bss = /\.bss\s+NOBITS\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)/.exec(run('readelf', ['-SW', `${repoRoot}/${counter}`]))!;
    expect(i0).toBeGreaterThanOrEqual(parseInt(bss[1]!, 16));
    const objdump = run('objdump', ['-d', '--disassemble=really_really_nonreentrant', `${repoRoot}/${counter}`]);
    const insns = [...objdump.matchAll(/^\s+([0-9a-f]+):\t((?:[0-9a-f]{2} )+)/gm)].map((m) => ({ offset: parseInt(m[1]!, 16), bytes: m[2]!.replace(/ /g, '') }));

    for (const p of doc.processes) {
      const base = BigInt(p.base);
      const trace = p.trace!;
      expect(new Set(trace.map((e) => e.call))).toEqual(new Set([0, 1, 2]));
      const first = trace.filter((e) => e.call === 0);
      expect(first.map((e) => parseInt(e.offset, 16))).toEqual(insns.map((i) => i.offset));
      expect(first.map((e) => e.bytes)).toEqual(insns.map((i) => i.bytes));
      for (const e of trace) {
        expect(e.module).toBe('libcounter.so');
        expect(BigInt(e.rip) - base).toBe(BigInt(e.offset));
      }
      expect(first[0]!.symbol).toBe('really_really_nonreentrant');
      expect(parseInt(first[0]!.offset, 16)).toBe(fn);
      const i0Accesses = trace.flatMap((e) => e.accesses).filter((a) => a.symbol === 'i.0');
      expect(i0Accesses.length).toBe(6); // a read and a write per call
      for (const a of i0Accesses) {
        expect(a).toMatchObject({ size: 4, ripRelative: true, module: 'libcounter.so', offset: '0x' + i0.toString(16), section: '.bss', shared: false });
        expect(BigInt(a.va as string) - base).toBe(BigInt(i0));
      }
      // Values: call k reads k and writes k+1 (the native results).
      expect(i0Accesses.map((a) => `${a.kind} ${BigInt(a.value as string)}`)).toEqual(native.flatMap((r) => [`read ${r}`, `write ${Number(r) + 1}`]));
    }

    // pages: every page of the module's span, perms as readelf's segment flags (RELRO pages read-only).
    const loads = readelfLoads(`${repoRoot}/${counter}`);
    const rows = doc.pages.filter((r) => r.module === 'libcounter.so');
    expect(rows.map((r) => parseInt(r.offset, 16))).toEqual(Array.from({ length: loads.at(-1)!.end / 4096 }, (_, k) => k * 4096));
    for (const r of rows) {
      const seg = loads.find((l) => parseInt(r.offset, 16) >= l.start && parseInt(r.offset, 16) < l.end)!;
      if (seg.perms !== 'rw-p') expect(r.perms).toBe(seg.perms);
      expect(r.frames).toHaveLength(2);
      const present = r.frames.filter((f) => f !== null);
      expect(r.shared).toBe(present.length === 2 && present[0] === present[1]);
    }
    const code = rows.find((r) => r.perms === 'r-xp')!;
    expect(code.shared).toBe(true);
    const data = rows.find((r) => r.offset === '0x' + (i0 - (i0 % 4096)).toString(16))!;
    expect(data.perms).toBe('rw-p');
    expect(data.shared).toBe(false);
    expect(data.frames[0]).not.toBe(data.frames[1]);
    // The access frames are the page table's data frames.
    expect(doc.processes.map((p) => p.trace!.flatMap((e) => e.accesses).find((a) => a.symbol === 'i.0')!.frame)).toEqual(data.frames);
  });

  it('arguments of every kind and return types, against native calls', async () => {
    const demo = `${repoRoot}/fixtures/libdemo.so`;
    const cases: [string, string[], string][] = [
      ['my_strlen', ['str:hello'], 'ulong'],
      ['sum_ints', ['hex:0100000002000000ffffffff', '3'], 'int'],
      ['classify', ['-3', '0x10'], 'int'],
      ['get_greeting', [], 'cstr'],
      ['crc32_bitwise', ['str:abc', '3'], 'uint'],
    ];
    for (const [symbol, args, ret] of cases) {
      const outcome = await performRun(parseRunArgs([demo, symbol, ...args, '--ret', ret, '--calls', '2']));
      const native = nativeCall(demo, symbol, args, { calls: 2, ret: ret as 'int' });
      for (const p of outcome.processes) expect(p.results, symbol).toEqual(native);
    }
  });

  it('--seed fixes the bases; different seeds move them', async () => {
    const bases = async (seed: string) => ((runJson(await performRun(parseRunArgs([counter, 'really_really_nonreentrant', '--seed', seed]))) as JsonDoc).processes.map((p) => p.base));
    const a = await bases('1');
    expect(await bases('1')).toEqual(a);
    expect(await bases('2')).not.toEqual(a);
  });

  it('text output, usage errors (exit 2) and load errors (exit 1, one line)', async () => {
    const text = cli(['run', counter, 'really_really_nonreentrant', '--calls', '3']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/process 1: libcounter\.so at 0x[0-9a-f]+; really_really_nonreentrant returned 0, 1, 2/);
    expect(text.stdout).toMatch(/0x1000\s+r-xp\s+(\d+)\s+\1\s+shared/);
    // One process for the exit statuses: a usage error is caught before anything loads.
    const usage = cli(['run', counter]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^picemu: run needs LIB and SYMBOL/);
    const missing = cli(['run', 'fixtures/no-such-lib.so', 'f']);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^picemu: .*no-such-lib\.so/);
    await expect(performRun(parseRunArgs([counter, 'no_such_symbol']))).rejects.toThrow(/^no symbol no_such_symbol/);
  });
});
