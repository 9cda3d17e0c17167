// Stepping a call: startCall/step/run with breakpoints and budgets, the System V entry state, and the PLT/GOT
// annotations of a call between exported functions — addresses from readelf/objdump, results from native calls.
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { resultText } from '../../src/process/call-args.ts';
import { CallLimitError, UnresolvedSymbolError } from '../../src/process/errors.ts';
import { picemuMatchers } from '../../src/trace/vitest.ts';
import { nativeCall } from '../helpers/native.ts';
import { hasCc, hasReadelf, repoRoot, run } from '../helpers/oracles.ts';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

expect.extend(picemuMatchers);
const demo = `${repoRoot}/fixtures/libdemo.so`;

function symbolValue(lib: string, name: string): number {
  const m = new RegExp(`^\\s*\\d+:\\s+([0-9a-f]+)\\s+\\d+\\s+\\w+\\s+\\w+\\s+\\S+\\s+\\S+\\s+${name.replace('.', '\\.')}$`, 'm').exec(run('readelf', ['-sW', lib]));
  if (!m) throw new Error(`${name} not in readelf -sW ${lib}`);
  return parseInt(m[1]!, 16);
}

describe.skipIf(!hasReadelf() || !hasCc())('stepping', () => {
  it('enters with rsp % 16 == 8 and the arguments in rdi, rsi, ..., r9, then the stack', async () => {
    const m = await Machine.create();
    const p = m.spawn();
    p.load(demo);
    const call = p.startCall('classify', [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
    expect(call.entry - p.baseOf('libdemo.so')!).toBe(symbolValue(demo, 'classify'));
    expect(Number(p.cpu.reg('rsp')) % 16).toBe(8);
    expect(['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'].map((r) => p.cpu.reg(r))).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
    const rsp = Number(p.cpu.reg('rsp'));
    expect([p.space.readU64(rsp + 8), p.space.readU64(rsp + 16)]).toEqual([7n, 8n]);
    expect(p.space.readU64(rsp)).toBe(BigInt(p.trampoline));
    expect(p.cpu.reg('al')).toBe(0n);
    const stop = p.run();
    expect(stop.kind).toBe('returned');
    if (stop.kind === 'returned') expect(resultText(stop.result)).toBe(nativeCall(demo, 'classify', ['1', '2'])[0]);
  });

  it('stops at a breakpoint, steps, and continues to the native result', async () => {
    const m = await Machine.create();
    const p = m.spawn();
    const base = p.load(demo).module.base;
    p.startCall('bump_twice', [5]);
    const target = base + symbolValue(demo, 'bump_counter');
    const first = p.run({ breakpoints: [target], trace: true });
    expect(first.kind).toBe('breakpoint');
    expect(p.cpu.rip).toBe(target);
    // bump_twice's call went through the PLT stub, which jumps through bump_counter's GOT slot.
    expect(first.events).toAccess({ kind: 'read', relocation: 'GOT entry for bump_counter (R_X86_64_JUMP_SLOT)', ripRelative: true });
    expect(first.events.some((e) => e.symbol === 'bump_counter@plt')).toBe(true);
    const one = p.step();
    expect(one.event.offset).toBe(symbolValue(demo, 'bump_counter'));
    expect(one.event.symbol).toBe('bump_counter');
    const second = p.run({ breakpoints: [target] });
    expect(second.kind).toBe('breakpoint');
    const end = p.run();
    expect(end.kind).toBe('returned');
    if (end.kind === 'returned') expect(resultText(end.result)).toBe(nativeCall(demo, 'bump_twice', ['5'])[0]);
  });

  it('a budget ends a run after exactly that many instructions; a call over budget is a CallLimitError', async () => {
    const m = await Machine.create();
    const p = m.spawn();
    p.load(demo);
    p.startCall('fib', [20]);
    const stop = p.run({ budget: 7, trace: true });
    expect(stop.kind).toBe('budget');
    expect(stop.events).toHaveLength(7);
    expect(() => p.call('fib', [25], { budget: 1000 })).toThrow(CallLimitError);
    // The process is usable afterwards.
    expect(resultText(p.call('fib', [10], { ret: 'long' }).result)).toBe(nativeCall(demo, 'fib', ['10'], { ret: 'long' })[0]);
  });

  it('a call made while another is stopped runs below it and leaves it intact', async () => {
    const lib = `${repoRoot}/fixtures/liblibc-user.so`;
    const m = await Machine.create();
    const p = m.spawn();
    p.load(lib);
    p.startCall('libc_strlen', ['stopped call'], { ret: 'ulong' });
    p.step();
    p.step();
    // strlen is an ifunc in libc: resolving it runs its resolver on the CPU, nested.
    const strlen = p.resolve('strlen');
    expect(p.locate(strlen).module).toBe('libc.so.6');
    expect(resultText(p.call('libc_copy', ['nested'], { ret: 'cstr' }).result)).toBe(nativeCall(lib, 'libc_copy', ['str:nested'], { ret: 'cstr' })[0]);
    const end = p.run();
    expect(end.kind).toBe('returned');
    if (end.kind === 'returned') expect(resultText(end.result)).toBe(nativeCall(lib, 'libc_strlen', ['str:stopped call'], { ret: 'ulong' })[0]);
  });

  it('a call into an undefined function faults naming it and the library that needs it', async () => {
    // A library with an undefined function (cc accepts it for a shared object; ld.so would refuse it under RTLD_NOW).
    const dir = `${repoRoot}/.cache/oracles`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/missing.c`, 'int missing_function(int);\nint calls_missing(int x) { return missing_function(x) + 1; }\n');
    execFileSync('cc', ['-shared', '-fPIC', '-O1', '-nostdlib', '-o', `${dir}/libmissing.so`, `${dir}/missing.c`]);
    const m = await Machine.create();
    const p = m.spawn();
    p.load(`${dir}/libmissing.so`);
    let err: unknown;
    try {
      p.call('calls_missing', [1]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnresolvedSymbolError);
    expect((err as Error).message).toContain('unresolved symbol missing_function (needed by libmissing.so)');
  });
});
