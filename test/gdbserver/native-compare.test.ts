// gdb against `picemu gdbserver` and against Debian's native gdbserver running a C driver that dlopens the
// seed fixture and calls really_really_nonreentrant: the same session prints the same thing in both, with
// addresses relative to libcounter.so's base.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Machine } from '../../src/index.ts';
import { startGdbServer, type RunningGdbServer } from '../../src/gdbserver/server.ts';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { hasGdb, hasGdbserver, registerTable, relativeTo, runGdb, section, sections } from './gdb.ts';

const LIB = join(repoRoot, 'fixtures/libcounter.so');
const SYMBOL = 'really_really_nonreentrant';
const ready = hasGdb() && hasGdbserver() && hasCc();

// At the breakpoint on the function's first instruction: registers, code, values, frames, libraries; then two
// stepi and a watchpoint on i.0 that the third instruction (the write) triggers.
const COMMON = [
  section('base'), `p/x (long)&${SYMBOL} - 0x1100`,
  section('regs'), 'info registers',
  section('fpregs'), 'info registers mxcsr fctrl ftag',
  section('x'), 'x/8i $pc',
  section('p'), "p *(int*)&'i.0'", `p/x (long)&'i.0' - (long)&${SYMBOL}`, 'p/x (long)$rsp & 0xf',
  section('bt'), 'bt 1',
  section('solib'), 'info sharedlibrary libcounter',
  section('step1'), 'stepi', 'p/x $pc', 'p $rax',
  section('step2'), 'stepi', 'p/x $pc', 'p $rdx',
  section('watch'), "watch *(int*)&'i.0'", 'continue', 'x/i $pc',
  section('end'),
];

interface Session {
  raw: string;
  parts: Map<string, string[]>;
  base: bigint;
  /** A section's lines with addresses relative to the base, gdb's thread/inferior chatter dropped. */
  rel(name: string): string[];
}

