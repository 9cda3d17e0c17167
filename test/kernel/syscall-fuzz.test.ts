// No guest action crashes picemu: every system call number (0-460) made with hostile arguments — null, -1, huge,
// small integers, pointers into a buffer of random bytes, unaligned, unmapped, read-only — returns a value in rax
// (or ends the call with a typed CallError), never a host exception. Calls that would sleep (nanosleep,
// clock_nanosleep, pause, futex waits) or end the process are left out. PICEMU_FUZZ_SEED picks another argument set.
import { describe, expect, it } from 'vitest';
import { CallError, Machine } from '../../src/index.ts';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/mm/index.ts';

const SKIP = new Set([34 /* pause */, 35, 60, 61, 202, 230, 231, 247 /* waitid */, 7 /* poll */, 23 /* select */, 270, 271, 281, 232 /* epoll_wait */, 59, 322 /* execve: replaces the image */]);

function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

describe('hostile system calls never crash picemu', () => {
  it('every number 0-460, 12 random argument sets each', async () => {
    const machine = await Machine.create();
    const proc = machine.spawn();
    const text = proc.space.mmap({ length: PAGE_SIZE, prot: PROT_READ | PROT_EXEC });
    const buf = proc.space.mmap({ length: 4 * PAGE_SIZE, prot: PROT_READ | PROT_WRITE });
    const ro = proc.space.mmap({ length: PAGE_SIZE, prot: PROT_READ });
    const gone = proc.space.mmap({ length: PAGE_SIZE, prot: PROT_READ });
    proc.space.munmap(gone, PAGE_SIZE);
    const next = rng(Number(process.env.PICEMU_FUZZ_SEED ?? 0x5eed));
    const bytes = new Uint8Array(4 * PAGE_SIZE).map(() => next() & 0xff);
    const pick = (): bigint => {
      const choices = [0n, -1n, 1n, 2n, 3n, 100n, 4096n, 1n << 62n, -4096n, BigInt(buf), BigInt(buf + 4096 + (next() % 4000)), BigInt(buf + 1), BigInt(ro), BigInt(gone), 0x7ffffffff000n - 8n, BigInt(next())];
      return choices[next() % choices.length]!;
    };
    let calls = 0;
    for (let nr = 0; nr <= 460; nr++) {
      if (SKIP.has(nr)) continue;
      for (let k = 0; k < 12; k++) {
        // A previous call may have unmapped, moved or protected the buffer: map it afresh.
        proc.space.mmap({ addr: buf, length: 4 * PAGE_SIZE, prot: PROT_READ | PROT_WRITE, fixed: true });
        proc.space.write(buf, bytes);
        // mov r10, rcx; mov eax, nr; syscall; ret
        proc.space.poke(text, Uint8Array.of(0x49, 0x89, 0xca, 0xb8, nr & 0xff, (nr >> 8) & 0xff, 0, 0, 0x0f, 0x05, 0xc3));
        proc.cpu.invalidateCode(text, 16);
        const args = Array.from({ length: 6 }, pick);
        try {
          const r = proc.call(text, args, { ret: 'long', budget: 100, deadlineMs: 5000 }).result;
          expect(r.type).toBe('long');
        } catch (e) {
          if (!(e instanceof CallError)) throw new Error(`system call ${nr}(${args.map((a) => '0x' + BigInt.asUintN(64, a).toString(16)).join(', ')}) threw ${e}`);
        }
        calls++;
      }
    }
    expect(calls).toBeGreaterThan(5000);
  }, 120_000);
});
