// One raw system call made two ways, for the argument-checking tests: natively by test/kernel/c/syscall_args_probe.c
// and from a picemu Process, with the same arguments. An argument is a number, `s:TEXT` (a string), `buf:N` (a
// writable N-byte buffer whose bytes come back), `ro:N` (a read-only buffer) or `bad` (an unmapped address).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Machine } from '../../src/index.ts';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/mm/index.ts';
import { buildCSource, repoRoot } from '../helpers/oracles.ts';

export type Arg = number | bigint | string;
/** The call's result (-errno on failure) and each writable buffer's bytes afterwards, in hex. */
export interface RawResult { result: bigint; bufs: string[] }

export function nativeRawSyscall(nr: number, args: Arg[]): RawResult {
  const probe = buildCSource(join(repoRoot, 'test', 'kernel', 'c', 'syscall_args_probe.c'));
  const out = execFileSync(probe, [String(nr), ...args.map((a) => (typeof a === 'string' ? a : BigInt.asUintN(64, BigInt(a)).toString()))], { encoding: 'utf8' }).trim().split('\n');
  return { result: BigInt(out[0]!), bufs: out.slice(1) };
}

/** A picemu process ready to make raw calls: mov r10, rcx; mov eax, nr; syscall; ret, with the arguments placed. */
export async function picemuRawSyscaller(): Promise<(nr: number, args: Arg[]) => RawResult> {
  const proc = (await Machine.create()).spawn();
  const text = proc.space.mmap({ length: PAGE_SIZE, prot: PROT_READ | PROT_EXEC });
  return (nr, args) => {
    proc.space.poke(text, Uint8Array.of(0x49, 0x89, 0xca, 0xb8, nr & 0xff, (nr >> 8) & 0xff, 0, 0, 0x0f, 0x05, 0xc3));
    proc.cpu.invalidateCode(text, PAGE_SIZE);
    const bufs: [number, number][] = [];
    const values = args.map((a): bigint => {
      if (typeof a !== 'string') return BigInt.asIntN(64, BigInt(a));
      if (a.startsWith('s:')) return BigInt(proc.placeString(a.slice(2)));
      if (a === 'bad') {
        const p = proc.space.mmap({ length: PAGE_SIZE, prot: PROT_READ });
        proc.space.munmap(p, PAGE_SIZE);
        return BigInt(p);
      }
      const ro = a.startsWith('ro:');
      const n = Number(a.slice(ro ? 3 : 4));
      const p = proc.space.mmap({ length: Math.max(n, 1), prot: ro ? PROT_READ : PROT_READ | PROT_WRITE });
      if (!ro) bufs.push([p, n]);
      return BigInt(p);
    });
    const r = proc.call(text, values, { ret: 'long', budget: 1000 }).result;
    return { result: r.type === 'long' ? r.value : 0n, bufs: bufs.map(([p, n]) => Buffer.from(proc.space.peek(p, n) ?? []).toString('hex')) };
  };
}
