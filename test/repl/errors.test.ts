// Errors keep the session alive (unknown symbol, bad address, unknown or ambiguous command, a guest fault),
// prefixes and help work, and `x` (peek) never breaks copy-on-write.
import { describe, expect, it } from 'vitest';
import { hasCc, hasReadelf } from '../helpers/oracles.ts';
import { nativeCall, nativeSignal } from '../helpers/native.ts';
import { PAGE, hex, nmSymbols, pageRows, pipedRepl } from './drive.ts';

/** The symbol nm names for a link-time offset: `name` or `name+0x..` of the nearest one at or below it. */
function symbolAt(lib: string, offset: number): string {
  const below = nmSymbols(lib).filter((s) => s.value <= offset && s.name !== '').sort((a, b) => b.value - a.value);
  const s = below[0]!;
  return offset === s.value ? s.name : `${s.name}+${hex(offset - s.value)}`;
}

describe.runIf(hasCc() && hasReadelf())('picemu repl: a guest fault during c', () => {
  const LIB = 'fixtures/libdemo.so';
  const r = pipedRepl([LIB], ['call write_own_code', 'c', 'call get_counter', 'c', 'ps']);

  it('prints the signal, si_code, faulting address and rip as the kernel reports them', () => {
    const native = nativeSignal(LIB, 'write_own_code');
    if (!('signal' in native)) throw new Error('write_own_code returned natively');
    const line = r.lines.find((l) => l.startsWith('fault: '));
    expect(line, r.stdout).toBeDefined();
    expect(line).toContain(`${native.signal} (`);
    expect(line).toContain(`si_code ${native.code})`);
    const addr = `libdemo.so+${hex(native.addrOffset!)} <${symbolAt(LIB, native.addrOffset!)}>`;
    const rip = `libdemo.so+${hex(native.ripOffset!)} <${symbolAt(LIB, native.ripOffset!)}>`;
    expect(line).toMatch(new RegExp(` at 0x[0-9a-f]+ ${addr.replace(/[.+]/g, '\\$&')}; rip 0x[0-9a-f]+ ${rip.replace(/[.+]/g, '\\$&')}`));
  });

  it('keeps the session: the next call runs and returns what a native call returns', () => {
    const [expected] = nativeCall(LIB, 'get_counter');
    expect(r.lines).toContain(`returned ${expected}`);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe.runIf(hasCc())('picemu repl: errors, prefixes, help', () => {
  const LIB = 'fixtures/libcounter.so';
  const F = 'really_really_nonreentrant';
  const r = pipedRepl([LIB], [
    'frobnicate', 's', 'call no_such_symbol', 'x 0x10', 'x nowhere', 'si', 'p 9', 'd 3', 'trace maybe', 'call',
    'help', 'he ca',
    `ca ${F}`, 'fin', 'reg', `ca ${F}`, `ca ${F}`, 'co',
  ]);
  const errors = r.lines.filter((l) => l.startsWith('error: '));

  it('prints one clear line per error', () => {
    expect(errors).toEqual([
      "error: unknown command 'frobnicate' (try help)",
      'error: no call in progress in p1 (start one with: call SYMBOL)',
      "error: unknown symbol 'no_such_symbol'",
      'error: cannot read memory at 0x10: not mapped',
      "error: unknown symbol 'nowhere'",
      'error: no call in progress in p1 (start one with: call SYMBOL)',
      "error: no process '9' (processes: p1, p2)",
      "error: no breakpoint '3'",
      'error: usage: trace on|off',
      'error: usage: call SYMBOL [ARG...]',
      expect.stringMatching(/^error: p1 is already in a call/),
      "error: ambiguous command 'co': c, condition",
    ]);
  });

  it('answers help and runs commands given by unique prefixes', () => {
    expect(r.stdout).toContain('commands (any unique prefix works):');
    expect(r.stdout).toContain('call SYMBOL [ARG...]\n  start a call');
    // `fin` at the first instruction runs the call to its end: the first native value.
    const [first] = nativeCall(LIB, F);
    expect(r.lines.filter((l) => l.startsWith('returned'))).toEqual([`returned ${first}`]);
    // `reg`: registers, rax among them, with the ones the call changed marked.
    expect(r.stdout).toMatch(/^rax +0x[0-9a-f]+ +-?\d+/m);
    expect(r.stdout).toMatch(/^eflags +0x[0-9a-f]+ +\[ [A-Z ]*\]/m);
    expect(r.status).toBe(0);
  });
});

describe.runIf(hasReadelf())('picemu repl: x (peek) never pages in, never breaks copy-on-write', () => {
  // libdemo.so has no initializers, so nothing executes its code at load: the code page starts absent.
  const LIB = 'fixtures/libdemo.so';
  const F = 'get_counter';
  const syms = nmSymbols(LIB);
  const iOffset = syms.find((s) => s.name === 'global_counter')!.value;
  const codePage = Math.floor(syms.find((s) => s.name === F)!.value / PAGE) * PAGE;
  const r = pipedRepl([LIB], ['pages', `x ${F} 16`, 'x global_counter 16', 'p 2', `x ${F}`, 'x global_counter', 'pages', `call ${F}`, 'c', 'pages']);
  // Split the output at each `pages` table's header.
  const tables = r.stdout.split(/^module +offset +perms.*$/m).slice(1).map((t) => pageRows(t.split('\n'), 'libdemo.so'));

  it('shows the bytes of the data and of the code', () => {
    expect(r.stdout).toMatch(new RegExp(`^ *0x[0-9a-f]+ {2}00 00 00 00 .*libdemo\\.so\\+${hex(iOffset)} <global_counter>`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^ *0x[0-9a-f]+ {2}[0-9a-f ]+\\|.*\\| {2}libdemo\\.so\\+${hex(syms.find((s) => s.name === F)!.value)} <${F}>`, 'm'));
  });

  it('leaves every frame as it was (absent pages stay absent), while executing the code pages it in', () => {
    expect(tables).toHaveLength(3);
    expect(tables[1]).toEqual(tables[0]);
    const before = tables[1]!.find((row) => row.offset === codePage)!;
    const after = tables[2]!.find((row) => row.offset === codePage)!;
    // x read the code page in both processes without making it present; the call in p2 did.
    expect(before.frames).toEqual(['-', '-']);
    expect(after.frames[0]).toBe('-');
    expect(after.frames[1]).toMatch(/^\d+$/);
  });
});
