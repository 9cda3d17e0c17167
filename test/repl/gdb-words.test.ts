// The REPL's gdb words checked against gdb itself: `info registers` prints what gdb prints for the same
// process state (gdb attached to picemu gdbserver, same seed, same bases); `print` evaluates as gdb's own
// evaluator does; x/NFU shows the file's bytes; ni steps over a call to the instruction after it (objdump);
// Enter repeats; b lists; tbreak, condition, delete; bt and regs after a fault.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine } from '../../src/index.ts';
import { startGdbServer, type RunningGdbServer } from '../../src/gdbserver/server.ts';
import { nativeCall } from '../helpers/native.ts';
import { hasCc, repoRoot, run } from '../helpers/oracles.ts';
import { hasGdb, runGdb, section, sections } from '../gdbserver/gdb.ts';
import { loadSegments, nmSymbols, pipedRepl } from './drive.ts';

const COUNTER = 'fixtures/libcounter.so';
const DEMO = 'fixtures/libdemo.so';
const F = 'really_really_nonreentrant';
const squash = (l: string) => l.trim().replace(/\s+/g, ' ');

describe.runIf(hasGdb())('repl: info registers, x/NFU, p and info proc mappings as gdb prints the same state', () => {
  let server: RunningGdbServer;
  let gdb: Map<string, string[]>;
  // The same views in both; gdb names the local i.0 in quotes.
  const VIEWS: [name: string, repl: string, gdb: string][] = [
    ['regs', 'info registers', 'info registers'],
    ['xg', 'x/2xg $rsp', 'x/2xg $rsp'],
    ['xa', 'x/2a &i.0', "x/2a &'i.0'"],
    ['xb', 'x/8xb &i.0', "x/8xb &'i.0'"],
    ['xd', 'x/3dw really_really_nonreentrant', 'x/3dw really_really_nonreentrant'],
    ['xu', 'x/3uh really_really_nonreentrant', 'x/3uh really_really_nonreentrant'],
    ['xo', 'x/2ob really_really_nonreentrant', 'x/2ob really_really_nonreentrant'],
    ['xt', 'x/2tb really_really_nonreentrant', 'x/2tb really_really_nonreentrant'],
    ['xc', 'x/4c really_really_nonreentrant', 'x/4c really_really_nonreentrant'],
    ['pc', 'p $pc', 'p $pc'],
    ['sp', 'p $sp', 'p $sp'],
    ['px', 'p/x $rdx', 'p/x $rdx'],
    ['pa', 'p/a $pc', 'p/a $pc'],
    ['maps', 'info proc mappings', 'info proc mappings'],
  ];
  // Each view follows a marker line: the REPL answers the unknown command `@@name` with one error line naming it.
  const repl = pipedRepl([COUNTER], [`call ${F}`, 'si 2', ...VIEWS.flatMap(([name, command]) => [`@@${name}`, command])]);
  const replParts = new Map<string, string[]>();
  {
    let current: string[] | undefined;
    for (const l of repl.lines) {
      const m = /@@(\w+)/.exec(l);
      if (m && l.startsWith('error')) replParts.set(m[1]!, (current = []));
      else current?.push(l);
    }
  }

  beforeAll(async () => {
    const machine = await Machine.create(); // the REPL's default machine: the same seed, so the same bases
    for (let k = 0; k < 2; k++) machine.spawn().load(join(repoRoot, COUNTER));
    server = await startGdbServer(machine, { port: 0, calls: true });
    const out = await runGdb([`target extended-remote 127.0.0.1:${server.port}`, 'sharedlibrary', `monitor call ${F}`, 'stepi', 'stepi', ...VIEWS.flatMap(([name, , command]) => [section(name), command]), section('end')]);
    gdb = sections(out);
  });
  afterAll(async () => {
    await server?.close();
  });

  const clean = (lines: string[] | undefined) => (lines ?? []).filter((l) => l.trim() !== '').map(squash).map((l) => l.replace(/ \*$/, '').replace(/^\$\d+ = /, '$ = '));

  it('info registers: every general register line as gdb prints it (values, decimal, decoded eflags, rip <sym+off>)', () => {
    expect(clean(gdb.get('regs'))).toHaveLength(24);
    expect(clean(replParts.get('regs'))).toEqual(clean(gdb.get('regs')));
  });

  it('x/NFU in every number format and unit, labelled as gdb labels them', () => {
    for (const name of ['xg', 'xa', 'xb', 'xd', 'xu', 'xo', 'xt', 'xc']) {
      expect(clean(gdb.get(name)).length, name).toBeGreaterThan(0);
      expect(clean(replParts.get(name)), name).toEqual(clean(gdb.get(name)));
    }
  });

  it('p $pc, p $sp, p/x $rdx, p/a $pc', () => {
    for (const name of ['pc', 'sp', 'px', 'pa']) expect(clean(replParts.get(name)), name).toEqual(clean(gdb.get(name)));
  });

  it("info proc mappings: gdb's table of the same maps", () => {
    const rows = (lines: string[] | undefined) => clean(lines).filter((l) => /^0x/.test(l));
    expect(rows(gdb.get('maps')).length).toBeGreaterThan(5);
    expect(rows(replParts.get('maps'))).toEqual(rows(gdb.get('maps')));
  });
});

