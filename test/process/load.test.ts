// Loading into a process: a library that needs libc goes to the guest's dlopen (nothing skipped), a faulting initializer is reported with module and symbol, and __thread works.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { InitializerError } from '../../src/process/errors.ts';
import { resultText } from '../../src/process/call-args.ts';
import { nativeCall } from '../helpers/native.ts';
import { hasCc, hasReadelf, repoRoot } from '../helpers/oracles.ts';

describe.skipIf(!hasReadelf() || !hasCc())('load', () => {
  it('a library that needs libc is opened by the guest\'s dlopen: the real ld.so initializes libc, nothing is skipped', async () => {
    const lib = `${repoRoot}/fixtures/liblibc-user.so`;
    const m = await Machine.create();
    const p = m.spawn();
    const r = p.load(lib);
    expect(r.loader).toBe('guest-dlopen');
    expect(r.module.name).toBe('liblibc-user.so');
    expect(r.modules.map((x) => x.name)).toEqual(expect.arrayContaining(['liblibc-user.so', 'libc.so.6', 'ld-linux-x86-64.so.2']));
    expect(r.notes).toEqual([]);
    expect(r.skippedInitializers).toEqual([]);
    // snprintf's %d needs libc's locale, set up by libc's initialization: the native call's result.
    expect(resultText(p.call('libc_format', [-42, 'ok'], { ret: 'cstr' }).result)).toBe(nativeCall(lib, 'libc_format', ['-42', 'str:ok'], { ret: 'cstr' })[0]);
  });

  it('a faulting initializer is an InitializerError naming the module and the function', async () => {
    const dir = `${repoRoot}/.cache/oracles`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/badinit.c`, '__attribute__((constructor)) static void explode_on_load(void) { *(volatile int *)16 = 1; }\nint fine(void) { return 3; }\n');
    execFileSync('cc', ['-shared', '-fPIC', '-O0', '-nostdlib', '-o', `${dir}/libbadinit.so`, `${dir}/badinit.c`]);
    const m = await Machine.create();
    const p = m.spawn();
    let err: unknown;
    try {
      p.load(`${dir}/libbadinit.so`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InitializerError);
    expect((err as InitializerError).module).toBe('libbadinit.so');
    expect((err as Error).message).toContain('explode_on_load');
    expect((err as Error).message).toMatch(/unmapped write at 0x10/);
  });

  it('a looping initializer or ifunc resolver ends the load with an InitializerError naming the limit', async () => {
    const dir = `${repoRoot}/.cache/oracles`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/spininit.c`, '__attribute__((constructor)) static void spin_on_load(void) { for (;;) __asm__ volatile(""); }\nint fine(void) { return 3; }\n');
    execFileSync('cc', ['-shared', '-fPIC', '-O1', '-nostdlib', '-o', `${dir}/libspininit.so`, `${dir}/spininit.c`]);
    writeFileSync(`${dir}/spinifunc.c`, 'static int impl(void) { return 4; }\nstatic void *pick(void) { for (;;) __asm__ volatile(""); return impl; }\nint chosen(void) __attribute__((ifunc("pick")));\nint use(void) { return chosen(); }\n');
    execFileSync('cc', ['-shared', '-fPIC', '-O1', '-nostdlib', '-o', `${dir}/libspinifunc.so`, `${dir}/spinifunc.c`]);
    const m = await Machine.create();
    const failure = (path: string, options?: Parameters<ReturnType<typeof m.spawn>['load']>[1]): InitializerError => {
      try {
        m.spawn().load(path, options);
      } catch (e) {
        expect(e).toBeInstanceOf(InitializerError);
        return e as InitializerError;
      }
      throw new Error(`${path} loaded`);
    };
    const t0 = Date.now();
    const byDefault = failure(`${dir}/libspininit.so`);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(byDefault.module).toBe('libspininit.so');
    expect(byDefault.initializer).toBe('spin_on_load');
    expect(['budget', 'timeout']).toContain(byDefault.limit);
    const budget = failure(`${dir}/libspininit.so`, { initBudget: 1000, initDeadlineMs: Infinity });
    expect(budget.limit).toBe('budget');
    expect(budget.message).toMatch(/spin_on_load of libspininit\.so .*instruction budget of 1000/);
    const deadline = failure(`${dir}/libspininit.so`, { initBudget: 1e12, initDeadlineMs: 50 });
    expect(deadline.limit).toBe('timeout');
    expect(deadline.message).toContain('deadline of 50 ms');
    const resolver = failure(`${dir}/libspinifunc.so`, { initBudget: 1000 });
    expect(resolver.limit).toBe('budget');
    expect(resolver.initializer).toMatch(/^ifunc resolver /);
  });

  it('__thread variables: each process has its own, initialized from .tdata, both TLS models', async () => {
    const lib = `${repoRoot}/fixtures/libtls.so`;
    const m = await Machine.create();
    const [p1, p2] = [m.spawn(), m.spawn()];
    p1.load(lib);
    p2.load(lib);
    const native = nativeCall(lib, 'tls_bump', [], { calls: 2 });
    expect([resultText(p1.call('tls_bump').result), resultText(p1.call('tls_bump').result)]).toEqual(native);
    expect(resultText(p2.call('tls_bump').result)).toBe(native[0]);
    // tls_address is inside this process's static TLS area, below its thread pointer.
    const addr = Number((p1.call('tls_address', [], { ret: 'ptr' }).result as { value: number }).value);
    expect(addr).toBeLessThan(p1.threadPointer);
    expect(p1.space.readU64(addr) & 0xffffffffn).toBe(BigInt(Number(native[1]) + 1));
  });
});