function session(raw: string): Session {
  const parts = sections(raw);
  const baseLine = parts.get('base')?.find((l) => /^\$\d+ = 0x/.test(l));
  if (!baseLine) throw new Error(`no base in gdb's output:\n${raw}`);
  const base = BigInt(baseLine.split(' = ')[1]!);
  const rel = (name: string) => (parts.get(name) ?? [])
    .filter((l) => l.trim() !== '' && !/^\[(Switching|New|Inferior)|^Thread \S+ hit |^warning:|^Reading /.test(l))
    .map((l) => relativeTo(l, base).replace(/^\$\d+ = /, '$ = '));
  return { raw, parts, base, rel };
}

describe.skipIf(!ready)('gdb: picemu gdbserver and native gdbserver agree on the seed call', () => {
  let server: RunningGdbServer;
  let picemu: Session;
  let native: Session;

  beforeAll(async () => {
    const machine = await Machine.create();
    for (let k = 0; k < 2; k++) machine.spawn().load(LIB);
    server = await startGdbServer(machine, { port: 0, calls: true });
    const driver = buildCSource(join(repoRoot, 'test/gdbserver/c/dlopen_call.c'), ['-ldl']);
    const [p, n] = await Promise.all([
      runGdb([`target extended-remote 127.0.0.1:${server.port}`, 'sharedlibrary', `break ${SYMBOL}`, `monitor call ${SYMBOL}`, section('hit'), 'continue', ...COMMON]),
      runGdb(['set breakpoint pending on', `target remote | gdbserver - ${driver} ${LIB} ${SYMBOL} 2`, `break ${SYMBOL}`, section('hit'), 'continue', ...COMMON]),
    ]);
    picemu = session(p);
    native = session(n);
  });

  afterAll(async () => {
    await server?.close();
  });

  it('stops at the breakpoint on the function, as natively', () => {
    const hit = (s: Session) => s.rel('hit').find((l) => l.startsWith('Breakpoint 1,'));
    expect(hit(picemu)).toBe(`Breakpoint 1, BASE+0x1100 in ${SYMBOL} () from target:${LIB}`);
    expect(hit(picemu)).toBe(hit(native));
  });

  it('info registers: the same general registers; rip, selectors and stack alignment agree', () => {
    const mine = registerTable(picemu.parts.get('regs')!);
    const theirs = registerTable(native.parts.get('regs')!);
    // k0-k7 are AVX-512 mask registers: the host has them, picemu's CPU profile does not.
    const names = (m: Map<string, string>) => [...m.keys()].filter((n) => !/^k[0-7]$/.test(n));
    expect(names(mine)).toEqual(names(theirs));
    expect(names(mine)).toEqual(['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15', 'rip', 'eflags', 'cs', 'ss', 'ds', 'es', 'fs', 'gs']);
    expect(BigInt(mine.get('rip')!) - picemu.base).toBe(0x1100n);
    expect(BigInt(theirs.get('rip')!) - native.base).toBe(0x1100n);
    for (const seg of ['cs', 'ss', 'ds', 'es', 'fs', 'gs']) expect(mine.get(seg), seg).toBe(theirs.get(seg));
    expect(picemu.rel('p')[2]).toBe('$ = 0x8');
    expect(picemu.rel('p')[2]).toBe(native.rel('p')[2]);
  });

  it('mxcsr and the x87 control words: the values a process has at a call, as natively', () => {
    const lines = picemu.rel('fpregs');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['mxcsr', 'fctrl', 'ftag']);
    expect(lines).toEqual(native.rel('fpregs'));
  });

  it('x/8i $pc prints the same instructions at the same offsets', () => {
    expect(picemu.rel('x')).toHaveLength(8);
    expect(picemu.rel('x')[2]).toContain(`BASE+0x1109 <${SYMBOL}+9>:\tmov    %edx,0x2efd(%rip)        # BASE+0x400c <i.0>`);
    expect(picemu.rel('x')).toEqual(native.rel('x'));
  });

  it('p: the value of i.0 and its distance from the function', () => {
    expect(picemu.rel('p').slice(0, 2)).toEqual(['$ = 0', '$ = 0x2f0c']);
    expect(picemu.rel('p').slice(0, 2)).toEqual(native.rel('p').slice(0, 2));
  });

  it('bt: frame #0 is the function in libcounter.so', () => {
    expect(picemu.rel('bt')[0]).toBe(`#0  BASE+0x1100 in ${SYMBOL} () from target:${LIB}`);
    expect(picemu.rel('bt')[0]).toBe(native.rel('bt')[0]);
  });

  it('info sharedlibrary: libcounter.so at the same offsets, symbols read', () => {
    const row = (s: Session) => s.rel('solib').find((l) => l.includes('libcounter.so'))?.replace(/\s+/g, ' ');
    expect(row(picemu)).toBe(`BASE+0x1040 BASE+0x1110 Yes (*) target:${LIB}`);
    expect(row(picemu)).toBe(row(native));
  });

  it('stepi twice: the same pcs and register values', () => {
    for (const name of ['step1', 'step2']) {
      const values = (s: Session) => s.rel(name).filter((l) => l.startsWith('$ ='));
      expect(values(picemu), name).toEqual(values(native));
    }
    expect(picemu.rel('step1').filter((l) => l.startsWith('$ ='))).toEqual(['$ = BASE+0x1106', '$ = 0']);
    expect(picemu.rel('step2').filter((l) => l.startsWith('$ ='))).toEqual(['$ = BASE+0x1109', '$ = 1']);
  });

  it('a watchpoint on i.0 stops after the mov that writes it (old 0, new 1), as natively', () => {
    const report = (s: Session) => s.rel('watch').filter((l) => /^(Old|New) value|in really|^=>/.test(l));
    expect(report(picemu)).toEqual([
      'Old value = 0',
      'New value = 1',
      `BASE+0x110f in ${SYMBOL} () from target:${LIB}`,
      `=> BASE+0x110f <${SYMBOL}+15>:\tret`,
    ]);
    expect(report(picemu)).toEqual(report(native));
  });
});

describe.skipIf(!ready)('gdb: a fault, in picemu gdbserver and natively', () => {
  const DEMO = join(repoRoot, 'fixtures/libdemo.so');
  let server: RunningGdbServer;
  afterAll(async () => {
    await server?.close();
  });

  it('null_deref: SIGSEGV at the same instruction, the same frame', async () => {
    const machine = await Machine.create();
    machine.spawn().load(DEMO);
    server = await startGdbServer(machine, { port: 0, calls: true });
    const driver = buildCSource(join(repoRoot, 'test/gdbserver/c/dlopen_call.c'), ['-ldl']);
    const after = [section('base'), 'p/x (long)&null_deref', section('fault'), 'x/i $pc', 'bt 1', section('end')];
    const [p, n] = await Promise.all([
      runGdb([`target extended-remote 127.0.0.1:${server.port}`, 'sharedlibrary', 'monitor call null_deref', section('run'), 'continue', ...after]),
      runGdb([`target remote | gdbserver - ${driver} ${DEMO} null_deref`, section('run'), 'continue', ...after]),
    ]);
    const [mine, theirs] = [session(p), session(n)];
    const report = (s: Session) => [...s.rel('run').filter((l) => /received signal|^BASE\S* in null_deref/.test(l)), ...s.rel('fault')];
    expect(report(mine)[0]).toMatch(/received signal SIGSEGV, Segmentation fault\.$/);
    expect(report(mine)[1]).toMatch(/^BASE\+0x[0-9a-f]+ in null_deref \(\) from target:/);
    expect(report(mine).slice(1)).toEqual(report(theirs).slice(1));
  });
});
