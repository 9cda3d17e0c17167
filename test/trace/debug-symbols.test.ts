// Names from debug files, against gdb's `info symbol` (batch mode on the library file; gdb finds the same build-id
// debug file under /usr/lib/debug): a stripped libc names its local functions as gdb does when libc6-dbg is
// installed; a library without a debug file (libz) names what gdb names, and says `(nearest export)` exactly where
// gdb finds no symbol.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/index.ts';
import { NEAREST_EXPORT, moduleSymbols } from '../../src/trace/symbolize.ts';
import { debugFileCandidates } from '../../src/debuginfo/debug-symbols.ts';
import { repoRoot, requireOracle, run } from '../helpers/oracles.ts';
import { gdbInfoSymbol, hasGdb as hasGdbOracle } from '../helpers/gdb-info-symbol.ts';

const libc = '/lib/x86_64-linux-gnu/libc.so.6';
const libz = '/lib/x86_64-linux-gnu/libz.so.1';

const hasGdb = hasGdbOracle();
const libcElf = parseElf(readFileSync(libc), libc);
const hasLibcDebug = requireOracle('libc6-dbg (libc debug file)', debugFileCandidates(libcElf).some((p) => existsSync(p)), 'apt-get install libc6-dbg');

/** Link-time address of an exported function, from readelf (not from picemu's parser). */
function exportAddress(lib: string, name: string): number {
  const m = new RegExp(`^\\s*\\d+: ([0-9a-f]+)\\s+\\d+ FUNC\\s+\\S+\\s+\\S+\\s+\\d+ ${name}@`, 'm').exec(run('readelf', ['-sW', '--dyn-syms', lib]));
  if (!m) throw new Error(`${name} not in ${lib}'s .dynsym`);
  return parseInt(m[1]!, 16);
}

/** `count` addresses spread over .text (a fixed pseudo-random sequence). */
function textSample(lib: string, count: number): number[] {
  const text = parseElf(readFileSync(lib), lib).sections.find((s) => s.name === '.text')!;
  let x = 12345;
  return Array.from({ length: count }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return text.addr + (x % text.size);
  });
}

const offsetOf = (name: string) => /\+0x([0-9a-f]+)/.exec(name)?.[1] ?? '0';

describe.skipIf(!hasGdb || !hasLibcDebug)('libc with its debug file (libc6-dbg)', () => {
  const syms = moduleSymbols(libcElf);

  it('reads the build-id debug file', () => {
    expect(syms.source).toBe('debug-file');
    expect(syms.debugFile).toMatch(/^\/usr\/lib\/debug\/\.build-id\/[0-9a-f]{2}\/[0-9a-f]+\.debug$/);
  });

  it("names strtod's rounding helper, __printf_fp_l and __pthread_once_slow as gdb does (the exports nearby were the old guesses)", () => {
    const places = [['strtof64', 0xb0], ['parse_printf_format', 0xf22], ['pthread_mutexattr_settype', 0x12c]] as const;
    const addresses = places.map(([name, delta]) => exportAddress(libc, name) + delta);
    const gdb = gdbInfoSymbol(libc, addresses.map((a) => `0x${a.toString(16)}`));
    expect(gdb.map((g) => g?.replace(/\+.*/, ''))).toEqual(['round_and_return', '__printf_fp_l', '__pthread_once_slow']);
    expect(addresses.map((a) => syms.symbolAt(a))).toEqual(gdb);
  });

  it('agrees with gdb on 200 addresses across .text (same symbol address; names equal up to aliases)', () => {
    const sample = textSample(libc, 200);
    const gdb = gdbInfoSymbol(libc, sample.map((a) => `0x${a.toString(16)}`));
    let sameName = 0;
    sample.forEach((a, k) => {
      const ours = syms.symbolAt(a);
      if (gdb[k] === null) return; // past every symbol's end: gdb names nothing
      expect(ours, `0x${a.toString(16)}`).toBeDefined();
      expect(ours).not.toContain(NEAREST_EXPORT);
      // The same offset means the same symbol address: gdb may pick another alias there (strtol/strtoll).
      expect(offsetOf(ours!), `0x${a.toString(16)}: ours ${ours}, gdb ${gdb[k]}`).toBe(offsetOf(gdb[k]!));
      if (ours === gdb[k]) sameName++;
    });
    expect(sameName).toBeGreaterThan(150);
  });
});

