// Every exported fixture function and some of zlib, bzip2, expat, sqlite3, libc, libm (libc loaded as a
// DT_NEEDED dependency, its initializers skipped) return in two processes what a native dlopen+call returns.
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { resultText, type ReturnKind } from '../../src/process/call-args.ts';
import { parseCallArg } from '../../src/process/call-args.ts';
import { CallFault } from '../../src/process/errors.ts';
import { nativeCall, nativeSignal } from '../helpers/native.ts';
import { hasCc, repoRoot } from '../helpers/oracles.ts';

const fx = (name: string): string => `${repoRoot}/fixtures/${name}`;
const sys = (name: string): string => `/lib/x86_64-linux-gnu/${name}`;

interface Case { lib: string; symbol: string; args?: string[]; ret?: ReturnKind; calls?: number }

const cases: Case[] = [
  { lib: fx('libcounter.so'), symbol: 'really_really_nonreentrant', calls: 3 },
  { lib: fx('libdemo.so'), symbol: 'bump_counter', args: ['5'], calls: 3 },
  { lib: fx('libdemo.so'), symbol: 'get_counter', calls: 2 },
  { lib: fx('libdemo.so'), symbol: 'bump_twice', args: ['-2'], calls: 3 },
  { lib: fx('libdemo.so'), symbol: 'data_array_sum', calls: 2 },
  { lib: fx('libdemo.so'), symbol: 'data_array_get', args: ['3'] },
  { lib: fx('libdemo.so'), symbol: 'data_array_get', args: ['-1'] },
  { lib: fx('libdemo.so'), symbol: 'data_array_set', args: ['2', '10'], ret: 'void', calls: 2 },
  { lib: fx('libdemo.so'), symbol: 'get_greeting', ret: 'cstr', calls: 2 },
  { lib: fx('libdemo.so'), symbol: 'greeting_length', ret: 'ulong' },
  { lib: fx('libdemo.so'), symbol: 'my_strlen', args: ['str:hello, world'], ret: 'ulong' },
  ...Array.from({ length: 11 }, (_, k): Case => ({ lib: fx('libdemo.so'), symbol: 'classify', args: [String(k), '0x12345'] })),
  { lib: fx('libdemo.so'), symbol: 'fib', args: ['15'], ret: 'long' },
  { lib: fx('libdemo.so'), symbol: 'sum_ints', args: ['hex:010000000200000003000000040000000500000006000000070000000800000009000000', '9'] },
  { lib: fx('libdemo.so'), symbol: 'sum_vec_data' },
  { lib: fx('libdemo.so'), symbol: 'crc32_bitwise', args: ['str:123456789', '9'], ret: 'uint' },
  { lib: fx('libdemo.so'), symbol: 'crc32_data_array', ret: 'uint' },
  { lib: fx('libdemo.so'), symbol: 'byte_copy', args: ['hex:00000000', 'hex:01020304', '4'], ret: 'void' },
  { lib: fx('libtls.so'), symbol: 'tls_bump', calls: 3 },
  { lib: fx('libtls.so'), symbol: 'tls_ie_bump', calls: 3 },
  { lib: fx('libguarded.so'), symbol: 'guarded_checksum', args: ['str:hello world, a stack-protected function'], calls: 2 },
  { lib: fx('liblibc-user.so'), symbol: 'libc_strlen', args: ['str:hello from libc'], ret: 'ulong' },
  { lib: fx('liblibc-user.so'), symbol: 'libc_copy', args: ['str:copied by memcpy'], ret: 'cstr' },
  { lib: fx('liblibc-user.so'), symbol: 'libc_format', args: ['-42', 'str:fmt'], ret: 'cstr' },
  { lib: sys('libz.so.1'), symbol: 'crc32', args: ['0', 'str:hello, zlib', '11'], ret: 'ulong' },
  { lib: sys('libz.so.1'), symbol: 'adler32', args: ['1', 'str:hello, zlib', '11'], ret: 'ulong' },
  { lib: sys('libz.so.1'), symbol: 'zlibVersion', ret: 'cstr' },
  { lib: sys('libbz2.so.1.0'), symbol: 'BZ2_bzlibVersion', ret: 'cstr' },
  { lib: sys('libexpat.so.1'), symbol: 'XML_ExpatVersion', ret: 'cstr' },
  { lib: sys('libsqlite3.so.0'), symbol: 'sqlite3_libversion', ret: 'cstr' },
  { lib: sys('libsqlite3.so.0'), symbol: 'sqlite3_libversion_number' },
  // ifunc symbols: the call goes to the implementation the resolver picks, as dlsym returns it.
  { lib: sys('libc.so.6'), symbol: 'strlen', args: ['str:an ifunc in libc'], ret: 'ulong' },
  { lib: sys('libm.so.6'), symbol: 'cos', args: ['f64:1.0'], ret: 'f64' },
  { lib: sys('libm.so.6'), symbol: 'pow', args: ['f64:2', 'f64:0.5'], ret: 'f64' },
  // malloc: libc's allocator works with picemu's brk/mmap/getrandom (libc's initializers still skipped).
  { lib: sys('libc.so.6'), symbol: 'strdup', args: ['str:copied by malloc'], ret: 'cstr', calls: 2 },
  { lib: sys('libsqlite3.so.0'), symbol: 'sqlite3_initialize' },
  { lib: sys('libsqlite3.so.0'), symbol: 'sqlite3_open', args: ['str::memory:', 'hex:0000000000000000'] },
];

