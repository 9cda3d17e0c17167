// The calls picemu's tests make through `run` style arguments (fixtures, zlib, bzip2, expat, sqlite3, libc, libm),
// each compared with a native dlopen+call: shared by the per-engine suites (helpers/call-suites.ts).
import type { ReturnKind } from '../../src/process/call-args.ts';
import { repoRoot } from './oracles.ts';

export const fx = (name: string): string => `${repoRoot}/fixtures/${name}`;
export const sys = (name: string): string => `/lib/x86_64-linux-gnu/${name}`;

export interface Case { lib: string; symbol: string; args?: string[]; ret?: ReturnKind; calls?: number }

export const CALL_CASES: Case[] = [
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

