// System calls touch guest memory as the kernel's copy_to_user does: a write that faults part-way is a short
// count, one that faults at once is -EFAULT (values as a native getrandom gives them), never a host exception.
// And Process.call is bounded by default: a call that never returns ends with CallLimitError('timeout').
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { DEFAULT_DEADLINE_MS } from '../../src/process/process.ts';
import { CallLimitError } from '../../src/process/errors.ts';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/mm/index.ts';

async function rawSyscall(nr: number) {
  const machine = await Machine.create({ seed: 3 });
  const proc = machine.spawn();
  const text = proc.space.mmap({ length: PAGE_SIZE, prot: PROT_READ | PROT_EXEC });
  // mov r10, rcx; mov eax, nr; syscall; ret
  proc.space.poke(text, Uint8Array.of(0x49, 0x89, 0xca, 0xb8, nr & 0xff, (nr >> 8) & 0xff, 0, 0, 0x0f, 0x05, 0xc3));
  const call = (...args: bigint[]) => {
    const r = proc.call(text, args, { ret: 'long', budget: 1000 }).result;
    return r.type === 'long' ? r.value : undefined;
  };
  return { proc, call };
}

describe('system calls and guest memory', () => {
  it('getrandom into a buffer that ends at an unmapped page: the bytes up to it (native: 100)', async () => {
    const { proc, call } = await rawSyscall(318);
    const buf = proc.space.mmap({ length: 2 * PAGE_SIZE, prot: PROT_READ | PROT_WRITE });
    proc.space.munmap(buf + PAGE_SIZE, PAGE_SIZE);
    expect(call(BigInt(buf + PAGE_SIZE - 100), 1000n, 0n)).toBe(100n);
    expect(proc.space.read(buf + PAGE_SIZE - 100, 100).some((b) => b !== 0)).toBe(true);
  });

  it('getrandom into a read-only page is -EFAULT; past the address space too', async () => {
    const { proc, call } = await rawSyscall(318);
    const buf = proc.space.mmap({ length: PAGE_SIZE, prot: PROT_READ });
    expect(call(BigInt(buf), 16n, 0n)).toBe(-14n);
    expect(call(0x7ffffffff000n - 8n, 16n, 0n)).toBe(-14n);
    expect(call(-1n, 16n, 0n)).toBe(-14n);
  });
});

describe('Process.call default deadline', () => {
  afterEach(() => void vi.restoreAllMocks());

  it(`is ${DEFAULT_DEADLINE_MS} ms: a call that spins ends with CallLimitError('timeout')`, async () => {
    const machine = await Machine.create();
    const proc = machine.spawn();
    const text = proc.space.mmap({ length: PAGE_SIZE, prot: PROT_READ | PROT_EXEC });
    proc.space.poke(text, Uint8Array.of(0xeb, 0xfe)); // jmp $
    // Each look at the clock advances it by a second: the default deadline passes after about 30 looks.
    let now = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => (now += 1000));
    let err: unknown;
    try {
      proc.call(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CallLimitError);
    expect((err as CallLimitError).limit).toBe('timeout');
    expect((err as Error).message).toContain(`deadline of ${DEFAULT_DEADLINE_MS} ms passed`);
  });
});