const name = (c: Case): string => `${c.lib.split('/').pop()} ${c.symbol}(${(c.args ?? []).join(', ')}) ×${c.calls ?? 1} as ${c.ret ?? 'int'}`;

describe.skipIf(!hasCc())('calls match a native dlopen+call in both processes', async () => {
  // One machine per library: its processes load it once; the cases of one library run in fresh processes each.
  const machines = new Map<string, Machine>();
  async function twoProcesses(lib: string) {
    let m = machines.get(lib);
    if (!m) machines.set(lib, (m = await Machine.create({ seed: 7 })));
    const p1 = m.spawn();
    const p2 = m.spawn();
    p1.load(lib);
    p2.load(lib);
    return [p1, p2] as const;
  }

  it.each(cases.map((c) => [name(c), c] as const))('%s', async (_n, c) => {
    const calls = c.calls ?? 1;
    const ret = c.ret ?? 'int';
    const expected = nativeCall(c.lib, c.symbol, c.args ?? [], { calls, ret });
    const [p1, p2] = await twoProcesses(c.lib);
    // Arguments are placed once per process, as the oracle does.
    const args1 = (c.args ?? []).map(parseCallArg).map((a) => (a.kind === 'str' ? p1.placeString(a.text) : a.kind === 'hex' ? p1.place(a.bytes) : a));
    const args2 = (c.args ?? []).map(parseCallArg).map((a) => (a.kind === 'str' ? p2.placeString(a.text) : a.kind === 'hex' ? p2.place(a.bytes) : a));
    const got1: string[] = [];
    const got2: string[] = [];
    for (let k = 0; k < calls; k++) {
      got1.push(resultText(p1.call(c.symbol, args1, { ret }).result));
      got2.push(resultText(p2.call(c.symbol, args2, { ret }).result));
    }
    expect(got1).toEqual(expected);
    expect(got2).toEqual(expected);
  });
});

describe.skipIf(!hasCc())('faults match the signal the kernel delivers', () => {
  const faulting: [string, number[]][] = [
    ['write_own_code', []], ['null_deref', []], ['write_rodata', []], ['trap_ud2', []], ['divide_by_zero', [7]], ['breakpoint_int3', []],
  ];
  it.each(faulting)('%s', async (symbol, args) => {
    const native = nativeSignal(fx('libdemo.so'), symbol, args);
    if (!('signal' in native)) throw new Error(`${symbol} returned natively`);
    const m = await Machine.create();
    const p = m.spawn();
    const base = p.load(fx('libdemo.so')).module.base;
    let caught: unknown;
    try {
      p.call(symbol, args);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CallFault);
    const f = (caught as CallFault).fault;
    expect(f.signal).toBe(native.signo);
    expect(f.code).toBe(native.code);
    expect(f.rip - base).toBe(native.ripOffset);
    if (native.addrOffset !== null) expect((caught as CallFault).siAddr - base).toBe(native.addrOffset);
    // The message names the module and the function.
    expect((caught as Error).message).toContain('libdemo.so');
    expect((caught as Error).message).toContain(symbol);
    // The process is still usable.
    expect(resultText(p.call('classify', [3, 0]).result)).toBe(nativeCall(fx('libdemo.so'), 'classify', ['3', '0'])[0]);
  });
});
