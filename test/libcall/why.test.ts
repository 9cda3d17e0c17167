// Everyday libc calls from a library opened by the guest's dlopen in an exec'ed process (issue 9's "Why" list:
// ctype and locale tables, regex, iconv, %f, strtod, qsort, time zones, pthread_once, mremap, sigsetjmp, stdio):
// each result equals the native call of the same function (native_call.c dlopens the same library).
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { parseCallArg, resultText, type ReturnKind } from '../../src/process/call-args.ts';
import { BufferStreamFile } from '../../src/kernel/files/console.ts';
import { nativeCall } from '../helpers/native.ts';
import { buildCHelper, buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';
import { execFileSync } from 'node:child_process';

/** What native_call writes to stdout before its result line (the function's own output), and the result. */
function nativeStdoutAndResult(lib: string, symbol: string, args: string[]): { stdout: string; result: string } {
  const out = execFileSync(buildCHelper('native_call', ['-ldl']), [lib, symbol, '1', 'int', ...args], { encoding: 'utf8' });
  const cut = out.lastIndexOf('\n', out.length - 2) + 1;
  return { stdout: out.slice(0, cut), result: out.slice(cut).trim() };
}

const CASES: [symbol: string, args: string[], ret: ReturnKind][] = [
  ['why_isalpha', ['65'], 'int'],
  ['why_isalpha', ['0x31'], 'int'],
  ['why_toupper', ['0x71'], 'int'],
  ['why_strcasestr', ['str:The Quick Brown Fox', 'str:bROWN'], 'long'],
  ['why_regex', ['str:[0-9]+(\\.[0-9]+)?', 'str:pi is 3.14159, e is 2.718'], 'cstr'],
  ['why_regex', ['str:^a(b|c)*d$', 'str:abcbcx'], 'cstr'],
  ['why_iconv', ['str:ISO-8859-1', 'str:grüße'], 'cstr'],
  ['why_iconv', ['str:UTF-16LE', 'str:π≈3'], 'cstr'],
  ['why_format_f', ['f64:3.14159265358979'], 'cstr'],
  ['why_format_f', ['f64:-1e-7'], 'cstr'],
  ['why_strtod', ['str:6.02214076e23'], 'f64'],
  ['why_strtod', ['str:0x1.8p3'], 'f64'],
  ['why_qsort', ['str:the quick brown fox jumps over the lazy dog'], 'cstr'],
  ['why_localtime', ['str:Europe/Paris', '1700000000'], 'cstr'],
  ['why_localtime', ['str:America/New_York', '1000000000'], 'cstr'],
  ['why_localtime', ['str:Asia/Kolkata', '0'], 'cstr'],
  ['why_pthread_once', ['5'], 'int'],
  ['why_realloc', ['24'], 'long'],
  ['why_sigsetjmp', ['7'], 'int'],
];

describe.skipIf(!hasCc())('libc through the real ld.so', () => {
  const lib = (): string => buildCSource(`${repoRoot}/test/libcall/c/why.c`, ['-shared', '-fPIC', '-lpthread']);

  it('every case gives the native result, in two processes', async () => {
    const path = lib();
    const m = await Machine.create();
    const ps = [m.spawn(), m.spawn()];
    for (const p of ps) expect(p.load(path).loader).toBe('guest-dlopen');
    for (const [symbol, args, ret] of CASES) {
      const [native] = nativeCall(path, symbol, args, { ret });
      for (const p of ps) {
        const ours = resultText(p.call(symbol, args.map(parseCallArg), { ret }).result);
        expect(ours, `${symbol}(${args.join(', ')}) in process ${p.pid}`).toBe(native);
      }
    }
  }, 120_000);

  it('stdout written by the guest (puts, printf) is what the native run writes', async () => {
    const m = await Machine.create();
    const p = m.spawn();
    p.load(lib());
    const count = resultText(p.call('why_printf', [parseCallArg('str:hi')]).result);
    expect(count).toBe(nativeStdoutAndResult(lib(), 'why_printf', ['str:hi']).result);
    const stdout = p.task.files.get(1);
    expect(stdout).toBeInstanceOf(BufferStreamFile);
    expect(Buffer.concat((stdout as BufferStreamFile).chunks).toString()).toBe(nativeStdoutAndResult(lib(), 'why_printf', ['str:hi']).stdout);
  });
});
