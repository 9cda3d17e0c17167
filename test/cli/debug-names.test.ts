// The names issue 13 found wrong, as the CLI prints them: with libc6-dbg installed, a fault in `__printf_fp_l`
// (run's error line) and the REPL's breakpoint, `bt` and `disas` name libc's local functions as gdb's
// `info symbol` names the same offsets (the nearest exports were `parse_printf_format+0xf22` and
// `pthread_mutexattr_settype+0x12c`).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/index.ts';
import { debugFileCandidates } from '../../src/debuginfo/debug-symbols.ts';
import { gdbInfoSymbol, hasGdb } from '../helpers/gdb-info-symbol.ts';
import { repoRoot, requireOracle, run } from '../helpers/oracles.ts';
import { spawnAsync } from './spawn-async.ts';

const libc = '/lib/x86_64-linux-gnu/libc.so.6';
const bin = join(repoRoot, 'bin', 'picemu.mjs');
const hasLibcDebug = () => requireOracle('libc6-dbg (libc debug file)', debugFileCandidates(parseElf(readFileSync(libc), libc)).some((p) => existsSync(p)), 'apt-get install libc6-dbg');
// strfromd(buf, 32, "%f", 1.5) formats through __printf_fp_l.
const strfromd = (buf: string) => ['strfromd', buf, '32', 'str:%f', 'f64:1.5'];

/** `name+0xN` or `name` and the libc offset from a `libc.so.6+0xOFF <name>` or `at name (libc.so.6+0xOFF` print. */
const named = (offset: string, name: string) => ({ offset, name: name.replace(/\+0x0$/, '') });

/** `theirs` when `ours` and it are the same offset from two names readelf gives one address; else `ours`. */
function asAlias(ours: string, theirs: string | null): string {
  const [name, offset] = ours.split('+');
  const [other, otherOffset] = (theirs ?? '').split('+');
  const symbols = run('readelf', ['-sW', '--dyn-syms', libc]);
  const valueOf = (n: string | undefined) => new RegExp(`^\\s*\\d+: ([0-9a-f]+) .* ${n}(@|$)`, 'm').exec(symbols)?.[1];
  return offset === otherOffset && valueOf(name) !== undefined && valueOf(name) === valueOf(other) ? theirs! : ours;
}

describe.skipIf(!hasGdb() || !hasLibcDebug())('libc local functions by their debug-file names, as gdb names them', () => {
  it("run's fault line: strfromd writing to 0x10 faults in __printf_fp_l", async () => {
    const r = await spawnAsync(process.execPath, [bin, 'run', libc, ...strfromd('0x10'), '--procs', '1']);
    expect([r.status, r.stdout]).toEqual([1, '']);
    const m = /^picemu: strfromd: unmapped write at 0x10 \(signal 11, code 1\) by `[^`]+` at (\S+) \(libc\.so\.6\+(0x[0-9a-f]+), \.text\)\n$/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(m![1]).toMatch(/^__printf_fp_l\+0x/);
    expect(gdbInfoSymbol(libc, [m![2]!])).toEqual([m![1]]);
  });

  it("the REPL: a breakpoint on __printf_fp_l, bt, and disas of it and of __pthread_once_slow", async () => {
    const input = ['b __printf_fp_l', `call ${strfromd('hex:' + '00'.repeat(32)).join(' ')}`, 'c', 'bt', 'disas $rip 4', 'disas __pthread_once_slow 4', ''].join('\n');
    const r = await spawnAsync(process.execPath, [bin, 'repl', libc, '--procs', '1'], { input });
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    const places = (re: RegExp) => lines.flatMap((l) => [...l.matchAll(re)].map((x) => named(x[1]!, x[2]!)));
    // The breakpoint, where c stops, and frames #0 (rip) and #1 (strfromd's return address).
    const breakpoint = places(/^breakpoint 1 at 0x[0-9a-f]+ libc\.so\.6\+(0x[0-9a-f]+) <([^>]+)>$/g);
    expect(breakpoint.map((p) => p.name)).toEqual(['__printf_fp_l', '__printf_fp_l']);
    const frames = places(/^#\d+ +0x[0-9a-f]+ libc\.so\.6\+(0x[0-9a-f]+) <([^>]+)>$/g).slice(0, 2);
    expect(frames.map((f) => f.name.replace(/\+.*/, ''))).toEqual(['__printf_fp_l', 'strfromd']);
    // The two disas: the last 8 instruction lines (call and c each print one before), 4 of __pthread_once_slow last.
    const disas = places(/^(?:=>| ) +0x[0-9a-f]+ libc\.so\.6\+(0x[0-9a-f]+) <([^>]+)> /g).slice(-8);
    expect(disas[0]!.name).toBe('__printf_fp_l');
    expect(disas[4]!.name).toBe('__pthread_once_slow');
    const all = [...breakpoint.slice(0, 1), ...frames, ...disas];
    const gdb = gdbInfoSymbol(libc, all.map((p) => p.offset));
    // gdb may pick another name at the same address (strfromf64 for strfromd): then readelf shows both there.
    expect(all.map((p, k) => (p.name === gdb[k] ? p.name : asAlias(p.name, gdb[k])))).toEqual(gdb);
  });
});
