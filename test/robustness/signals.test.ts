// Guest faults as signals: each fault fixture of libdemo.so, called in picemu, reports the signal, si_code,
// si_addr and RIP the kernel delivers to a native process running the same function (signal_probe), plus
// module and symbol+offset (readelf's symbol table as oracle); SIGBUS past the end of a file mapping is
// compared with a native mmap + access of the same short file (sigbus_probe.c).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallFault } from '../../src/process/errors.ts';
import { Machine } from '../../src/process/machine.ts';
import type { Process } from '../../src/process/process.ts';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/mm/index.ts';
import { nativeSignal, type NativeSignal } from '../helpers/native.ts';
import { buildCSource, hasCc, hasReadelf, repoRoot } from '../helpers/oracles.ts';
import { parseSymbolTables, readelf } from '../helpers/readelf.ts';

const libdemo = join(repoRoot, 'fixtures', 'libdemo.so');

/** `name+0x..` for a module offset, from readelf's .symtab (the FUNC symbol whose [value, value+size) holds it). */
function symbolAt(offset: number): string | undefined {
  const table = parseSymbolTables(readelf(['-sW'], libdemo)).get('.symtab') ?? [];
  const f = table.find((s) => s.type === 'FUNC' && BigInt(offset) >= s.value && BigInt(offset) < s.value + (s.size || 1n));
  if (!f) return undefined;
  const d = offset - Number(f.value);
  return d === 0 ? f.name : `${f.name}+0x${d.toString(16)}`;
}

function faultOf(proc: Process, symbol: string, args: number[], budget = 100_000): CallFault {
  try {
    proc.call(symbol, args, { budget });
  } catch (e) {
    if (e instanceof CallFault) return e;
    throw e;
  }
  throw new Error(`${symbol} returned instead of faulting`);
}

const cases: { symbol: string; args: number[]; signal: string }[] = [
  { symbol: 'null_deref', args: [], signal: 'SIGSEGV' },
  { symbol: 'write_rodata', args: [], signal: 'SIGSEGV' },
  { symbol: 'write_own_code', args: [], signal: 'SIGSEGV' },
  { symbol: 'trap_ud2', args: [], signal: 'SIGILL' },
  { symbol: 'divide_by_zero', args: [7], signal: 'SIGFPE' },
  { symbol: 'breakpoint_int3', args: [], signal: 'SIGTRAP' },
];

describe.skipIf(!hasCc() || !hasReadelf())('guest faults are the signals the kernel delivers for the same code', () => {
  let machine: Machine;
  let procs: Process[];
  beforeAll(async () => {
    machine = await Machine.create({ seed: 3 });
    // Two processes: the library at a different base in each; offsets must match the native ones in both.
    procs = [machine.spawn(), machine.spawn()];
    for (const p of procs) p.load(libdemo);
  });

  it.each(cases)('$symbol: $signal with the kernel\'s si_code, si_addr and RIP; module and symbol+offset', ({ symbol, args, signal }) => {
    const native = nativeSignal(libdemo, symbol, args) as NativeSignal;
    expect(native.signal).toBe(signal);
    for (const proc of procs) {
      const base = proc.baseOf('libdemo.so')!;
      const err = faultOf(proc, symbol, args);
      const f = err.fault;
      expect({ signo: f.signal, code: f.code }, `${symbol} in pid ${proc.pid}`).toEqual({ signo: native.signo, code: native.code });
      // si_addr: inside the library, relative to its base; elsewhere (0 for a null pointer, SI_KERNEL), absolute.
      if (native.addrOffset !== null) expect(err.siAddr - base, 'si_addr - base').toBe(native.addrOffset);
      else expect(BigInt(err.siAddr), 'si_addr').toBe(native.addr);
      expect(f.rip - base, 'RIP - base').toBe(native.ripOffset);
      expect(err.where.module).toBe('libdemo.so');
      expect(err.where.offset).toBe(native.ripOffset);
      expect(err.where.symbol).toBe(symbolAt(native.ripOffset!));
      expect(err.message).toContain(err.where.symbol!);
      // The process stays usable after the fault.
      expect(proc.call('get_counter').result.type).toBe('int');
    }
  });
});