describe.skipIf(!hasGdb)('a library without a debug file (libz)', () => {
  const libzElf = parseElf(readFileSync(libz), libz);
  const syms = moduleSymbols(libzElf);

  it('has no debug file here, so names come from .dynsym', () => {
    expect(debugFileCandidates(libzElf).filter((p) => existsSync(p))).toEqual([]);
    expect(syms.source).toBe('dynsym');
  });

  it("names what gdb names, and says (nearest export) exactly where gdb finds no symbol", () => {
    const sample = textSample(libz, 200);
    const gdb = gdbInfoSymbol(libz, sample.map((a) => `0x${a.toString(16)}`));
    const guesses = sample.filter((_, k) => gdb[k] === null).length;
    expect(guesses).toBeGreaterThan(20);
    sample.forEach((a, k) => {
      const ours = syms.symbolAt(a)!;
      if (gdb[k] === null) expect(ours, `0x${a.toString(16)}`).toMatch(/^\w+\+0x[0-9a-f]+ \(nearest export\)$/);
      else expect(ours).toBe(gdb[k]);
    });
  });

  it("the REPL's disas marks the guesses gdb does not make, and names the rest as gdb does", () => {
    // Addresses as `export+0xN` (the REPL takes symbol+offset), the export being the nearest one below, per readelf.
    const exports = [...run('readelf', ['-sW', '--dyn-syms', libz]).matchAll(/^\s*\d+: ([0-9a-f]+)\s+\d+ FUNC\s+\S+\s+\S+\s+\d+ (\w+)/gm)]
      .map((m) => ({ value: parseInt(m[1]!, 16), name: m[2]! }))
      .sort((x, y) => x.value - y.value);
    const sample = textSample(libz, 60).filter((a) => a >= exports[0]!.value);
    const gdb = gdbInfoSymbol(libz, sample.map((a) => `0x${a.toString(16)}`));
    const picks = [...sample.keys()].filter((k) => gdb[k] === null).slice(0, 8).concat([...sample.keys()].filter((k) => gdb[k] !== null).slice(0, 8));
    const expr = (a: number) => {
      const e = exports.filter((x) => x.value <= a).at(-1)!;
      return `${e.name}+0x${(a - e.value).toString(16)}`;
    };
    const input = picks.map((k) => `disas ${expr(sample[k]!)} 1`).join('\n') + '\n';
    const r = spawnSync(process.execPath, [`${repoRoot}/bin/picemu.mjs`, 'repl', libz, '--procs', '1'], { input, encoding: 'utf8' });
    const names = r.stdout.trim().split('\n').map((l) => /<([^>]+)>/.exec(l)?.[1]);
    expect(names).toEqual(picks.map((k) => (gdb[k] === null ? expect.stringMatching(/^\w+\+0x[0-9a-f]+ \(nearest export\)$/) : gdb[k])));
  });
});

describe.skipIf(!hasGdb || !hasLibcDebug)("a trace through libc's local functions", () => {
  it("the REPL's fault line gives the module offset and gdb's name for it (libc's AVX2 strlen on a bad pointer)", () => {
    const r = spawnSync(process.execPath, [`${repoRoot}/bin/picemu.mjs`, 'repl', libc, '--procs', '1'], { input: 'call strlen 0x10\nc\n', encoding: 'utf8' });
    const m = /^fault: SIGSEGV \(SEGV_MAPERR, si_code 1\): unmapped read at 0x10; rip 0x[0-9a-f]+ libc\.so\.6\+(0x[0-9a-f]+) <([^>]+)>/m.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(gdbInfoSymbol(libc, [m![1]!])).toEqual([m![2]]);
  });

  it('`picemu run libc.so.6 strtod --trace` names each step as gdb does (round_and_return among them)', () => {
    const r = spawnSync(process.execPath, [`${repoRoot}/bin/picemu.mjs`, 'run', libc, 'strtod', 'str:0.1', '--ret', 'f64', '--procs', '1', '--trace', '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    expect(r.stderr).toBe('');
    const steps = (JSON.parse(r.stdout) as { processes: { trace: { module: string; offset: string; symbol: string }[] }[] }).processes[0]!.trace.filter((s) => s.module === 'libc.so.6');
    const byOffset = new Map(steps.map((s) => [s.offset, s.symbol]));
    const offsets = [...byOffset.keys()];
    const gdb = gdbInfoSymbol(libc, offsets);
    expect(gdb).toContainEqual(expect.stringMatching(/^round_and_return\+0x/));
    // Same offset from the symbol = the same symbol address (gdb may name another alias there, e.g. strtod/strtof32x).
    expect(offsets.map((o) => offsetOf(byOffset.get(o)!))).toEqual(gdb.map((g) => offsetOf(g!)));
    // gdb drops a clone's trailing number (`str_to_mpn.part.0.constprop.0` is `….constprop`); .symtab and objdump keep it.
    const gdbSpelling = (name: string) => name.replace(/\.\d+(?=\+|$)/, '');
    const helpers = (g: string | null) => /round_and_return|__mpn_|str_to_mpn/.test(g!);
    expect(offsets.filter((_, k) => helpers(gdb[k]!)).map((o) => gdbSpelling(byOffset.get(o)!))).toEqual(gdb.filter(helpers));
  });
});
