// gdb against `picemu gdbserver --exec` (a program exec'ed in picemu, stopped at ld.so's entry) and against
// Debian's native gdbserver running the same program: first stop, auxv, stepi pcs, a breakpoint at main, the
// exit status (W) and death by a signal (X), with addresses relative to ld.so's base (AT_BASE).
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { hasGdb, hasGdbserver, section } from './gdb.ts';
import { auxvValue, nativeSession, picemuSession, type Session } from './program-sessions.ts';

const ready = hasGdb() && hasGdbserver() && hasCc();

const SESSION = [
  section('auxv'), 'info auxv',
  section('start'), 'p/x $pc',
  section('steps'), 'stepi', 'p/x $pc', 'stepi', 'p/x $pc', 'stepi', 'p/x $pc', 'stepi', 'p/x $pc',
  section('inferiors'), 'info inferiors',
  section('main'), 'break main', 'continue', 'p/x $pc', 'p $rdi', 'x/s ((char**)$rsi)[1]',
  // What pwndbg and gef read at every stop: the memory map (vFile of /proc/PID/maps), the thread pointer, the SSE
  // and AVX state, strings on the stack.
  section('pwndbg'), 'info proc mappings', 'p/x $fs_base', 'p/x $mxcsr', 'p $ymm0.v8_int32[7] == $ymm0.v8_int32[7]', 'x/s *(char**)($rsi+8)',
  section('end'), 'delete', 'continue',
];

describe.skipIf(!ready)('gdb: picemu gdbserver --exec and native gdbserver agree on a program', () => {
  let program: string;
  let picemu: { s: Session; stdout: string };
  let native: Session;

  beforeAll(async () => {
    program = buildCSource(join(repoRoot, 'test/gdbserver/c/exit_status.c'));
    [picemu, native] = await Promise.all([picemuSession(program, ['3'], SESSION), nativeSession(program, ['3'], SESSION)]);
  }, 120_000);

  it('stops at the first instruction: ld.so\'s entry, at the same offset from AT_BASE', () => {
    expect(picemu.s.rel('start')).toEqual(native.rel('start'));
    expect(picemu.s.rel('start')[0]).toMatch(/^\$ = LDSO\+0x[0-9a-f]+$/);
    expect(picemu.s.entry - picemu.s.base).toBe(native.entry - native.base);
  });

  it('qXfer:auxv: the same entries in the same order (values that depend on the CPU or the stack aside)', () => {
    const names = (s: Session) => s.parts.get('auxv')!.map((l) => l.split(/\s+/).slice(0, 2).join(' ')).filter((l) => l.trim());
    expect(names(picemu.s)).toEqual(names(native));
    for (const key of ['AT_PAGESZ', 'AT_PHENT', 'AT_PHNUM', 'AT_FLAGS', 'AT_CLKTCK']) expect(auxvValue(picemu.s.parts.get('auxv')!, key), key).toBe(auxvValue(native.parts.get('auxv')!, key));
  });

  it('stepi ×4 goes through the same pcs', () => {
    const pcs = (s: Session) => [...(s.parts.get('steps') ?? []).join('\n').matchAll(/\$\d+ = 0x([0-9a-f]+)/g)].map((m) => BigInt('0x' + m[1]!) - s.base);
    expect(pcs(picemu.s)).toHaveLength(4);
    expect(pcs(picemu.s)).toEqual(pcs(native));
  });

  it('qXfer:exec-file: gdb finds the program', () => {
    const exe = (s: Session) => s.rel('inferiors').find((l) => l.startsWith('*'))?.trim().split(/\s+/).at(-1);
    expect(exe(picemu.s)).toBe(`target:${program}`);
    expect(exe(picemu.s)).toBe(exe(native));
  });

  it('a breakpoint at main is hit, with argc and argv as natively', () => {
    expect(picemu.s.rel('main')).toEqual(native.rel('main'));
    expect(picemu.s.rel('main').some((l) => l.startsWith('Breakpoint 1, main (argc=2, argv=STACK)'))).toBe(true);
    expect(picemu.s.rel('main')).toContain('STACK:\t"3"');
  });

  it('what pwndbg reads: info proc mappings, fs_base, mxcsr, ymm registers and x/s agree with the native process', () => {
    // No address randomization on either side: the same mappings at the same addresses, the same TLS block.
    const lines = (x: Session) => x.rel('pwndbg').filter((l) => !/^process N$/.test(l));
    expect(lines(picemu.s).filter((l) => /\[stack\]|\[vdso\]|libc\.so\.6/.test(l)).length).toBeGreaterThan(4);
    expect(lines(picemu.s)).toEqual(lines(native));
  });

  it('the exit status reaches gdb (W packet), and the program printed what it prints natively', () => {
    const exited = (s: Session) => s.rel('end').find((l) => l.startsWith('[Inferior'));
    expect(exited(picemu.s)).toBe('[Inferior 1 (process N) exited with code 03]');
    expect(exited(picemu.s)).toBe(exited(native));
    expect(picemu.stdout).toBe('twice(3) = 6\n');
    expect(native.raw).toContain('twice(3) = 6');
  });

  it('a program killed by a signal: gdb stops where it is delivered, then says how it ended (X packet)', async () => {
    const script = [section('auxv'), 'info auxv', section('stop'), 'continue', section('end'), 'continue'];
    const [mine, theirs] = await Promise.all([picemuSession(program, ['0', '6'], script), nativeSession(program, ['0', '6'], script)]);
    const line = (s: Session, part: string, start: string) => s.rel(part).find((l) => l.startsWith(start));
    expect(line(mine.s, 'stop', 'Program received')).toBe('Program received signal SIGABRT, Aborted.');
    expect(line(mine.s, 'stop', 'Program received')).toBe(line(theirs, 'stop', 'Program received'));
    expect(line(mine.s, 'end', 'Program terminated')).toBe('Program terminated with signal SIGABRT, Aborted.');
    expect(line(mine.s, 'end', 'Program terminated')).toBe(line(theirs, 'end', 'Program terminated'));
  }, 120_000);
});