describe.runIf(hasGdb())('repl: print evaluates as gdb does', () => {
  const expressions = [
    '3*7+(10<<2)', '7/2', '-7%3', '-7/2', '(char)300', '(unsigned char)300', '(short)-2', '1==1', '!5', '~0', '1<2&&3>4',
    '0x7fffffff+1', '(int)0x80000000', '(unsigned int)-1', '(long)-1', '2-3*4', '(1|6)^3', '100>>3', '-(5)',
  ];
  const formatted = ['p/x -1', 'p/t 10', 'p/o 8', 'p/c 65', 'p/x (short)-2', 'p/d 0xffffffff', 'p/u -1', 'p/x 255'];
  const repl = pipedRepl([COUNTER], [...expressions.map((e) => `print ${e}`), ...formatted]);
  let gdb: string[];
  beforeAll(async () => {
    const out = await runGdb([section('values'), ...expressions.map((e) => `print ${e}`), ...formatted, section('end')]);
    gdb = sections(out).get('values')!.filter((l) => l.startsWith('$'));
  });

  it('gives gdb\'s values and formats', () => {
    const mine = repl.lines.filter((l) => l.startsWith('$'));
    expect(gdb).toHaveLength(expressions.length + formatted.length);
    expect(mine).toEqual(gdb);
  });
});

