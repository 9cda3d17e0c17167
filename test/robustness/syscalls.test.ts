// Hostile system calls: a guest passing bad pointers, lengths or flags to the system calls picemu performs
// gets the kernel's answer (-errno in rax), never a host exception. Oracle: the same raw syscall natively.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { PAGE_SIZE, PROT_EXEC, PROT_READ } from '../../src/mm/index.ts';
import { buildCSource, hasCc, repoRoot } from '../helpers/oracles.ts';

const probe = (): string => buildCSource(join(repoRoot, 'test', 'robustness', 'c', 'syscall_probe.c'));

const native = (nr: number, args: bigint[]): bigint => BigInt(execFileSync(probe(), [String(nr), ...args.map(String)], { encoding: 'utf8' }).trim());

/** Hostile calls: bad pointers, lengths, flags and protection bits. */
const cases: [string, number, bigint[]][] = [
  ['getrandom into a null buffer', 318, [0n, 16n, 0n]],
  ['getrandom into an unmapped buffer', 318, [0x10000n, 16n, 0n]],
  ['getrandom with unknown flags', 318, [0n, 0n, 0x80n]],
  ['mmap of length 0', 9, [0n, 0n, 3n, 0x22n, BigInt.asUintN(64, -1n), 0n]],
  ['mmap of 2^62 bytes', 9, [0n, 1n << 62n, 3n, 0x22n, BigInt.asUintN(64, -1n), 0n]],
  ['mmap with bad protection bits', 9, [0n, 4096n, 0xf0n, 0x22n, BigInt.asUintN(64, -1n), 0n]],
  ['MAP_FIXED at an unaligned address', 9, [0x10001n, 4096n, 3n, 0x32n, BigInt.asUintN(64, -1n), 0n]],
  ['munmap of an unaligned address', 11, [1n, 4096n]],
  ['munmap of length 0', 11, [0x10000n, 0n]],
  ['mprotect of an unaligned address', 10, [1n, 4096n, 1n]],
  ['mprotect of an unmapped range', 10, [0x10000n, 4096n, 1n]],
  ['mprotect with bad protection bits', 10, [0x10000n, 4096n, 0x100n]],
];

describe.skipIf(!hasCc())('hostile system calls get the kernel\'s answer', () => {
  it.each(cases)('%s', async (_name, nr, args) => {
    const expected = native(nr, args);
    const machine = await Machine.create({ seed: 9 });
    const proc = machine.spawn();
    // mov r10, rcx; mov rax, [nr]; mov r8, [5th]; mov r9, [6th]; syscall; ret  (System V passes the 4th argument in rcx)
    const text = proc.space.mmap({ length: PAGE_SIZE, prot: PROT_READ | PROT_EXEC });
    const code = [0x49, 0x89, 0xca, 0xb8, nr & 0xff, (nr >> 8) & 0xff, 0, 0, 0x0f, 0x05, 0xc3];
    proc.space.poke(text, Uint8Array.from(code));
    const r = proc.call(text, args.map((v) => BigInt.asIntN(64, v)), { ret: 'long', budget: 1000 });
    const got = r.result.type === 'long' ? r.result.value : undefined;
    // An error is compared exactly; a success returns an address that depends on the layout: success it must be.
    if (expected < 0n) expect(got).toBe(expected);
    else expect(got! >= 0n, `the kernel succeeded (${expected}), picemu returned ${got}`).toBe(true);
  });
});
