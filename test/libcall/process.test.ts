// A process whose libraries the real ld.so opened keeps what Process offers: fork (copy-on-write, each process
// counting on from the fork), traces, the vDSO's clock (against the host's), and dlopen's failures as LoadErrors
// whose text is what dlerror() says natively.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LoadError } from '../../src/loader/index.ts';
import { Machine } from '../../src/process/machine.ts';
import { resultText } from '../../src/process/call-args.ts';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { nativeDlopen } from './dlopen-sample.ts';

const whyLibrary = (): string => buildCSource(`${repoRoot}/test/libcall/c/why.c`, ['-shared', '-fPIC', '-lpthread']);

describe.skipIf(!hasCc())('a process on the real ld.so', () => {
  it('fork: parent and child go on from the same count on their own data page', async () => {
    const m = await Machine.create();
    const parent = m.spawn();
    const lib = whyLibrary();
    const base = parent.load(lib).module.base;
    const count = (p: typeof parent) => Number(resultText(p.call('why_count').result));
    expect([count(parent), count(parent)]).toEqual([0, 1]);
    const child = parent.fork();
    expect([count(child), count(child), count(parent)]).toEqual([2, 3, 2]);
    // The code page is one frame in both; the written data page became private.
    const text = parent.modules.find((x) => x.base === base)!;
    expect(m.frameAt(child, text.name, 0x1000)).toBe(m.frameAt(parent, text.name, 0x1000));
  });

  it('time() from the vDSO is the host clock', async () => {
    const m = await Machine.create();
    const p = m.spawn();
    p.load(whyLibrary());
    const t = Number(resultText(p.call('why_time', [], { ret: 'long' }).result));
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(5);
  });

  it('a traced call names the library and libc', async () => {
    const m = await Machine.create();
    const p = m.spawn();
    p.load('libz.so.1');
    const { result, events } = p.call('compressBound', [1000], { ret: 'ulong', trace: true });
    expect(resultText(result)).toBe(String(1000 + (1000 >> 12) + (1000 >> 14) + (1000 >> 25) + 13)); // zlib's formula
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]!.module).toBe('libz.so.1');
    expect(events[0]!.symbol).toMatch(/^compressBound/);
  });

  it('an undefined symbol under RTLD_NOW is a LoadError saying what dlerror() says natively', async () => {
    const dir = `${repoRoot}/.cache/oracles`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/undefsym.c`, '#include <string.h>\nextern int picemu_nowhere_defined(int);\nint use(const char *s) { return picemu_nowhere_defined((int)strlen(s)) + 1; }\n');
    const lib = `${dir}/libundefsym.so`;
    execFileSync('cc', ['-shared', '-fPIC', '-o', lib, `${dir}/undefsym.c`]);
    const native = nativeDlopen(lib);
    expect(native).toMatch(/^error: .*undefined symbol: picemu_nowhere_defined/);
    const m = await Machine.create();
    let err: unknown;
    try {
      m.spawn().load(lib);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LoadError);
    expect(`error: ${(err as Error).message}`).toBe(native);
  });

  it('a libc user loaded after a self-contained library: the earlier one is opened again by the real ld.so, unless it ran', async () => {
    const m = await Machine.create();
    const counter = `${repoRoot}/fixtures/libcounter.so`;
    const p = m.spawn();
    expect(p.load(counter).loader).toBe('picemu');
    const r = p.load('libz.so.1');
    expect(r.loader).toBe('guest-dlopen');
    expect(r.notes.join()).toContain('opened again');
    expect(p.modules.find((x) => x.name === 'libcounter.so')?.linkMap).toBeDefined();
    expect(resultText(p.call('really_really_nonreentrant').result)).toBe('0');
    expect(resultText(p.call('crc32', [0, 'hello', 5], { ret: 'ulong' }).result)).toBe('907060870'); // zlib.crc32(b'hello')
    const q = m.spawn();
    q.load(counter);
    q.call('really_really_nonreentrant');
    expect(() => q.load('libz.so.1')).toThrow(LoadError);
  });
});