describe.runIf(hasCc())('repl: gdb habits over a call', () => {
  const nm = nmSymbols(COUNTER);
  const fn = nm.find((s) => s.name === F)!.value;
  const r = pipedRepl([COUNTER], [
    `call ${F}`, 'c', `call ${F}`, 'c', // i.0 is now 2
    'x/6xb really_really_nonreentrant', '', // Enter: the next 6 bytes
    "p *(int *)&i.0", 'p {int} &i.0 + 40', 'p i.0', 'p $rsp & 0xf',
    'b', `b ${F}+9`, `tbreak ${F}+6`, 'b', `call ${F}`, 'c', 'info breakpoints', 'c', 'info breakpoints', 'd 1', 'b',
    'info registers rip', 'display $rdx', 'si', '', 'undisplay',
    'p 2', 'process 1', 'inferior 2', 'info inferiors',
  ]);
  const out = r.stdout;

  it('x/NFU shows the bytes the file has there, and Enter goes on from where it stopped', () => {
    const seg = loadSegments(COUNTER).find((s) => s.flags.includes('E'))!;
    const file = readFileSync(join(repoRoot, COUNTER));
    const at = fn - seg.vaddr + seg.offset;
    const bytes = [...file.subarray(at, at + 12)].map((b) => '0x' + b.toString(16).padStart(2, '0'));
    const lines = r.lines.filter((l) => /^0x[0-9a-f]+ <really_really_nonreentrant(\+\d+)?>:\t/.test(l));
    expect(lines[0]!.split('\t').slice(1)).toEqual(bytes.slice(0, 6));
    expect(lines[1]).toMatch(/^0x[0-9a-f]+ <really_really_nonreentrant\+6>:\t/);
    expect(lines[1]!.split('\t').slice(1)).toEqual(bytes.slice(6, 12));
  });

  it('p reads memory through casts and dereferences; the value is what native calls leave', () => {
    const calls = nativeCall(COUNTER, F, [], { calls: 2 }); // 0, 1: i.0 is 2 afterwards
    expect(calls).toEqual(['0', '1']);
    const values = r.lines.filter((l) => /^\$\d+ = /.test(l));
    expect(values[0]).toBe('$1 = 2');
    expect(values[1]).toBe('$2 = 42');
    expect(values[2]).toMatch(/^\$3 = \(void \*\) 0x[0-9a-f]+ <i\.0>$/);
    expect(values[3]).toBe('$4 = 0'); // no call in progress: rsp is the stack top, 16-byte aligned
  });

  it('b lists breakpoints; tbreak goes away when hit; hit counts; delete', () => {
    expect(r.lines.filter((l) => l === 'No breakpoints.')).toHaveLength(2);
    expect(out).toMatch(/^temporary breakpoint 2 at 0x[0-9a-f]+ libcounter\.so\+0x1106 <really_really_nonreentrant\+0x6>$/m);
    expect(out).toMatch(/^breakpoint 1 at 0x[0-9a-f]+ libcounter\.so\+0x1109 <really_really_nonreentrant\+0x9>$/m);
    const tables = out.split('Num     Type').slice(1).map((t) => t.split('\n').slice(1).filter((l) => /^(\d+ +breakpoint|\t)/.test(l)).map(squash));
    expect(tables).toEqual([
      [expect.stringMatching(/^1 breakpoint keep y 0x[0-9a-f]{16} <really_really_nonreentrant\+9> in libcounter\.so$/),
        expect.stringMatching(/^2 breakpoint del y 0x[0-9a-f]{16} <really_really_nonreentrant\+6> in libcounter\.so$/)],
      [expect.stringMatching(/^1 breakpoint keep y /)], // the temporary one went when hit
      [expect.stringMatching(/^1 breakpoint keep y /), 'breakpoint already hit 1 time'],
    ]);
    expect(out).toContain('deleted breakpoint 1');
  });

  it('Enter repeats si; display shows after each stop; the call returns its native value', () => {
    expect(r.lines.find((l) => l.startsWith('rip '))).toMatch(/^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <really_really_nonreentrant\+9>( \*)?$/);
    const steps = r.lines.filter((l) => /^#\d+ 0x/.test(l));
    expect(steps).toEqual([expect.stringMatching(/^#2 .*<really_really_nonreentrant\+0x9> .* mov dword ptr \[rip \+ 0x2efd\], edx$/), expect.stringMatching(/^#3 .* ret$/)]);
    expect(r.lines.filter((l) => l.startsWith('1: $rdx = '))).toEqual(['1: $rdx = 3', '1: $rdx = 3']);
    expect(r.lines.filter((l) => l.startsWith('returned '))).toEqual(['returned 0', 'returned 1', 'returned 2']);
  });

  it('p N (a bare number), process N and inferior N switch processes; info inferiors lists them', () => {
    expect(r.lines.filter((l) => l.startsWith('switched to'))).toEqual(['switched to p2', 'switched to p1', 'switched to p2']);
    expect(out).toMatch(/^ {2}1 {4}process 1 +idle \(3 calls done\)$/m);
    expect(out).toMatch(/^\* 2 {4}process 2 +idle \(0 calls done\)$/m);
  });
});

describe.runIf(hasCc())('repl: ni steps over a call, bt and regs after a fault', () => {
  const nm = nmSymbols(DEMO);
  const twice = nm.find((s) => s.name === 'bump_twice')!.value;
  // The instruction after bump_twice's first call, from objdump.
  const disasm = run('objdump', ['-d', '--no-show-raw-insn', join(repoRoot, DEMO)]);
  const body = disasm.slice(disasm.indexOf('<bump_twice>:'));
  const firstCall = /^\s*([0-9a-f]+):\s+call/m.exec(body)!;
  const afterCall = Number.parseInt(body.slice(firstCall.index).split('\n')[1]!.trim().split(':')[0]!, 16);
  const r = pipedRepl([DEMO], ['call bump_twice 3', 'ni', 'ni', 'ni', 'p $rax', 'c', 'call null_deref', 'c', 'bt', 'regs', 'info frame']);

  it('ni runs the call to its return and stops at the next instruction in this frame', () => {
    expect(twice).toBeLessThan(afterCall);
    const arrows = r.lines.filter((l) => l.startsWith('=> '));
    expect(arrows.at(-1 - 0)).toBeDefined();
    expect(r.stdout).toMatch(new RegExp(`^=> 0x[0-9a-f]+ libdemo\\.so\\+0x${afterCall.toString(16)} <bump_twice\\+0x${(afterCall - twice).toString(16)}>`, 'm'));
    const [v] = nativeCall(DEMO, 'bump_counter', [3]);
    expect(r.lines.find((l) => l.startsWith('$1 = '))).toBe(`$1 = ${v}`);
    expect(r.lines.filter((l) => l.startsWith('returned '))[0]).toBe(`returned ${nativeCall(DEMO, 'bump_twice', [3])[0]}`);
  });

  it('bt and regs after the fault describe the faulting frame', () => {
    const heading = /^p1 stopped by SIGSEGV \(SEGV_MAPERR\) at 0x[0-9a-f]+ libdemo\.so\+0x[0-9a-f]+ <null_deref\+0x[0-9a-f]+>: the faulting frame$/;
    expect(r.lines.filter((l) => heading.test(l))).toHaveLength(3);
    expect(r.stdout).toMatch(/^#0  0x[0-9a-f]+ libdemo\.so\+0x[0-9a-f]+ <null_deref\+0x[0-9a-f]+>$/m);
    expect(r.stdout).toMatch(/^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <null_deref\+\d+>$/m);
    expect(r.stdout).not.toContain('no call in progress');
  });
});

describe.runIf(hasGdb())('repl: x/s prints strings as gdb does (escapes, octal)', () => {
  const views = ['x/2s &greeting', 'x/s get_greeting', 'x/s bump_twice'];
  const repl = pipedRepl([DEMO], views);
  it('shows the file bytes as gdb reading the file itself shows them', () => {
    // gdb on the file (no process): the same bytes at link-time addresses; compare what follows the label.
    const withFile = run('gdb', ['-nx', '-batch', ...views.flatMap((v) => ['-ex', v]), join(repoRoot, DEMO)]);
    const theirs = withFile.split('\n').filter((l) => /^0x/.test(l)).map((l) => l.split(':\t')[1]);
    const mine = repl.lines.filter((l) => /^0x/.test(l)).map((l) => l.split(':\t')[1]);
    expect(theirs).toHaveLength(4);
    expect(mine).toEqual(theirs);
  });
});

describe.runIf(hasCc())('repl: until and advance', () => {
  const r = pipedRepl([DEMO], ['call bump_twice 3', 'until bump_counter', 'bt', 'finish', 'until', 'advance bump_counter', 'c']);
  it('until ADDR stops there; until alone steps over like ni; the call still returns its native value', () => {
    expect(r.lines.filter((l) => l.startsWith('stopped at '))).toEqual([
      expect.stringMatching(/^stopped at 0x[0-9a-f]+ libdemo\.so\+0x[0-9a-f]+ <bump_counter>$/),
      expect.stringMatching(/^stopped at 0x[0-9a-f]+ libdemo\.so\+0x[0-9a-f]+ <bump_counter>$/),
    ]);
    expect(r.stdout).toMatch(/^#1  0x[0-9a-f]+ libdemo\.so\+0x[0-9a-f]+ <bump_twice\+0x[0-9a-f]+>$/m);
    expect(r.lines.filter((l) => l.startsWith('returned '))).toEqual([`returned ${nativeCall(DEMO, 'bump_twice', [3])[0]}`]);
  });
});