describe.skipIf(!hasCc() || !hasReadelf())('stack overflow: SIGSEGV SEGV_MAPERR below the stack, as the kernel reports it', () => {
  it('fib(10^8) recurses past the 8 MiB stack', async () => {
    const native = nativeSignal(libdemo, 'fib', [100_000_000]) as NativeSignal;
    const machine = await Machine.create({ seed: 4 });
    const proc = machine.spawn();
    proc.load(libdemo);
    const err = faultOf(proc, 'fib', [100_000_000], 50_000_000);
    expect({ signo: err.fault.signal, code: err.fault.code }).toEqual({ signo: native.signo, code: native.code });
    // The faulting store is one of fib's pushes (which one depends on the stack top modulo the frame size).
    expect(err.where.symbol?.startsWith('fib')).toBe(true);
    expect(symbolAt(native.ripOffset!)?.startsWith('fib')).toBe(true);
    expect(err.fault.access).toBe('write');
    expect(err.siAddr).toBeLessThan(proc.stackBottom);
    expect(proc.space.vmaAt(err.siAddr)).toBeUndefined();
  }, 60_000);
});

/** Builds test/robustness/c/NAME.c (once per content). */
const buildProbe = (name: string): string => buildCSource(join(repoRoot, 'test', 'robustness', 'c', `${name}.c`));

describe.skipIf(!hasCc())('SIGBUS: an access past the end of a file mapping (kernel oracle: the same mmap natively)', () => {
  let dir: string;
  let file: string;
  const fileBytes = Uint8Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 0xff);
  const LENGTH = 3 * 4096;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'picemu-sigbus-'));
    file = join(dir, 'short.bin');
    writeFileSync(file, fileBytes);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const accesses: [number, 'read' | 'write', 'r' | 'rw'][] = [
    [50, 'read', 'r'], [99, 'read', 'r'], [100, 'read', 'r'], [4095, 'read', 'r'], [4096, 'read', 'r'], [8191, 'read', 'r'], [12287, 'read', 'r'],
    [4000, 'write', 'rw'], [4096, 'write', 'rw'], [9000, 'write', 'rw'],
  ];

  it.each(accesses)('offset %d, %s, prot %s', async (offset, access, prot) => {
    const out = execFileSync(buildProbe('sigbus_probe'), [file, String(LENGTH), prot, String(offset), access], { encoding: 'utf8' });
    const native = JSON.parse(out) as { signo?: number; code?: number; addrOffset?: string; value?: string };

    const machine = await Machine.create({ seed: 5 });
    const proc = machine.spawn();
    const map = proc.space.mmap({ length: LENGTH, prot: PROT_READ | (prot === 'rw' ? PROT_WRITE : 0), file: proc.space.pageCache.open(file) });
    // movzx eax, byte [rdi]; ret   |   mov byte [rdi], 0x5a; movzx eax, byte [rdi]; ret
    const code = access === 'read' ? [0x0f, 0xb6, 0x07, 0xc3] : [0xc6, 0x07, 0x5a, 0x0f, 0xb6, 0x07, 0xc3];
    const text = proc.space.mmap({ length: 4096, prot: PROT_READ | PROT_EXEC });
    proc.space.poke(text, Uint8Array.from(code));
    let fault: CallFault | undefined;
    let value: bigint | undefined;
    try {
      const r = proc.call(text, [map + offset], { ret: 'uint', budget: 100 });
      value = r.result.type === 'uint' ? r.result.value : undefined;
    } catch (e) {
      if (!(e instanceof CallFault)) throw e;
      fault = e;
    }
    if (native.value !== undefined) {
      expect(fault?.message, 'picemu faulted where the kernel did not').toBeUndefined();
      expect(value).toBe(BigInt(native.value));
    } else {
      expect(fault, 'picemu did not fault where the kernel sent a signal').toBeDefined();
      expect({ signo: fault!.fault.signal, code: fault!.fault.code }).toEqual({ signo: native.signo, code: native.code });
      expect(fault!.siAddr - map).toBe(Number(native.addrOffset));
      expect(fault!.fault.rip).toBe(text); // the faulting instruction, nothing of it committed
    }
  });
});
